"""What a line typed at a prompt asks for: one table of slash commands per prompt. Pure.

A line that does not begin with ``/`` is text to send, as typed (newlines included). ``//x``
sends ``/x``, and ``/text TEXT`` sends TEXT verbatim, whatever it begins with. Everything
else beginning with ``/`` is a command of the prompt's table: :data:`CONNECT` (``wscli
connect``) or :data:`LISTEN` (``wscli listen``). The commands both prompts have are
written once (:data:`_SHARED`); each side adds its own.
"""

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

from wscli.errors import UsageError
from wscli.options import SCREEN_VIEWS
from wscli.protocol.codes import parse_close_code, validate_close
from wscli.protocol.payload import decode_input
from wscli.render import escape
from wscli.repl import inputs as i
from wscli.repl.stream_commands import emit_arguments as _emit
from wscli.repl.stream_commands import filter_arguments as _filter
from wscli.repl.stream_commands import filters_arguments as _filters
from wscli.repl.stream_commands import stop_arguments as _stop
from wscli.repl.stream_commands import text_message

__all__ = [
    "COMMANDS",
    "CONNECT",
    "LISTEN",
    "LISTEN_COMMANDS",
    "MAX_CONTROL_BYTES",
    "CommandTable",
    "help_text",
    "listen_help",
    "parse_line",
    "parse_listen_line",
]

#: A ping or pong carries at most 125 bytes (RFC 6455 section 5.5).
MAX_CONTROL_BYTES = 125

Parser = Callable[[str, str], i.ListenInput]


class Spec(NamedTuple):
    """One slash command: its name, its arguments and summary (for /help), its parser."""

    name: str
    arguments: str
    summary: str
    parse: Parser | None  # None: /help, which the table parses

    @property
    def usage(self) -> str:
        return f"{self.name} {self.arguments}".rstrip()


_ALIASES = {"/exit": "/quit"}
_NAME_AND_REST = re.compile(r"(\S*)\s?(.*)", re.DOTALL)
_SWITCHES = {"on": True, "off": False}


class CommandTable:
    """The slash commands of one prompt: parsing, /help, and the unknown-command error."""

    def __init__(
        self, specs: Sequence[Spec], *, footer: Sequence[str], elsewhere: dict[str, str]
    ) -> None:
        self._specs = {spec.name: spec for spec in specs}
        self._footer = tuple(footer)
        #: Commands of the other prompt: name -> which prompt has them.
        self._elsewhere = elsewhere
        #: Command name (with its slash) -> one line of help: usage, two spaces, summary.
        self.usages: dict[str, str] = {s.name: f"{s.usage}  {s.summary}" for s in specs}

    def parse(self, line: str) -> i.ListenInput:
        """What ``line``, as typed (without its final newline), asks for.

        Command names are case-insensitive; ``/exit`` is ``/quit``. An empty line gives
        ``SendText("")``: the prompt skips empty lines before parsing, so that ``/text``
        alone is the way to send an empty message.

        Raises:
            UsageError: an unknown command, or invalid arguments; the message names the
                command and the hint says what would work.
        """
        if not line.startswith("/") or line.startswith("//"):
            return text_message(line[1:] if line.startswith("//") else line)
        match = _NAME_AND_REST.match(line, 1)
        assert match is not None  # the pattern matches any string
        name = _ALIASES.get("/" + match.group(1).lower(), "/" + match.group(1).lower())
        spec = self._specs.get(name)
        if spec is None:
            raise self._unknown(name, as_text=True)
        if spec.parse is None:
            return i.ShowHelp(self._topic(match.group(2)))
        return spec.parse(name, match.group(2))

    def help(self, topic: str | None = None) -> str:
        """The ``/help`` text: every command with its arguments, or the one ``topic`` names.

        Raises:
            UsageError: ``topic`` is not a command.
        """
        name = self._topic(topic) if topic is not None else None
        if name is not None:
            return self.usages[name]
        width = max(len(spec.usage) for spec in self._specs.values())
        lines = ["Commands:"]
        lines += [f"  {s.usage:<{width}}  {s.summary}" for s in self._specs.values()]
        return "\n".join([*lines, "", *self._footer])

    def _topic(self, text: str) -> str | None:
        topic = text.strip().lower()
        if not topic:
            return None
        topic = topic if topic.startswith("/") else "/" + topic
        topic = _ALIASES.get(topic, topic)
        if topic not in self._specs:
            raise self._unknown(topic, as_text=False)
        return topic

    def _unknown(self, name: str, *, as_text: bool) -> UsageError:
        """The error for an unknown command ``name``, with the closest command as a hint."""
        if name == "/":
            return UsageError("no command after /", "// sends a single /; /help lists the commands")
        if name in self._elsewhere:
            return UsageError(
                f"{name} is a {self._elsewhere[name]} command",
                "/help lists what works at this prompt",
            )
        shown = escape(name, keep_newlines=False)
        names = list(self._specs)
        close = [n for n in names if n.startswith(name)] or difflib.get_close_matches(
            name, names, n=1
        )
        hint = (f"did you mean {close[0]}? " if close else "") + "/help lists the commands"
        if as_text:
            hint += f"; /{shown} sends the line as text"
        return UsageError(f"unknown command {shown}", hint)


