"""The one table of wscli's exit codes."""

from enum import IntEnum

__all__ = ["EXIT_STATUS_HELP", "ExitStatus"]


class ExitStatus(IntEnum):
    """How a wscli run ended, as the process exit code."""

    OK = 0
    INTERNAL_ERROR = 1
    USAGE_ERROR = 2
    CONNECT_FAILED = 3
    HANDSHAKE_REJECTED = 4
    TLS_FAILED = 5
    TIMEOUT = 6
    CLOSED_ABNORMALLY = 7
    CLOSED_WITH_ERROR_CODE = 8
    EXPECTATION_FAILED = 9
    INTERRUPTED = 130


#: One line per exit code, for --help and README.
EXIT_STATUS_HELP: dict[ExitStatus, str] = {
    ExitStatus.OK: "ended as expected: we closed and the server answered, or the server "
    "closed with 1000/1001/1005, and every expectation held",
    ExitStatus.INTERNAL_ERROR: "internal error (a bug: please report it)",
    ExitStatus.USAGE_ERROR: "usage error: bad option, URL, header, close code or reason, "
    "input line or file",
    ExitStatus.CONNECT_FAILED: "could not connect: DNS, refused, unreachable, proxy",
    ExitStatus.HANDSHAKE_REJECTED: "handshake rejected: the server did not answer 101",
    ExitStatus.TLS_FAILED: "TLS failure: untrusted certificate, wrong name, not a TLS server",
    ExitStatus.TIMEOUT: "timeout: --open-timeout, or --timeout before --count/--until held",
    ExitStatus.CLOSED_ABNORMALLY: "closed abnormally: 1006, no close frame (TCP dropped, "
    "or wscli failed the connection)",
    ExitStatus.CLOSED_WITH_ERROR_CODE: "the server closed with another code (1002, 1011, 4001...)",
    ExitStatus.EXPECTATION_FAILED: "an expectation failed: --until never matched, "
    "--expect-close/--expect-code got another code, the server closed before --count",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C; wscli closes with 1001 first)",
}
