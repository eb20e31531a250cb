"""What a line typed at the REPL prompt asks for: a message to send or a slash command. Pure.

A line that does not begin with ``/`` is text to send, as typed (newlines included). ``//x``
sends ``/x``, and ``/text TEXT`` sends TEXT verbatim, whatever it begins with. Everything
else beginning with ``/`` is a command from :data:`COMMANDS`.

Results are slotted classes, not NamedTuples (which compare equal across types:
``SendFile("x") == SaveSession("x")``) nor dataclasses (start-up cost). They support
``match`` with positional patterns, ``case CloseConnection(code, reason):``; treat them as
immutable.
"""

import difflib
import re
from typing import Literal

from wscli.codes import parse_close_code, validate_close
from wscli.errors import UsageError
from wscli.payload import decode_input
from wscli.render import escape
from wscli.slotted import Slotted

__all__ = [
    "COMMANDS",
    "MAX_CONTROL_BYTES",
    "VIEWS",
    "BinaryView",
    "CloseConnection",
    "Command",
    "Input",
    "Quit",
    "Reconnect",
    "SaveSession",
    "SendBinary",
    "SendFile",
    "SendPing",
    "SendPong",
    "SendText",
    "SetPretty",
    "SetTimestamps",
    "SetView",
    "ShowHelp",
    "ShowStatus",
    "help_text",
    "parse_line",
]

BinaryView = Literal["text", "hex", "base64"]
#: The binary display modes, in the order completion offers them.
VIEWS: tuple[BinaryView, ...] = ("hex", "base64", "text")
#: A ping or pong carries at most 125 bytes (RFC 6455 section 5.5).
MAX_CONTROL_BYTES = 125


class SendText(Slotted):
    """Send ``text`` as a text message."""

    __slots__ = __match_args__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class SendBinary(Slotted):
    """Send ``data`` as a binary message (``/binary``, ``/base64``)."""

    __slots__ = __match_args__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class SendFile(Slotted):
    """Send the contents of the file at ``path`` as one binary message (``/file``).

    The path is as typed (quotes around it removed); the session expands ``~`` and reads it.
    """

    __slots__ = __match_args__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class SendPing(Slotted):
    """Send a ping carrying ``data`` (``/ping``); the pong gives the round-trip time."""

    __slots__ = __match_args__ = ("data",)

    def __init__(self, data: bytes = b"") -> None:
        self.data = data


class SendPong(Slotted):
    """Send an unsolicited pong carrying ``data`` (``/pong``)."""

    __slots__ = __match_args__ = ("data",)

    def __init__(self, data: bytes = b"") -> None:
        self.data = data


class CloseConnection(Slotted):
    """Close with ``code`` and ``reason`` (``/close``); ``code`` None: an empty close frame.

    Both have passed :func:`wscli.codes.validate_close`.
    """

    __slots__ = __match_args__ = ("code", "reason")

    def __init__(self, code: int | None = 1000, reason: str = "") -> None:
        self.code = code
        self.reason = reason


class SetView(Slotted):
    """Show binary messages as ``view``: a hex dump, base64 or text (``/view``)."""

    __slots__ = __match_args__ = ("view",)

    def __init__(self, view: BinaryView) -> None:
        self.view = view


class SetPretty(Slotted):
    """Turn JSON pretty-printing on or off; ``enabled`` None toggles it (``/pretty``)."""

    __slots__ = __match_args__ = ("enabled",)

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = enabled


class SetTimestamps(Slotted):
    """Turn timestamps on or off; ``enabled`` None toggles them (``/timestamps``)."""

    __slots__ = __match_args__ = ("enabled",)

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = enabled


class ShowStatus(Slotted):
    """Print the toolbar's state in full plus the handshake headers (``/status``)."""

    __slots__ = __match_args__ = ()


class SaveSession(Slotted):
    """Write the session so far to ``path`` as JSON Lines (``/save``)."""

    __slots__ = __match_args__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class Reconnect(Slotted):
    """Close (if open) and connect to the same URL again (``/reconnect``)."""

    __slots__ = __match_args__ = ()


class Quit(Slotted):
    """Close with 1000, wait for the server's close frame and exit (``/quit``, ``/exit``)."""

    __slots__ = __match_args__ = ()


