"""User input to frames: text, binary, hex and base64 lines, arguments and files. Pure."""

import base64
import binascii

from wscli.errors import UsageError
from wscli.options import InputFormat
from wscli.protocol.jsonl_input import parse_jsonl_line

__all__ = ["decode_input", "decode_program_line"]

_HINTS: dict[str, str] = {
    "text": "the text format needs UTF-8; use --input-format binary to send raw bytes",
    "hex": "hex input is pairs of hex digits, spaces allowed, e.g. '48 65 6c 6c 6f'",
    "base64": "base64 input is standard base64, e.g. 'SGVsbG8='",
}


def _decode(raw: bytes, fmt: InputFormat, text_errors: str) -> str | bytes:
    """Raises UnicodeDecodeError, ValueError or binascii.Error for bad input."""
    if fmt == "text":
        return raw.decode("utf-8", text_errors)
    if fmt == "binary":
        return bytes(raw)
    if fmt == "hex":
        return bytes.fromhex(raw.decode("ascii"))
    return base64.b64decode(b"".join(raw.split()), validate=True)


def decode_input(raw: bytes, fmt: InputFormat, *, where: str) -> str | bytes:
    """Turn one input unit (a line, an argument, a file) into a frame's payload.

    Returns ``str`` for a text frame and ``bytes`` for a binary frame.

    Raises:
        UsageError: the input is not valid in ``fmt``; the message names ``where``.
    """
    if fmt == "jsonl":
        item = parse_jsonl_line(raw, where=where)
        if not isinstance(item, str | bytes):
            raise UsageError(
                f"{where} is not a message", "pings and closes go on stdin, a line each"
            )
        return item
    try:
        return _decode(raw, fmt, "strict")
    except (UnicodeDecodeError, ValueError, binascii.Error):
        name = {"text": "UTF-8 text"}.get(fmt, fmt)
        raise UsageError(f"{where} is not valid {name}", _HINTS[fmt]) from None


def decode_program_line(line: bytes, fmt: InputFormat) -> str | bytes | None:
    """One line of a program's output (``--exec``) as a message, leniently: bad UTF-8 is
    replaced, and a line that is not valid hex or base64 is skipped (None)."""
    try:
        return _decode(line, fmt, "replace")
    except (ValueError, binascii.Error):
        return None
