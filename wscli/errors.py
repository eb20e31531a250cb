"""wscli's errors: each carries a one-line message, a hint and its exit status."""

from wscli.status import ExitStatus

__all__ = [
    "ConnectFailed",
    "HandshakeRejected",
    "OutputClosed",
    "TLSFailed",
    "Timeout",
    "UsageError",
    "WscliError",
    "is_permanent",
]


class WscliError(Exception):
    """An error to report on stderr as ``wscli: error: MESSAGE`` and exit with ``status``."""

    status: ExitStatus = ExitStatus.INTERNAL_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(WscliError):
    """Bad input from the user: options, URL, headers, close codes, input lines."""

    status = ExitStatus.USAGE_ERROR


class ConnectFailed(WscliError):
    """No TCP connection: DNS, refused, unreachable, proxy."""

    status = ExitStatus.CONNECT_FAILED


class HandshakeRejected(WscliError):
    """The server answered the opening handshake with something other than 101."""

    status = ExitStatus.HANDSHAKE_REJECTED

    def __init__(
        self, message: str, hint: str | None = None, *, http_status: int | None = None
    ) -> None:
        super().__init__(message, hint)
        #: The HTTP status the server answered with, when it answered one (``status`` is
        #: the exit status).
        self.http_status = http_status


class TLSFailed(WscliError):
    """The TLS handshake failed."""

    status = ExitStatus.TLS_FAILED


class Timeout(WscliError):
    """A deadline passed: the opening handshake or --timeout."""

    status = ExitStatus.TIMEOUT


class OutputClosed(WscliError):
    """The reader of stdout went away (``| head -1``): end quietly."""

    status = ExitStatus.OK


def is_permanent(error: WscliError) -> bool:
    """True for failures that trying again cannot fix: TLS, and 4xx handshake answers."""
    if isinstance(error, TLSFailed):
        return True
    status = error.http_status if isinstance(error, HandshakeRejected) else None
    return status is not None and 400 <= status < 500
