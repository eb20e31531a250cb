"""STOMP 1.2, 1.1 and 1.0 over WebSocket (subprotocols ``v12.stomp``, ``v11.stomp``,
``v10.stomp``). Pure.

The opening: CONNECT (``accept-version``, ``host``, ``heart-beat`` from --heart-beat,
``login``/``passcode`` from --auth), then the server's CONNECTED. Heart-beats are
negotiated as the specification says and kept (:attr:`Stomp.beat_interval`: an EOL
every so often); the server's are skipped. An input line is ``SEND DEST BODY``,
``SUBSCRIBE DEST`` or ``UNSUBSCRIBE ID``; shown: each MESSAGE's body. An ERROR frame is a
protocol error that ends the session. Before closing: DISCONNECT with a receipt.
"""

import re

from wscli.dialect.base import Decoded, Dialect, DialectSettings, Wire, decoded, short, text_of
from wscli.errors import UsageError

__all__ = ["Frame", "Stomp", "make_frame", "split_frames"]

_HINT = "SEND DEST BODY, SUBSCRIBE DEST or UNSUBSCRIBE ID"


#: One parsed frame: command, headers (the first of a repeated one wins), body.
Frame = tuple[str, dict[str, str], str]


def _escape(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return escaped.replace(":", "\\c")


_ESCAPED = re.compile(r"\\([cnr\\])")
_ESCAPES = {"c": ":", "n": "\n", "r": "\r", "\\": "\\"}


def _unescape(value: str) -> str:
    """STOMP 1.2's escapes, in one pass (one replace after another read the "\\n" of
    an escaped backslash and an n as a line break)."""
    return _ESCAPED.sub(lambda match: _ESCAPES[match.group(1)], value)


def make_frame(
    command: str, headers: list[tuple[str, str]], body: str = "", *, raw: bool = False
) -> str:
    """One frame, NUL-terminated (``raw``: header values not escaped, as CONNECT's)."""
    lines = [command] + [f"{k}:{v if raw else _escape(v)}" for k, v in headers]
    return "\n".join(lines) + "\n\n" + body + "\0"


def split_frames(data: Wire) -> list[Frame] | str:
    """The frames in one WebSocket message (heart-beat EOLs skipped), or why not."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return f"a STOMP frame that is not UTF-8: {short(data)}"
    frames = []
    for part in data.split("\0"):
        part = part.lstrip("\r\n")
        if not part:  # heart-beats (EOLs), or after the last NUL
            continue
        head, _, body = part.partition("\n\n")
        lines = head.replace("\r\n", "\n").split("\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            key, colon, value = line.partition(":")
            if colon and key not in headers:
                headers[key] = _unescape(value)
        frames.append((lines[0].strip(), headers, body))
    return frames


class Stomp(Dialect):
    name = "stomp"
    subprotocols = ("v12.stomp", "v11.stomp", "v10.stomp")

    def __init__(self, settings: DialectSettings) -> None:
        super().__init__(settings)
        self.ready = False
        self.host = "localhost"
        self._next_id = 0
        #: SUBSCRIBE ids still active.
        self.subscriptions: list[str] = []
        self._disconnecting = False

    def url(self, url: str) -> str:
        from urllib.parse import urlsplit

        self.host = urlsplit(url).hostname or self.host
        return url

    def opening(self) -> list[Wire]:
        headers = [
            ("accept-version", "1.2,1.1,1.0"),
            ("host", self.host),
            ("heart-beat", self.settings.heart_beat),
        ]
        if self.settings.login is not None:
            login, passcode = self.settings.login
            headers += [("login", login), ("passcode", passcode)]
        return [make_frame("CONNECT", headers, raw=True)]

    def encode(self, message: Wire) -> list[Wire]:
        text = text_of(message)
        command, _, rest = text.strip("\r\n").partition(" ")
        command = command.upper()
        if command == "SEND":
            destination, _, body = rest.partition(" ")
            if not destination:
                raise UsageError("SEND needs a destination", _HINT)
            size = str(len(body.encode("utf-8")))
            headers = [("destination", destination), ("content-type", "text/plain")]
            return [make_frame("SEND", [*headers, ("content-length", size)], body)]
        if command == "SUBSCRIBE" and rest.strip():
            ident = str(self._next_id)
            self._next_id += 1
            self.subscriptions.append(ident)
            headers = [("id", ident), ("destination", rest.strip()), ("ack", "auto")]
            return [make_frame("SUBSCRIBE", headers)]
        if command == "UNSUBSCRIBE" and rest.strip():
            ident = rest.strip()
            if ident in self.subscriptions:
                self.subscriptions.remove(ident)
            return [make_frame("UNSUBSCRIBE", [("id", ident)])]
        raise UsageError(f"not a STOMP command: {text[:60]!r}", _HINT)

    def decode(self, frame: Wire) -> Decoded:
        frames = split_frames(frame)
        if isinstance(frames, str):
            return decoded(errors=[frames])
        result, fatal, shown_headers = decoded(), False, {}
        for command, headers, body in frames:
            if command == "MESSAGE":
                shown_headers[len(result.shown)] = headers
            fatal = self._one(command, headers, body, result) or fatal
        return result._replace(fatal=fatal, headers=shown_headers or None)

    def _one(self, command: str, headers: dict[str, str], body: str, result: Decoded) -> bool:
        """Add what one frame means to ``result``; True for an ERROR (the end)."""
        if command == "MESSAGE":
            result.shown.append(body)
        elif command == "CONNECTED":
            self.ready = True
            self._negotiate(headers.get("heart-beat", "0,0"))
        elif command == "RECEIPT":
            pass
        elif command == "ERROR":
            detail = headers.get("message", "")
            if body.strip():
                detail = f"{detail}: {body.strip()}" if detail else body.strip()
            result.errors.append(" ".join(f"ERROR {detail}".splitlines()))  # one line
            return True
        else:
            result.errors.append(f"an unexpected STOMP frame: {short(command)}")
        return False

    def _negotiate(self, server: str) -> None:
        try:
            cx, _ = (int(x) for x in self.settings.heart_beat.split(","))
            _, sy = (int(x) for x in server.split(","))
            interval = max(cx, sy) / 1000
        except (ValueError, OverflowError):  # OverflowError: more ms than a float holds
            return
        if cx > 0 and sy > 0:
            self.beat_interval = interval

    def beat(self) -> list[Wire]:
        return ["\n"]

    def closing(self) -> list[Wire]:
        if not self.ready or self._disconnecting:
            return []
        self._disconnecting = True
        return [make_frame("DISCONNECT", [("receipt", "wscli-disconnect")])]

    @property
    def settled(self) -> bool:
        return self.ready and not self.subscriptions
