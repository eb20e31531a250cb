"""Socket.IO v5 over Engine.IO v4, WebSocket transport only. Pure.

From an ``http(s)://`` or ``ws(s)://`` base URL, wscli connects to
``/socket.io/?EIO=4&transport=websocket`` (``--socketio-path``), reads Engine.IO's open
packet, joins the namespace (``--namespace``, with ``--auth-json`` as its connect
payload) and answers each ping (``2``) with a pong (``3``). An input line is a JSON array
``["event", arg...]`` (an emit; ``--ack`` asks for an acknowledgement); shown: each
event as the same array, each acknowledgement as ``["ack", id, arg...]``. A binary event's
attachments are shown as ``{"_placeholder": true, "num": N}`` followed by the frames'
hex, not mangled.
"""

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wscli.dialect.base import Decoded, Dialect, DialectSettings, Wire, decoded, short, text_of
from wscli.errors import UsageError

__all__ = ["SocketIO", "emit_array"]


class SocketIO(Dialect):
    name = "socketio"

    def __init__(self, settings: DialectSettings) -> None:
        super().__init__(settings)
        self.ready = False
        namespace = settings.namespace or "/"
        self._prefix = "" if namespace == "/" else namespace + ","
        self._next_ack = 0
        self._attachments = 0  # binary frames still expected for the last event
        self.ack = settings.ack

    def url(self, url: str) -> str:
        if url.startswith("@"):
            return url  # a profile: its URL is used as it is
        parts = urlsplit(url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        path = parts.path if "/socket.io" in parts.path else self.settings.socketio_path
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("EIO", "transport")]
        query += [("EIO", "4"), ("transport", "websocket")]
        return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))

    def encode(self, message: Wire) -> list[Wire]:
        value = emit_array(message)
        ack = ""
        if self.ack:
            ack = str(self._next_ack)
            self._next_ack += 1
        return ["42" + self._prefix + ack + json.dumps(value, separators=(",", ":"))]

    def decode(self, frame: Wire) -> Decoded:
        if isinstance(frame, bytes):
            if self._attachments:
                self._attachments -= 1
                return decoded(shown=['{"attachment":"' + frame.hex() + '"}'])
            return decoded(errors=[f"an unexpected binary frame ({len(frame)} bytes)"])
        kind, body = frame[:1], frame[1:]
        if kind == "2":  # Engine.IO ping
            return decoded(replies=["3" + body])
        if kind == "0":  # Engine.IO open: join the namespace
            payload = self.settings.auth_json or ""
            return decoded(replies=["40" + self._prefix + payload])
        if kind == "4":
            return self._socket_packet(body)
        if kind in ("3", "6"):  # pong, noop
            return decoded()
        if kind == "1":
            return decoded(errors=["the server closed the Engine.IO session"], fatal=True)
        return decoded(errors=[f"not an Engine.IO packet: {short(frame)}"])

    def _socket_packet(self, body: str) -> Decoded:
        kind, rest = body[:1], body[1:]
        attachments = 0
        if kind in ("5", "6"):
            count, dash, rest = rest.partition("-")
            number = _number(count)
            if not dash or number is None:
                return decoded(errors=[f"a malformed binary packet: {short(body)}"])
            attachments = number
        if rest.startswith("/"):
            namespace, comma, rest = rest.partition(",")
            if not comma:
                namespace, rest = rest, ""
            if namespace + "," != self._prefix:
                return decoded()  # another namespace's
        elif self._prefix:
            return decoded()  # the main namespace's, not ours
        digits = len(rest) - len(rest.lstrip("0123456789"))
        ident, data = _number(rest[:digits]), rest[digits:]
        try:
            value: Any = json.loads(data) if data else None
        except (ValueError, RecursionError):  # (RecursionError: nested too deep)
            return decoded(errors=[f"a malformed Socket.IO packet: {short(body)}"])
        ack_without_array = kind in ("3", "6") and not isinstance(value, list | None)
        if (digits and ident is None) or ack_without_array:
            return decoded(errors=[f"a malformed Socket.IO packet: {short(body)}"])
        if kind == "0":
            self.ready = True
            return decoded()
        if kind == "4":
            message = value.get("message") if isinstance(value, dict) else value
            error = f"the namespace refused the connection: {message}"
            return decoded(errors=[error], fatal=True)
        if kind == "1":
            return decoded(errors=["the server disconnected the namespace"], fatal=True)
        if kind in ("2", "5"):
            self._attachments = attachments
            return decoded(shown=[json.dumps(value, ensure_ascii=False, separators=(",", ":"))])
        if kind in ("3", "6"):
            self._attachments = attachments
            shown = ["ack", ident, *(value or [])]
            return decoded(shown=[json.dumps(shown, ensure_ascii=False, separators=(",", ":"))])
        return decoded(errors=[f"an unknown Socket.IO packet: {short(body)}"])


def _number(digits: str) -> int | None:
    """ASCII ``digits`` as a number; None when there are none, or more than int() takes
    ("²".isdigit() is true, and int("²") fails)."""
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        return None
    return int(digits)


def emit_array(message: Wire) -> list[Any]:
    """An emit as the user writes it, ``["event", arg, ...]``, checked.

    Raises:
        UsageError: not a JSON array that starts with an event name.
    """
    text = text_of(message)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # (RecursionError: nested too deep)
        value = None
    if not isinstance(value, list) or not value or not isinstance(value[0], str):
        raise UsageError(
            f"not a Socket.IO emit: {text[:60]!r}", 'a JSON array: ["event", arg, ...]'
        )
    return value
