"""How the REPL shows events: direction marks, colour, pretty JSON, binary views. Pure.

Returns rich ``Text`` objects (markup off: peer data never becomes markup), which the
session turns into terminal output above the prompt.
"""

import base64
from collections.abc import Iterable
from typing import Literal

from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text

from wscli.options import BinaryView
from wscli.output import close_tone
from wscli.protocol.events import Closed, Event, Failed, Message, Opened, Ping, Pong
from wscli.render import (
    closed_line,
    control_line,
    escape,
    hexdump,
    opened_line,
    peer_opened_line,
    pretty_json,
    timestamp,
)

__all__ = ["ansi", "render_event"]

Side = Literal["client", "server"]
_TONE_STYLE = {"good": "green", "warn": "bold yellow", "bad": "bold red", "info": ""}

_DIRECTION_STYLE = {"in": "cyan", "out": "green"}
#: How much of a binary message is shown (the rest is counted, and kept for /save): 16 rows
#: of hex dump, 4 KiB as base64 or text. A multi-MB message must not lock up the terminal.
HEX_LIMIT = 256
TEXT_LIMIT = 3 * 1024  # 4 KiB of base64


def render_event(
    event: Event,
    *,
    view: BinaryView,
    pretty: bool,
    timestamps: bool,
    side: Side = "client",
    conn_id: int = 0,
) -> Text | None:
    """The prompt's line(s) for ``event``, or None when it shows nothing for it.

    Status events read as on stderr (:mod:`wscli.render`); ``side`` is wscli's side of the
    connection, and ``conn_id`` the client's number when it is the server.
    """
    stamp = Text(timestamp(event.at)[11:] + " ", style="dim") if timestamps else Text()
    if isinstance(event, Message):
        mark = "<" if event.direction == "in" else ">"
        style = _DIRECTION_STYLE[event.direction]
        return stamp + Text(f"{mark} ", style=f"bold {style}") + _payload(event.data, view, pretty)
    if isinstance(event, Ping | Pong):
        return stamp + Text(control_line(event), style="magenta")
    if isinstance(event, Opened):
        line = opened_line(event) if side == "client" else peer_opened_line(conn_id, event)
        return stamp + Text(line, style="green")
    if isinstance(event, Closed):
        return stamp + Text(closed_line(event, side=side), style=_TONE_STYLE[close_tone(event)])
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


def _payload(data: str | bytes, view: BinaryView, pretty: bool) -> Text:
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
    if pretty and data[:1] in ("{", "[") and (formatted := pretty_json(data)) is not None:
        from rich.highlighter import JSONHighlighter

        return JSONHighlighter()(Text(escape(formatted)))
    return Text(escape(data))
