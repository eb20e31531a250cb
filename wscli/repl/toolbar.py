"""The REPL's bottom toolbar: the WebSocket's state as styled text fragments. Pure.

The toolbar uses the browser ``WebSocket`` API's names: ``readyState``, ``bufferedAmount``,
``wasClean``. :func:`toolbar_fragments` returns prompt-toolkit "formatted text" — a list of
``(style, text)`` pairs — without importing prompt-toolkit; the session wraps it in
``FormattedText`` and turns :data:`TOOLBAR_STYLE` into a ``Style``. Everything that came
from the URL or the peer is escaped.
"""

from typing import NamedTuple

from wscli.protocol.events import ReadyState
from wscli.render import close_description, escape

__all__ = [
    "MAX_REASON_CHARS",
    "MIN_URL_CHARS",
    "TOOLBAR_STYLE",
    "ToolbarState",
    "human_bytes",
    "listen_toolbar_fragments",
    "toolbar_fragments",
]

Fragment = tuple[str, str]

#: prompt-toolkit style class (without ``class:``) -> style, for ``Style.from_dict``.
TOOLBAR_STYLE: dict[str, str] = {
    "bottom-toolbar": "noreverse bg:#262626 #bcbcbc",
    "toolbar.separator": "#626262",
    "toolbar.label": "#8a8a8a",
    "toolbar.value": "#eeeeee",
    "toolbar.url": "#87afd7",
    "toolbar.state.connecting": "bold bg:#af8700 #000000",
    "toolbar.state.open": "bold bg:#5f8700 #ffffff",
    "toolbar.state.closing": "bold bg:#af5f00 #ffffff",
    "toolbar.state.closed": "bold bg:#870000 #ffffff",
    "toolbar.reconnecting": "bold #ffaf00",
    "toolbar.buffered": "bold #ffaf00",
    "toolbar.close.clean": "bold #87d787",
    "toolbar.close.unclean": "bold #ff5f5f",
}

#: The longest close reason shown, in characters; the output above has it in full.
MAX_REASON_CHARS = 60
#: A URL is shortened, keeping both ends, down to this many characters before other parts
#: of the toolbar give way.
MIN_URL_CHARS = 24

_SEPARATOR: Fragment = ("class:toolbar.separator", " | ")
_WHO = {"client": "closed by wscli", "server": "closed by the server"}


class ToolbarState(NamedTuple):
    """Everything the toolbar shows, read from the session at each redraw."""

    ready_state: ReadyState
    url: str
    #: The subprotocol the server selected, or "".
    protocol: str = ""
    #: The extensions the server accepted, as the header value, or "".
    extensions: str = ""
    #: Bytes accepted by send() and not yet written to the network.
    buffered_amount: int = 0
    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    #: Round-trip time of the last ping, in seconds (as websockets' ``latency``), or None.
    latency: float | None = None
    #: How binary messages are shown: "hex", "base64" or "text".
    view: str = "hex"
    #: After the close event: (code, reason, was_clean, initiated_by), where initiated_by
    #: is "client", "server" or None (no closing handshake), as in ``events.Closed``.
    close: tuple[int, str, bool, str | None] | None = None
    #: While reconnecting: what is happening, e.g. "attempt 3 in 2.0 s".
    reconnecting: str | None = None


class _Part(NamedTuple):
    priority: int  # when the toolbar is too narrow, the lowest priority goes first
    fragments: list[Fragment]


# Parts below _OPTIONAL give way before the URL is shortened; the rest after.
_STATE, _URL, _OPTIONAL = 100, 80, 50


