"""Events to text: escaping, binary formats, JSON Lines, status lines. Pure functions."""

import base64
import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from wscli.options import BinaryView, Framing
from wscli.protocol.codes import close_code_name
from wscli.protocol.events import Closed, Event, Failed, Message, Opened, Ping, Pong
from wscli.protocol.target import SECRET_HEADERS, masked_url

__all__ = [
    "clients_table",
    "close_report_json",
    "close_report_lines",
    "closed_line",
    "data_line",
    "escape",
    "event_json",
    "headers_block",
    "hexdump",
    "listening_json",
    "mask_header",
    "opened_line",
    "timestamp",
]

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode line/paragraph
# separators and bidi overrides that can disguise text on a terminal.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str, *, keep_newlines: bool = True) -> str:
    """Escape control characters so peer data cannot drive the terminal."""
    pattern = _UNSAFE if keep_newlines else _UNSAFE_ALL
    return pattern.sub(_escape_char, text)


@functools.lru_cache(maxsize=64)  # the events of one read share their time
def timestamp(at: float) -> str:
    """ISO 8601 UTC with microseconds: ``2026-11-26T10:39:59.123456Z``."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def binary_text(data: bytes, binary_as: BinaryView) -> str:
    """A binary payload as one line of text (``raw`` is handled by ``data_line``)."""
    if binary_as == "hex":
        return data.hex()
    if binary_as == "base64":
        return base64.b64encode(data).decode("ascii")
    return data.decode("utf-8", errors="replace")


def pretty_json(text: str) -> str | None:
    """``text`` indented, when it is JSON (else None)."""
    import json

    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # (RecursionError: nested too deep)
        return None


def data_line(
    message: Message,
    *,
    binary_as: BinaryView,
    terminal: bool,
    timestamps: bool,
    pretty: bool = False,
    framing: Framing | None = None,
) -> bytes:
    """One received message as bytes for stdout, newline included (except ``raw`` binary);
    ``framing``'s prefixes and delimiter when not plain (see :func:`framed`).

    On a terminal, control characters are escaped; into a pipe, text goes out as it came
    (``pretty``: a JSON object or array indented, over several lines).
    """
    prefix = timestamp(message.at) + " " if timestamps else ""
    data = message.data
    if framing is not None and not framing.plain:
        return prefix.encode() + framed(data, framing)
    if isinstance(data, bytes):
        if binary_as == "raw":
            return prefix.encode() + data
        text = binary_text(data, binary_as)
        if binary_as == "text" and terminal:
            text = escape(text)
    else:
        if pretty and data[:1] in ("{", "[") and (indented := pretty_json(data)) is not None:
            data = indented
        text = escape(data) if terminal else data
    return (prefix + text + "\n").encode("utf-8", errors="surrogateescape")


def framed(data: str | bytes, framing: Framing) -> bytes:
    """A message as ``--text-prefix``/``--binary-prefix``/``-0`` write it (into a pipe: no
    escaping): its type's prefix, the text (binary in ``binary_as``), the delimiter."""
    if isinstance(data, bytes):
        text = binary_text(data, framing.binary_as)
        prefix = framing.binary_prefix or ""
    else:
        text, prefix = data, framing.text_prefix or ""
    return (prefix + text).encode("utf-8", "surrogateescape") + framing.end