class ShowHelp(Slotted):
    """Print :func:`help_text` for ``topic`` (a command such as ``"/close"``) or for all."""

    __slots__ = __match_args__ = ("topic",)

    def __init__(self, topic: str | None = None) -> None:
        self.topic = topic


_Frames = SendFile | SendPing | SendPong | CloseConnection
_Settings = SetView | SetPretty | SetTimestamps
Command = _Frames | _Settings | ShowStatus | SaveSession | Reconnect | Quit | ShowHelp
Input = SendText | SendBinary | Command

# name, arguments, summary: the source of COMMANDS and help_text().
_SPECS: tuple[tuple[str, str, str], ...] = (
    ("/text", "TEXT", "send TEXT as a text message, even if it begins with /"),
    ("/binary", "HEX", "send a binary message given in hex, spaces allowed: /binary 48 69"),
    ("/base64", "DATA", "send a binary message given in base64: /base64 SGk="),
    ("/file", "PATH", "send a file's contents as one binary message"),
    ("/ping", "[DATA]", "send a ping (DATA: up to 125 bytes of UTF-8); shows the round trip"),
    ("/pong", "[DATA]", "send an unsolicited pong"),
    ("/close", "[CODE] [REASON]", "close with CODE (default 1000; none: no code) and REASON"),
    ("/view", "text|hex|base64", "how binary messages are shown"),
    ("/pretty", "[on|off]", "pretty-print and highlight JSON; alone: toggle"),
    ("/timestamps", "[on|off]", "show the time of each message; alone: toggle"),
    ("/status", "", "show the connection's state and the handshake headers"),
    ("/save", "PATH", "save the session so far as JSON Lines"),
    ("/reconnect", "", "close and connect to the same URL again"),
    ("/quit", "", "close with 1000 and exit (also Ctrl-D on an empty line)"),
    ("/help", "[COMMAND]", "list the commands, or describe one"),
)

#: Command name (with its slash) -> one line of help: usage, two spaces, summary.
COMMANDS: dict[str, str] = {
    name: f"{name} {arguments}".rstrip() + "  " + summary for name, arguments, summary in _SPECS
}

_ALIASES = {"/exit": "/quit"}
_NAME_AND_REST = re.compile(r"(\S*)\s?(.*)", re.DOTALL)
_SWITCHES = {"on": True, "off": False}


def parse_line(line: str) -> Input:
    """What ``line``, as typed at the prompt (without its final newline), asks for.

    Command names are case-insensitive; ``/exit`` is ``/quit``. An empty line gives
    ``SendText("")``: the session skips empty lines before parsing,
    so that ``/text`` alone is the way to send an empty message.

    Raises:
        UsageError: an unknown command, or a command's arguments are invalid; the message
            names the command and the hint says what would work.
    """
    if not line.startswith("/") or line.startswith("//"):
        return SendText(line[1:] if line.startswith("//") else line)
    match = _NAME_AND_REST.match(line, 1)
    assert match is not None  # the pattern matches any string
    name, rest = "/" + match.group(1).lower(), match.group(2)
    name = _ALIASES.get(name, name)
    parser = _PARSERS.get(name)
    if parser is None:
        raise _unknown(name, as_text=True)
    return parser(name, rest)


def help_text(topic: str | None = None) -> str:
    """The ``/help`` text: every command with its arguments, or the one named by ``topic``.

    Raises:
        UsageError: ``topic`` is not a command.
    """
    if topic is not None:
        name = _ALIASES.get(topic, topic)
        if name not in COMMANDS:
            raise _unknown(name, as_text=False)
        return COMMANDS[name]
    width = max(len(f"{name} {arguments}") for name, arguments, _ in _SPECS)
    lines = ["Commands:"]
    lines.extend(
        f"  {f'{name} {arguments}':<{width}}  {summary}" for name, arguments, summary in _SPECS
    )
    lines += [
        "",
        "A line that does not begin with / is sent as a text message; //x sends /x.",
        "Esc-Enter or Alt-Enter adds a new line; Ctrl-C clears the input; Ctrl-D quits.",
    ]
    return "\n".join(lines)