def human_bytes(size: int) -> str:
    """``0 B``, ``999 B``, ``1.2 KiB``, ``3.0 MiB``: binary units, one decimal."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def _milliseconds(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2f} ms"


def _labelled(label: str, value: str, style: str = "class:toolbar.value") -> list[Fragment]:
    return [("class:toolbar.label", label + " "), (style, value)]


def _traffic(count: int, size: int) -> str:
    return f"{count} msg{'' if count == 1 else 's'} {human_bytes(size)}"


def _parts(state: ToolbarState) -> list[_Part]:
    name = state.ready_state.name
    parts = [_Part(_STATE, [(f"class:toolbar.state.{name.lower()}", f" {name} ")])]
    if state.reconnecting:
        text = escape(state.reconnecting, keep_newlines=False)
        parts.append(_Part(95, [("class:toolbar.reconnecting", f"reconnecting: {text}")]))
    if state.close is not None:
        code, reason, was_clean, initiated_by = state.close
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 1] + "…"
        style = "class:toolbar.close." + ("clean" if was_clean else "unclean")
        described = escape(close_description(code, reason), keep_newlines=False)
        parts.append(_Part(90, [(style, described)]))
        parts.append(_Part(85, _labelled("wasClean", str(was_clean).lower())))
        who = _WHO.get(initiated_by or "", "no closing handshake")
        parts.append(_Part(84, [("class:toolbar.value", who)]))
    parts.append(_Part(_URL, [("class:toolbar.url", escape(state.url, keep_newlines=False))]))
    if state.protocol:
        protocol = escape(state.protocol, keep_newlines=False)
        parts.append(_Part(35, _labelled("protocol", protocol)))
    if state.extensions:
        extensions = escape(state.extensions, keep_newlines=False)
        parts.append(_Part(30, _labelled("extensions", extensions)))
    buffered_style = "class:toolbar.buffered" if state.buffered_amount else "class:toolbar.value"
    buffered = human_bytes(state.buffered_amount)
    parts.append(_Part(70, _labelled("bufferedAmount", buffered, buffered_style)))
    parts.append(_Part(60, _labelled("in", _traffic(state.messages_in, state.bytes_in))))
    parts.append(_Part(59, _labelled("out", _traffic(state.messages_out, state.bytes_out))))
    if state.latency is not None:
        parts.append(_Part(40, _labelled("ping", _milliseconds(state.latency))))
    parts.append(_Part(45, _labelled("view", state.view)))
    return parts


def _length(parts: list[_Part]) -> int:
    text = sum(len(text) for part in parts for _, text in part.fragments)
    return text + len(_SEPARATOR[1]) * (len(parts) - 1)


def _drop_lowest(parts: list[_Part], below: int) -> bool:
    candidates = [part for part in parts if part.priority < below]
    if not candidates:
        return False
    parts.remove(min(candidates, key=lambda part: part.priority))
    return True


def _shorten_url(parts: list[_Part], excess: int) -> None:
    for index, part in enumerate(parts):
        if part.priority == _URL:
            (style, url), *_ = part.fragments
            keep = max(MIN_URL_CHARS, len(url) - excess)
            if keep < len(url):
                head = (keep - 1) // 2 + (keep - 1) % 2
                url = url[:head] + "…" + url[len(url) - (keep - 1 - head) :]
                parts[index] = _Part(_URL, [(style, url)])
            return


def _truncate(fragments: list[Fragment], width: int) -> list[Fragment]:
    kept: list[Fragment] = []
    room = width
    for style, text in fragments:
        if len(text) >= room:
            kept.append((style, text[: max(room - 1, 0)] + "…"))
            return kept
        kept.append((style, text))
        room -= len(text)
    return kept


def toolbar_fragments(state: ToolbarState, width: int) -> list[Fragment]:
    """The toolbar for ``state`` as ``(style, text)`` fragments, at most ``width`` cells.

    Parts appear in a fixed order: readyState, reconnect progress, the close event (code,
    registry name, reason, wasClean, who closed), URL, protocol, extensions,
    bufferedAmount, messages and bytes in and out, last ping round trip, binary view. When
    they do not fit, the least important go first (extensions, protocol, ping, view), then
    the URL loses its middle, then traffic, bufferedAmount and the URL give way to the
    state and the close event; as a last resort the text is cut.
    """
    return _fit(_parts(state), width)


def _fit(parts: list[_Part], width: int) -> list[Fragment]:
    """``parts`` joined by separators in at most ``width`` cells: the least important
    optional parts go first, then the URL loses its middle, then everything below the
    state gives way, and as a last resort the text is cut."""
    width = max(width, 1)
    while _length(parts) > width and _drop_lowest(parts, _OPTIONAL):
        pass
    if _length(parts) > width:
        _shorten_url(parts, _length(parts) - width)
    while _length(parts) > width and _drop_lowest(parts, _STATE):
        pass
    fragments: list[Fragment] = []
    for part in parts:
        if fragments:
            fragments.append(_SEPARATOR)
        fragments.extend(part.fragments)
    return _truncate(fragments, width) if _length(parts) > width else fragments


def listen_toolbar_fragments(
    url: str,
    *,
    clients: int,
    target: int | None,
    view: str,
    buffered_amount: int = 0,
    width: int = 80,
) -> list[Fragment]:
    """``wscli listen``'s toolbar: LISTENING, the address, client count, target, view.

    When it does not fit, the view goes first, then the URL loses its middle, then
    bufferedAmount and the URL give way; the state, the client count and the target stay;
    as a last resort the text is cut.
    """
    shown_target = "all clients" if target is None else f"client {target}"
    target_style = "class:toolbar.buffered" if target else "class:toolbar.value"
    parts = [
        _Part(_STATE, [("class:toolbar.state.open", " LISTENING ")]),
        _Part(_URL, [("class:toolbar.url", escape(url, keep_newlines=False))]),
        _Part(_STATE, _labelled("clients", str(clients))),
        _Part(_STATE, _labelled("to", shown_target, target_style)),
    ]
    if buffered_amount:
        size = human_bytes(buffered_amount)
        parts.append(_Part(70, _labelled("bufferedAmount", size, "class:toolbar.buffered")))
    parts.append(_Part(45, _labelled("view", view)))
    return _fit(parts, width)