def event_json(event: Event, *, conn_id: int | None = None, mark: str | None = None) -> str:
    """One event as a JSON object on one line (the ``--jsonl`` schema)."""
    if type(event) is Message and event.headers is None and mark is None:
        return message_json(event, conn_id)
    import json  # only --jsonl needs it: kept out of start-up

    record: dict[str, Any] = {"event": _EVENT_NAMES[type(event)], "time": timestamp(event.at)}
    if conn_id is not None:
        record["id"] = conn_id
    if isinstance(event, Opened):
        record.update(
            url=masked_url(event.url),
            protocol=event.protocol,
            extensions=event.extensions,
            status=event.status,
            # Credentials never reach JSON Lines: secret headers are masked, as with -v.
            request_headers=[[n, mask_header(n, v)] for n, v in event.request_headers],
            response_headers=[[n, mask_header(n, v)] for n, v in event.response_headers],
        )
        if event.remote:
            record["remote"] = event.remote
        if event.client_dn:
            record["client_dn"] = event.client_dn
    elif isinstance(event, Message):
        record["direction"] = event.direction
        if isinstance(event.data, bytes):
            record["type"] = "binary"
            record["base64"] = base64.b64encode(event.data).decode("ascii")
            record["size"] = len(event.data)
        else:
            record["type"] = "text"
            record["text"] = event.data
            record["size"] = len(event.data.encode("utf-8", errors="surrogatepass"))
        if event.headers is not None:
            record["headers"] = event.headers
    elif isinstance(event, Ping | Pong):
        record["direction"] = event.direction
        record["base64"] = base64.b64encode(event.data).decode("ascii")
    elif isinstance(event, Closed):
        record.update(
            code=event.code,
            name=close_code_name(event.code),
            reason=event.reason,
            was_clean=event.was_clean,
            initiated_by=event.initiated_by,
            sent_code=event.sent_code,
            sent_reason=event.sent_reason,
        )
    elif isinstance(event, Failed):
        record["message"] = event.message
    if mark is not None:  # "filtered" (by --filter/--ignore) or "raw" (a dialect's frame)
        record[mark] = True
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def messages_jsonl(messages: list[Message], conn_id: int | None = None) -> str:
    """:func:`event_json` of each message, a line each: the events of one read share
    their time, so the text before the payload is made once for them."""
    from json.encoder import encode_basestring

    lines = []
    key: tuple[float, str] | None = None
    head = ""
    for message in messages:
        data = message.data
        if message.headers is not None or not isinstance(data, str):
            lines.append(event_json(message, conn_id=conn_id))
            continue
        if key != (message.at, message.direction):
            key = (message.at, message.direction)
            ident = "" if conn_id is None else f'"id":{conn_id},'
            head = (
                f'{{"event":"message","time":"{timestamp(message.at)}",{ident}'
                f'"direction":"{message.direction}","type":"text","text":'
            )
        size = len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
        lines.append(f'{head}{encode_basestring(data)},"size":{size}}}')
    lines.append("")
    return "\n".join(lines)


def message_json(event: Message, conn_id: int | None = None) -> str:
    """:func:`event_json` of a plain message, without a dict and json.dumps for each."""
    from json.encoder import encode_basestring  # json.dumps's own, with ensure_ascii off

    at = timestamp(event.at)
    head = f'{{"event":"message","time":"{at}",'
    if conn_id is not None:
        head += f'"id":{conn_id},'
    data = event.data
    if isinstance(data, bytes):
        encoded = base64.b64encode(data).decode("ascii")
        return (
            f'{head}"direction":"{event.direction}","type":"binary",'
            f'"base64":"{encoded}","size":{len(data)}}}'
        )
    size = len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
    return (
        f'{head}"direction":"{event.direction}","type":"text",'
        f'"text":{encode_basestring(data)},"size":{size}}}'
    )


_EVENT_NAMES: dict[type, str] = {
    Opened: "open",
    Message: "message",
    Ping: "ping",
    Pong: "pong",
    Closed: "close",
    Failed: "error",
}


def listening_json(url: str) -> str:
    """``listen``'s first JSON Lines record: ``{"event":"listening",...,"url":...}``."""
    import json  # only --jsonl needs it: kept out of start-up
    from time import time

    record = {"event": "listening", "time": timestamp(time()), "url": url}
    return json.dumps(record, separators=(",", ":"))


def opened_line(event: Opened) -> str:
    """``connected to URL (protocol: p, extensions: e)``, escaped."""
    details = []
    if event.protocol:
        details.append(f"protocol: {event.protocol}")
    if event.extensions:
        details.append(f"extensions: {event.extensions}")
    suffix = f" ({'; '.join(details)})" if details else ""
    return escape(f"connected to {masked_url(event.url)}{suffix}", keep_newlines=False)


def peer_opened_line(conn_id: int, event: Opened) -> str:
    """``client 3 connected from 127.0.0.1:50000 to /chat (protocol: p; extensions: e)``,
    and the subject of its certificate (``--client-ca``)."""
    details = [f"certificate: {event.client_dn}"] if event.client_dn else []
    if event.protocol:
        details.append(f"protocol: {event.protocol}")
    if event.extensions:
        details.append(f"extensions: {event.extensions}")
    url = masked_url(event.url)
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    suffix = f" ({'; '.join(details)})" if details else ""
    text = f"client {conn_id} connected from {event.remote} to {path}{suffix}"
    return escape(text, keep_newlines=False)


def close_description(code: int | None, reason: str | None) -> str:
    """``1000 (Normal Closure) "bye"``, or ``no status`` for an empty close frame."""
    if code is None:
        return "an empty close frame"
    text = f"{code} ({close_code_name(code)})"
    if reason:
        text += ' "' + reason.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return text


