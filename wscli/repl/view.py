"""How the REPL shows events: direction marks, colour, pretty JSON, binary views. Pure.

Returns rich ``Text`` objects (markup off: peer data never becomes markup), which the
session turns into terminal output above the prompt.
"""

import base64
import json
from collections.abc import Iterable
from typing import Literal

from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text

from wscli.codes import NORMAL_CLOSE_CODES, close_code_name
from wscli.events import Closed, Event, Failed, Message, Opened, Ping, Pong
from wscli.render import escape, hexdump, timestamp

__all__ = ["View", "ansi", "render_event"]

View = Literal["text", "hex", "base64"]

_DIRECTION_STYLE = {"in": "cyan", "out": "green"}
#: How much of a binary message is shown (the rest is counted, and kept for /save): 16 rows
#: of hex dump, 4 KiB as base64 or text. A multi-MB message must not lock up the terminal.
HEX_LIMIT = 256
TEXT_LIMIT = 3 * 1024  # 4 KiB of base64


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


def ansi(texts: Iterable[Text], console: Console) -> str:
    """``texts`` as the terminal text ``console.print(text, soft_wrap=True)`` writes for
    each (a line each, styles reset at every line end), in one string and without a capture
    per text: a burst of messages prints in one write, several times faster."""
    parts: list[str] = []
    for text in texts:
        if text.style or "\t" in text.plain:  # the base style becomes a span, as in print
            text = Text().append(text)
            text.expand_tabs(console.tab_size)
        for segment in text.render(console, end="\n"):
            style = segment.style
            if style:
                lines = segment.text.split("\n")
                parts.append(
                    "\n".join(style.render(line, color_system=_STANDARD) for line in lines)
                )
            else:
                parts.append(segment.text)
    return "".join(parts)


_STANDARD = ColorSystem.STANDARD


def _payload(data: str | bytes, view: View, pretty: bool) -> Text:
    if isinstance(data, bytes):
        size = f"[binary, {len(data)} bytes]"
        limit = HEX_LIMIT if view == "hex" else TEXT_LIMIT
        more = Text(
            f"\n... {len(data) - limit} more bytes (/save to keep them all)"
            if len(data) > limit
            else "",
            style="dim",
        )
        data = data[:limit]
        if view == "hex":
            shown = Text(size + "\n" + hexdump(data), style="yellow") if data else Text(size)
            return shown + more
        if view == "base64":
            return Text(f"{size} {base64.b64encode(data).decode('ascii')}", style="yellow") + more
        return (
            Text(f"{size} ", style="yellow")
            + Text(escape(data.decode("utf-8", errors="replace")))
            + more
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