def _unknown(name: str, *, as_text: bool) -> UsageError:
    """The error for an unknown command ``name``, with the closest command as a hint."""
    if name == "/":
        return UsageError("no command after /", "// sends a single /; /help lists the commands")
    shown = escape(name, keep_newlines=False)
    names = list(COMMANDS)
    starting = [n for n in names if n.startswith(name)]
    close = starting or difflib.get_close_matches(name, names, n=1)
    hint = (f"did you mean {close[0]}? " if close else "") + "/help lists the commands"
    if as_text:
        hint += f"; /{shown} sends the line as text"
    return UsageError(f"unknown command {shown}", hint)


def _text(name: str, rest: str) -> Input:
    return SendText(rest)


def _binary(name: str, rest: str) -> Input:
    fmt: Literal["hex", "base64"] = "hex" if name == "/binary" else "base64"
    data = decode_input(rest.encode("utf-8"), fmt, where=f"{name}'s argument")
    assert isinstance(data, bytes)
    return SendBinary(data)


def _control(name: str, rest: str) -> Input:
    data = rest.encode("utf-8")
    if len(data) > MAX_CONTROL_BYTES:
        raise UsageError(
            f"{name}: DATA is {len(data)} bytes; a {name[1:]} carries at most {MAX_CONTROL_BYTES}",
            "shorten DATA, or send it as a message",
        )
    return SendPing(data) if name == "/ping" else SendPong(data)


def _close(name: str, rest: str) -> Input:
    words = rest.strip().split(None, 1)
    if not words:
        return CloseConnection(1000, "")
    try:
        code = parse_close_code(words[0], allow_none=True)
    except UsageError as error:
        raise UsageError(
            f"/close: {error.message}", "usage: /close [CODE] [REASON], e.g. /close 4000 bye"
        ) from None
    reason = words[1] if len(words) > 1 else ""
    try:
        validate_close(code, reason)
    except UsageError as error:
        raise UsageError(f"/close: {error.message}", error.hint) from None
    return CloseConnection(code, reason)


def _path(name: str, rest: str) -> Input:
    path = rest.strip()
    if len(path) >= 2 and path[0] == path[-1] and path[0] in "'\"":
        path = path[1:-1]
    if not path:
        raise UsageError(f"{name} needs a PATH", f"usage: {COMMANDS[name].split('  ')[0]}")
    return SendFile(path) if name == "/file" else SaveSession(path)


def _view(name: str, rest: str) -> Input:
    view = rest.strip().lower()
    for choice in VIEWS:
        if view == choice:
            return SetView(choice)
    given = f"{escape(rest.strip(), keep_newlines=False)!r} is not a view" if view else "no view"
    raise UsageError(f"/view: {given}", "usage: /view text|hex|base64")


def _switch(name: str, rest: str) -> Input:
    word = rest.strip().lower()
    if word and word not in _SWITCHES:
        shown = escape(rest.strip(), keep_newlines=False)
        raise UsageError(f"{name}: {shown!r} is neither on nor off", f"usage: {name} [on|off]")
    enabled = _SWITCHES[word] if word else None
    return SetPretty(enabled) if name == "/pretty" else SetTimestamps(enabled)


def _bare(name: str, rest: str) -> Input:
    if rest.strip():
        raise UsageError(f"{name} takes no arguments", f"usage: {name}")
    if name == "/status":
        return ShowStatus()
    return Reconnect() if name == "/reconnect" else Quit()


def _help(name: str, rest: str) -> Input:
    topic = rest.strip().lower()
    if not topic:
        return ShowHelp(None)
    if not topic.startswith("/"):
        topic = "/" + topic
    topic = _ALIASES.get(topic, topic)
    if topic not in COMMANDS:
        raise _unknown(topic, as_text=False)
    return ShowHelp(topic)


_PARSERS = {
    "/text": _text,
    "/binary": _binary,
    "/base64": _binary,
    "/file": _path,
    "/ping": _control,
    "/pong": _control,
    "/close": _close,
    "/view": _view,
    "/pretty": _switch,
    "/timestamps": _switch,
    "/status": _bare,
    "/save": _path,
    "/reconnect": _bare,
    "/quit": _bare,
    "/help": _help,
}