def closed_line(event: Closed, *, side: str = "client") -> str:
    """The close event as a status line: code, name, reason, wasClean and who closed.

    ``side`` is wscli's side of the connection ("server" in ``listen``).
    """
    peer = "server" if side == "client" else "client"
    who = {side: "by wscli", peer: f"by the {peer}", None: "without a closing handshake"}
    received = close_description(event.code, event.reason)
    what = received
    if event.initiated_by == side and (event.sent_code, event.sent_reason) != (
        event.code,
        event.reason,
    ):
        sent = close_description(event.sent_code, event.sent_reason)
        answer = (
            "no close frame came back (1006)"
            if event.code == 1006
            else f"the {peer} answered {received}"
        )
        what = f"sent {sent}; {answer}"
    text = f"closed {who[event.initiated_by]}: {what}, wasClean={str(event.was_clean).lower()}"
    return escape(text, keep_newlines=False)


def control_line(event: Ping | Pong) -> str:
    """``< ping 'data'`` / ``> pong 'data'`` for -P."""
    arrow = "<" if event.direction == "in" else ">"
    name = "ping" if isinstance(event, Ping) else "pong"
    try:
        shown = repr(event.data.decode("utf-8"))
    except UnicodeDecodeError:
        shown = "0x" + event.data.hex()
    return escape(f"{arrow} {name} {shown}", keep_newlines=False)


def mask_header(name: str, value: str) -> str:
    """The value to show for a header: secrets become ``***``, keeping the auth scheme."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    if rest and name.lower().endswith("authorization"):
        return f"{scheme} ***"
    return "***"


def headers_block(title: str, headers: Iterable[tuple[str, str]]) -> list[str]:
    """Handshake headers for -v, one escaped line each, secrets masked."""
    lines = [title]
    lines.extend(
        escape(f"  {name}: {mask_header(name, value)}", keep_newlines=False)
        for name, value in headers
    )
    return lines


def hexdump(data: bytes, *, width: int = 16) -> str:
    """Offset, hex bytes and ASCII columns, like ``xxd``."""
    rows = []
    for offset in range(0, len(data), width):
        chunk = data[offset : offset + width]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        ascii_part = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in chunk)
        rows.append(f"{offset:08x}  {hex_part:<{width * 3 - 1}}  {ascii_part}")
    return "\n".join(rows)


def close_report_lines(closed: Closed, duration: float) -> list[str]:
    """The closing handshake, one ``key: value`` line each (escaped: reasons are peer data)."""
    if closed.sent_code is None and closed.sent_reason is None:
        sent = "nothing"
    else:
        sent = close_description(closed.sent_code, closed.sent_reason)
    if closed.code == 1006:
        received = "no close frame (1006 Abnormal Closure)"
    else:
        received = close_description(closed.code, closed.reason)
    lines = [
        f"sent: {sent}",
        f"received: {received}",
        f"wasClean: {str(closed.was_clean).lower()}",
        f"initiatedBy: {closed.initiated_by or 'nobody'}",
        f"duration: {duration * 1000:.1f} ms",
    ]
    return [escape(line, keep_newlines=False) for line in lines]


def close_report_json(closed: Closed, duration: float) -> str:
    """The same report as one JSON object (``"event": "close_report"``)."""
    import json  # only --jsonl needs it: kept out of start-up

    return json.dumps(
        {
            "event": "close_report",
            "sent_code": closed.sent_code,
            "sent_reason": closed.sent_reason,
            "code": closed.code,
            "reason": closed.reason,
            "was_clean": closed.was_clean,
            "initiated_by": closed.initiated_by,
            "duration_ms": round(duration * 1000, 3),
        },
        ensure_ascii=False,
    )


def clients_table(rows: list[tuple[int, str, str, str, str, int, int, int, str]]) -> str:
    """``/clients``: id, address, path, protocol, readyState, bufferedAmount, in, out, and
    the certificate's subject when a client has one (``--client-ca``)."""
    if not rows:
        return "no clients connected"
    header: tuple[str, ...] = ("id", "address", "path", "protocol", "readyState", "buffered")
    header += ("in", "out", "certificate")
    if not any(row[-1] for row in rows):
        header = header[:-1]
        rows = [row[:-1] for row in rows]  # type: ignore[misc]
    # The path and subprotocol came from the client: escaped, as all peer data.
    table = [header] + [
        tuple(escape(str(value), keep_newlines=False) for value in row) for row in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    )
