"""How the REPL shows events: direction marks, colour, pretty JSON, binary views. Pure.

Returns rich ``Text`` objects (markup off: peer data never becomes markup), which the
session turns into terminal output above the prompt.
"""

import base64
import json
from typing import Literal

from rich.text import Text

from wscli.codes import NORMAL_CLOSE_CODES, close_code_name
from wscli.events import Closed, Event, Failed, Message, Opened, Ping, Pong
from wscli.render import escape, hexdump, timestamp

__all__ = ["View", "render_event"]

View = Literal["text", "hex", "base64"]

_DIRECTION_STYLE = {"in": "cyan", "out": "green"}


def render_event(event: Event, *, view: View, pretty: bool, timestamps: bool) -> Text | None:
    """The REPL's line(s) for ``event``, or None when it shows nothing for it."""
    stamp = Text(timestamp(event.at)[11:] + " ", style="dim") if timestamps else Text()
    if isinstance(event, Message):
        mark = "<" if event.direction == "in" else ">"
        style = _DIRECTION_STYLE[event.direction]
        return stamp + Text(f"{mark} ", style=f"bold {style}") + _payload(event.data, view, pretty)
    if isinstance(event, Ping | Pong):
        mark = "<" if event.direction == "in" else ">"
        name = "ping" if isinstance(event, Ping) else "pong"
        shown = escape(event.data.decode("utf-8", "replace"), keep_newlines=False)
        return stamp + Text(f"{mark} {name} {shown!r}", style="magenta")
    if isinstance(event, Opened):
        details = ""
        if event.protocol:
            details += f" protocol={event.protocol}"
        if event.extensions:
            details += f" extensions={event.extensions}"
        return stamp + Text(
            escape(f"connected to {event.url}{details}", keep_newlines=False), style="green"
        )
    if isinstance(event, Closed):
        reason = f' "{escape(event.reason, keep_newlines=False)}"' if event.reason else ""
        who = event.initiated_by or "nobody (no closing handshake)"
        text = (
            f"closed: {event.code} ({close_code_name(event.code)}){reason}, "
            f"wasClean={str(event.was_clean).lower()}, closed by {who}"
        )
        clean = event.was_clean and event.code in NORMAL_CLOSE_CODES
        return stamp + Text(text, style="green" if clean else "bold red")
    if isinstance(event, Failed):
        return stamp + Text(
            "error: " + escape(event.message, keep_newlines=False), style="bold red"
        )
    return None


def _payload(data: str | bytes, view: View, pretty: bool) -> Text:
    if isinstance(data, bytes):
        size = f"[binary, {len(data)} bytes]"
        if view == "hex":
            return Text(size + "\n" + hexdump(data), style="yellow") if data else Text(size)
        if view == "base64":
            return Text(f"{size} {base64.b64encode(data).decode('ascii')}", style="yellow")
        return Text(f"{size} ", style="yellow") + Text(
            escape(data.decode("utf-8", errors="replace"))
        )
    if pretty and data[:1] in ("{", "[") and (formatted := _pretty_json(data)) is not None:
        from rich.highlighter import JSONHighlighter

        return JSONHighlighter()(Text(escape(formatted)))
    return Text(escape(data))


def _pretty_json(text: str) -> str | None:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return None