# The parsers: (name as typed, the rest of the line) -> what it asks for.


def _text(name: str, rest: str) -> i.Input:
    return text_message(rest)


def _binary(name: str, rest: str) -> i.Input:
    fmt: Literal["hex", "base64"] = "hex" if name == "/binary" else "base64"
    raw = rest.encode("utf-8", "surrogatepass")  # (a surrogate is no hex nor base64)
    data = decode_input(raw, fmt, where=f"{name}'s argument")
    assert isinstance(data, bytes)
    return i.SendBinary(data)


def _control_data(name: str, rest: str) -> bytes:
    try:
        data = rest.encode("utf-8")
    except UnicodeEncodeError:  # a line holds lone surrogates for bytes that were not UTF-8
        raise UsageError(f"{name}: DATA is not valid UTF-8", "DATA is text") from None
    if len(data) > MAX_CONTROL_BYTES:
        raise UsageError(
            f"{name}: DATA is {len(data)} bytes; a ping or pong carries at most "
            f"{MAX_CONTROL_BYTES}",
            "shorten DATA, or send it as a message",
        )
    return data


def _control(name: str, rest: str) -> i.Input:
    data = _control_data(name, rest)
    return i.SendPing(data) if name == "/ping" else i.SendPong(data)


def _close_arguments(name: str, words: list[str], example: str) -> tuple[int | None, str]:
    """``[CODE] [REASON]`` of /close and /kick, checked: default 1000, ``none`` for an
    empty close frame."""
    if not words:
        return 1000, ""
    try:
        code = parse_close_code(words[0], allow_none=True)
    except UsageError as error:
        raise UsageError(f"{name}: {error.message}", f"usage: {example}") from None
    reason = words[1] if len(words) > 1 else ""
    try:
        validate_close(code, reason)
    except UsageError as error:
        raise UsageError(f"{name}: {error.message}", error.hint) from None
    return code, reason


def _close(name: str, rest: str) -> i.Input:
    words = rest.strip().split(None, 1)
    return i.CloseConnection(
        *_close_arguments(name, words, "/close [CODE] [REASON], e.g. /close 4000 bye")
    )


def _path(name: str, rest: str) -> i.Input:
    path = rest.strip()
    if len(path) >= 2 and path[0] == path[-1] and path[0] in "'\"":
        path = path[1:-1]
    if not path:
        raise UsageError(f"{name} needs a PATH", f"usage: {name} PATH")
    return i.SendFile(path) if name == "/file" else i.SaveSession(path)


def _view(name: str, rest: str) -> i.Input:
    view = rest.strip().lower()
    for choice in SCREEN_VIEWS:
        if view == choice:
            return i.SetView(choice)
    given = f"{escape(rest.strip(), keep_newlines=False)!r} is not a view" if view else "no view"
    raise UsageError(f"/view: {given}", "usage: /view text|hex|base64")


def _switch(name: str, rest: str) -> i.Input:
    word = rest.strip().lower()
    if word and word not in _SWITCHES:
        shown = escape(rest.strip(), keep_newlines=False)
        raise UsageError(f"{name}: {shown!r} is neither on nor off", f"usage: {name} [on|off]")
    enabled = _SWITCHES[word] if word else None
    return i.SetPretty(enabled) if name == "/pretty" else i.SetTimestamps(enabled)


_BARE: dict[str, Callable[[], i.ListenInput]] = {
    "/status": i.ShowStatus,
    "/reconnect": i.Reconnect,
    "/quit": i.Quit,
    "/all": lambda: i.SetTarget(None),
    "/clients": i.ListClients,
}


def _bare(name: str, rest: str) -> i.ListenInput:
    if rest.strip():
        raise UsageError(f"{name} takes no arguments", f"usage: {name}")
    return _BARE[name]()


def _client_id(name: str, word: str, usage: str) -> int:
    try:  # (isdigit() is true of "²", which int() refuses; so are 5000 digits)
        conn_id = int(word) if word.isdecimal() else 0
    except ValueError:
        conn_id = 0
    if conn_id < 1:
        given = f"{word!r} is not a client id" if word else "no client id"
        raise UsageError(f"{name}: {given}", f"usage: {usage}; /clients lists the ids")
    return conn_id


def _to(name: str, rest: str) -> i.ListenInput:
    words = rest.split()
    return i.SetTarget(_client_id(name, words[0] if words else "", "/to N"))


def _kick(name: str, rest: str) -> i.ListenInput:
    words = rest.strip().split(None, 2)
    usage = "/kick N [CODE] [REASON]"
    conn_id = _client_id(name, words[0] if words else "", usage)
    code, reason = _close_arguments(name, words[1:], f"{usage}, e.g. /kick 2 4000 bye")
    return i.Kick(conn_id, code, reason)


