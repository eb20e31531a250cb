"""``--input-format jsonl``: one JSON value a line, the schema ``--jsonl`` writes. Pure.

- A ``message`` object as ``--jsonl`` writes it (``type`` and ``text`` or ``base64``; its
  ``event``, ``time``, ``direction``, ``size``, ``id`` and unknown keys are ignored), or the
  short forms ``{"text": ...}``, ``{"base64": ...}`` and a bare JSON string: a message.
- ``{"event": "ping", "base64": ...}`` (payload optional): a ping.
- ``{"event": "close", "code": 4000, "reason": ...}``: a close, checked as ``wscli close``
  checks it; a code that can never be sent (1005, 1006, 1015: a log of a connection that
  ended without a status) closes without one.
- The other events ``--jsonl`` writes (``open``, ``pong``, ``error``, ``listening``...):
  skipped, so a whole log can be fed back as it is.
"""

import base64
import binascii
import json
from typing import Any

from wscli.errors import UsageError
from wscli.protocol.codes import is_sendable, validate_close

__all__ = ["SKIPPED_EVENTS", "CloseRequest", "PingRequest", "parse_jsonl_line"]

#: Events --jsonl writes that are not something to send.
SKIPPED_EVENTS = frozenset(
    {"open", "pong", "error", "listening", "close_report", "reconnect", "script", "step"}
)
_HINT = 'e.g. {"text": "hi"}, {"base64": "AAE="}, "hi" or {"event": "close", "code": 1000}'
_MAX_PING = 125  # bytes: a control frame's payload


class PingRequest:
    """Send a ping with this payload."""

    __slots__ = ("data",)

    def __init__(self, data: bytes = b"") -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PingRequest) and other.data == self.data

    def __repr__(self) -> str:
        return f"PingRequest({self.data!r})"


class CloseRequest:
    """Close with this code and reason (None: an empty close frame)."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int | None, reason: str = "") -> None:
        self.code = code
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CloseRequest) and (other.code, other.reason) == (
            self.code,
            self.reason,
        )

    def __repr__(self) -> str:
        return f"CloseRequest({self.code!r}, {self.reason!r})"


def parse_jsonl_line(line: bytes, *, where: str) -> str | bytes | PingRequest | CloseRequest | None:
    """One line of JSON Lines input: a text (str) or binary (bytes) message, a ping, a
    close, or None for an event that is skipped.

    Raises:
        UsageError: not JSON, not a message or control, both or neither of text and
            base64, bad base64, a lone surrogate, an unknown event, a bad close.
    """
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise UsageError(f"{where} is not valid JSON", _HINT) from None
    if isinstance(value, str):
        return _checked_text(value, where)
    if not isinstance(value, dict):
        raise UsageError(f"{where} is not a message: a JSON {_kind(value)}", _HINT)
    event = value.get("event", "message")
    if event == "message":
        return _message(value, where)
    if event == "ping":
        return _ping(value, where)
    if event == "close":
        return _close(value, where)
    if isinstance(event, str) and event in SKIPPED_EVENTS:
        return None
    raise UsageError(
        f"{where} has an unknown event {event!r}", "message, ping or close (others skipped)"
    )


def _message(value: dict[str, Any], where: str) -> str | bytes:
    has_text, has_base64 = "text" in value, "base64" in value
    if has_text == has_base64:
        raise UsageError(
            f"{where} has {'both' if has_text else 'neither'} text {'and' if has_text else 'nor'}"
            " base64",
            "give one: text for a text message, base64 for a binary one",
        )
    kind = value.get("type")
    if kind is not None and kind != ("text" if has_text else "binary"):
        raise UsageError(
            f"{where} says type {kind!r} but gives {'text' if has_text else 'base64'}",
            "type text goes with text, type binary with base64",
        )
    if has_text:
        text = value["text"]
        if not isinstance(text, str):
            raise UsageError(f"{where}: text is not a JSON string", _HINT)
        return _checked_text(text, where)
    return _base64(value["base64"], where)


def _ping(value: dict[str, Any], where: str) -> PingRequest:
    data = _base64(value.get("base64", ""), where)
    if len(data) > _MAX_PING:
        raise UsageError(
            f"{where}: a ping's payload is {len(data)} bytes", f"at most {_MAX_PING} bytes"
        )
    return PingRequest(data)


def _close(value: dict[str, Any], where: str) -> CloseRequest:
    code, reason = value.get("code"), value.get("reason", "")
    if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
        raise UsageError(f"{where}: the close code is not an integer", "e.g. 1000 or 4000")
    if not isinstance(reason, str):
        raise UsageError(f"{where}: the close reason is not a JSON string", 'e.g. "bye"')
    if code is not None and not is_sendable(code) and code in (1005, 1006, 1015):
        return CloseRequest(None)  # a log's connection ended without a status
    try:
        validate_close(code, _checked_text(reason, where))
    except UsageError as error:
        raise UsageError(f"{where}: {error.message}", error.hint) from None
    return CloseRequest(code, reason)


def _base64(data: object, where: str) -> bytes:
    if not isinstance(data, str):
        raise UsageError(f"{where}: base64 is not a JSON string", _HINT)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(
            f"{where} has invalid base64", "standard base64, e.g. 'SGVsbG8='"
        ) from None


def _checked_text(text: str, where: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            f"{where} has a lone surrogate in its text (not UTF-8)",
            "send bytes that are not UTF-8 as base64 (a binary message)",
        ) from None
    return text


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "array"
