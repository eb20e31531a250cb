"""The close-code registry (RFC 6455 section 7.4 and IANA) and the rules for sending one."""

from wscli.errors import UsageError

__all__ = [
    "MAX_REASON_BYTES",
    "NORMAL_CLOSE_CODES",
    "SENDABLE_CODES",
    "close_code_name",
    "is_sendable",
    "parse_close_code",
    "parse_expected_code",
    "validate_close",
]

MAX_REASON_BYTES = 123

_NAMES: dict[int, str] = {
    1000: "Normal Closure",
    1001: "Going Away",
    1002: "Protocol Error",
    1003: "Unsupported Data",
    1004: "Reserved",
    1005: "No Status Received",
    1006: "Abnormal Closure",
    1007: "Invalid Payload Data",
    1008: "Policy Violation",
    1009: "Message Too Big",
    1010: "Mandatory Extension",
    1011: "Internal Error",
    1012: "Service Restart",
    1013: "Try Again Later",
    1014: "Bad Gateway",
    1015: "TLS Handshake",
}

#: Codes that may be sent in a close frame, with their names (for completion and help).
SENDABLE_CODES: dict[int, str] = {
    code: name for code, name in _NAMES.items() if code not in (1004, 1005, 1006, 1015)
}

#: Close codes that mean the connection ended normally (1005: an empty close frame).
NORMAL_CLOSE_CODES = (1000, 1001, 1005)

_RULE = "codes 1000-1003, 1007-1014 and 3000-4999 may be sent"


def close_code_name(code: int) -> str:
    """The registry name of ``code``: "Normal Closure", "Private Use", ..."""
    if code in _NAMES:
        return _NAMES[code]
    if 3000 <= code <= 3999:
        return "Registered"
    if 4000 <= code <= 4999:
        return "Private Use"
    return "Unknown"


def is_sendable(code: int) -> bool:
    """Whether RFC 6455 allows ``code`` in a close frame."""
    return code in SENDABLE_CODES or 3000 <= code <= 4999


def validate_close(code: int | None, reason: str) -> None:
    """Refuse a close code or reason that may not be sent.

    Raises:
        UsageError: the code is reserved or out of range, or the reason is longer than
            123 UTF-8 bytes, or a reason is given without a code.
    """
    if code is None:
        if reason:
            raise UsageError("a close reason needs a close code", "drop the reason or give a code")
        return
    if not is_sendable(code):
        what = (
            f"{code} ({close_code_name(code)}) may not be sent in a close frame"
            if code in _NAMES
            else f"{code} is not a valid close code"
        )
        raise UsageError(f"close code {what}", _RULE)
    try:
        size = len(reason.encode("utf-8"))
    except UnicodeEncodeError:  # bytes that are not UTF-8, from the command line
        raise UsageError("close reason is not valid UTF-8", "a close reason is text") from None
    if size > MAX_REASON_BYTES:
        raise UsageError(
            f"close reason is {size} bytes of UTF-8; "
            f"at most {MAX_REASON_BYTES} fit in a close frame",
            "shorten the reason",
        )


def parse_close_code(text: str, *, allow_none: bool = False) -> int | None:
    """Parse a close code given on the command line (``none`` for an empty close frame)."""
    if allow_none and text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        hint = "give a number" + (" or 'none'" if allow_none else "")
        raise UsageError(f"close code {text!r} is not a number", hint) from None


def parse_expected_code(text: str) -> int:
    """Parse a close code to expect (``--expect-close``, ``--expect-code``): 1000-4999,
    including 1005 and 1006, which a peer's close can be reported as."""
    code = parse_close_code(text)
    assert code is not None
    if not 1000 <= code <= 4999:
        raise UsageError(f"close code {code} can never be received", "close codes run 1000-4999")
    return code