def _ping_client(name: str, rest: str) -> i.ListenInput:
    words = rest.strip().split(None, 1)
    conn_id = _client_id(name, words[0] if words else "", "/ping N [DATA]")
    return i.PingClient(conn_id, _control_data(name, words[1] if len(words) > 1 else ""))


# The tables. Shared commands are written once; each prompt adds its own.

_SHARED = {
    "/text": Spec("/text", "TEXT", "send TEXT as a text message, even if it begins with /", _text),
    "/binary": Spec(
        "/binary",
        "HEX",
        "send a binary message given in hex, spaces allowed: /binary 48 69",
        _binary,
    ),
    "/base64": Spec(
        "/base64", "DATA", "send a binary message given in base64: /base64 SGk=", _binary
    ),
    "/file": Spec("/file", "PATH", "send a file's contents as one binary message", _path),
    "/view": Spec("/view", "text|hex|base64", "how binary messages are shown", _view),
    "/pretty": Spec(
        "/pretty", "[on|off]", "pretty-print and highlight JSON; alone: toggle", _switch
    ),
    "/timestamps": Spec(
        "/timestamps", "[on|off]", "show the time of each message; alone: toggle", _switch
    ),
    "/save": Spec("/save", "PATH", "save the session so far as JSON Lines", _path),
    "/help": Spec("/help", "[COMMAND]", "list the commands, or describe one", None),
}
_EDITING = "Esc-Enter or Alt-Enter adds a new line; Ctrl-C clears the input; Ctrl-D quits."

_CONNECT_ONLY = (
    Spec(
        "/ping",
        "[DATA]",
        "send a ping (DATA: up to 125 bytes of UTF-8); shows the round trip",
        _control,
    ),
    Spec("/pong", "[DATA]", "send an unsolicited pong", _control),
    Spec(
        "/close",
        "[CODE] [REASON]",
        "close with CODE (default 1000; none: no code) and REASON",
        _close,
    ),
    Spec("/emit", "EVENT [JSON...]", "Socket.IO: emit EVENT with these arguments", _emit),
    Spec("/stop", "ID", "GraphQL: complete running operation ID", _stop),
    Spec("/filter", "REGEX|JSON", "show (and count) only received messages that match", _filter),
    Spec("/ignore", "REGEX|JSON", "hide received messages that match", _filter),
    Spec(
        "/filters", "[clear]", "list the filters (--filter, --ignore too), or drop them", _filters
    ),
    Spec("/status", "", "show the connection's state and the handshake headers", _bare),
    Spec("/reconnect", "", "close and connect to the same URL again", _bare),
    Spec("/quit", "", "close with 1000 and exit (also Ctrl-D on an empty line)", _bare),
)
_LISTEN_ONLY = (
    Spec("/to", "N", "send typed messages to client N only", _to),
    Spec("/all", "", "send typed messages to every client (the default)", _bare),
    Spec("/clients", "", "list the clients: id, address, path, protocol, state, traffic", _bare),
    Spec("/kick", "N [CODE] [REASON]", "close client N's connection (default 1000)", _kick),
    Spec("/ping", "N [DATA]", "ping client N; shows the round trip", _ping_client),
    Spec("/status", "", "the server's address, clients and target", _bare),
    Spec(
        "/quit", "", "close every client with 1001 and exit (also Ctrl-D on an empty line)", _bare
    ),
)


def _names(specs: Sequence[Spec], side: str, other: Sequence[Spec]) -> dict[str, str]:
    own = {spec.name for spec in other}
    return {spec.name: side for spec in specs if spec.name not in own}


#: ``wscli connect``'s prompt.
CONNECT = CommandTable(
    [
        *(_SHARED[n] for n in ("/text", "/binary", "/base64", "/file")),
        *_CONNECT_ONLY[:3],
        *(_SHARED[n] for n in ("/view", "/pretty", "/timestamps")),
        *_CONNECT_ONLY[3:9],
        _SHARED["/save"],
        *_CONNECT_ONLY[9:],
        _SHARED["/help"],
    ],
    footer=["A line that does not begin with / is sent as a text message; //x sends /x.", _EDITING],
    elsewhere=_names(_LISTEN_ONLY, "listen", _CONNECT_ONLY),
)
#: ``wscli listen``'s prompt.
LISTEN = CommandTable(
    [
        *_LISTEN_ONLY[:-1],
        *(_SHARED[n] for n in ("/text", "/binary", "/base64", "/file", "/view", "/pretty")),
        *(_SHARED[n] for n in ("/timestamps", "/save")),
        _LISTEN_ONLY[-1],
        _SHARED["/help"],
    ],
    footer=[
        "A line that does not begin with / is sent as a text message to the target "
        "(every client, or the one chosen with /to); //x sends /x.",
        _EDITING,
    ],
    elsewhere=_names(_CONNECT_ONLY, "connect", _LISTEN_ONLY),
)

COMMANDS = CONNECT.usages
LISTEN_COMMANDS = LISTEN.usages
parse_line = CONNECT.parse
help_text = CONNECT.help
parse_listen_line = LISTEN.parse
listen_help = LISTEN.help
