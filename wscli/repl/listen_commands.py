"""What a line typed at ``wscli listen``'s prompt asks for. Pure.

The client's message commands (``/text``, ``/binary``, ``/base64``, ``/file``) and
display commands (``/view``, ``/pretty``, ``/timestamps``, ``/save``, ``/quit``) work as in
``connect``, addressed to the current target; these are the server's own: ``/to N``,
``/all``, ``/clients``, ``/kick N [CODE] [REASON]``, ``/ping N [DATA]`` and ``/status``.
"""

import re

from wscli.codes import parse_close_code, validate_close
from wscli.errors import UsageError
from wscli.render import escape
from wscli.repl import commands as c
from wscli.slotted import Slotted

__all__ = [
    "LISTEN_COMMANDS",
    "Kick",
    "ListClients",
    "PingClient",
    "SetTarget",
    "clients_table",
    "listen_help",
    "parse_listen_line",
]


class SetTarget(Slotted):
    """Send typed messages to client ``conn_id``, or to every client when None."""

    __slots__ = __match_args__ = ("conn_id",)

    def __init__(self, conn_id: int | None) -> None:
        self.conn_id = conn_id


class ListClients(Slotted):
    """List the connected clients (``/clients``)."""

    __slots__ = __match_args__ = ()


class Kick(Slotted):
    """Close client ``conn_id``'s connection with ``code`` and ``reason`` (``/kick``)."""

    __slots__ = __match_args__ = ("conn_id", "code", "reason")

    def __init__(self, conn_id: int, code: int | None = 1000, reason: str = "") -> None:
        self.conn_id = conn_id
        self.code = code
        self.reason = reason


class PingClient(Slotted):
    """Ping client ``conn_id`` (``/ping N [DATA]``); the pong gives the round-trip time."""

    __slots__ = __match_args__ = ("conn_id", "data")

    def __init__(self, conn_id: int, data: bytes = b"") -> None:
        self.conn_id = conn_id
        self.data = data


ListenInput = SetTarget | ListClients | Kick | PingClient | c.Input

_OWN: tuple[tuple[str, str, str], ...] = (
    ("/to", "N", "send typed messages to client N only"),
    ("/all", "", "send typed messages to every client (the default)"),
    ("/clients", "", "list the clients: id, address, path, protocol, state, traffic"),
    ("/kick", "N [CODE] [REASON]", "close client N's connection (default 1000)"),
    ("/ping", "N [DATA]", "ping client N; shows the round trip"),
    ("/status", "", "the server's address, clients and target"),
)
_SHARED = ("/text", "/binary", "/base64", "/file", "/view", "/pretty", "/timestamps", "/save")
#: Command name -> one line of help (usage, two spaces, summary), for /help and completion.
LISTEN_COMMANDS: dict[str, str] = {
    **{name: f"{name} {arguments}".rstrip() + "  " + summary for name, arguments, summary in _OWN},
    **{name: c.COMMANDS[name] for name in _SHARED},
    "/quit": "/quit  close every client with 1001 and exit (also Ctrl-D on an empty line)",
    "/help": "/help [COMMAND]  list the commands, or describe one",
}
_ALIASES = {"/exit": "/quit"}
_NAME_AND_REST = re.compile(r"(\S*)\s?(.*)", re.DOTALL)


def parse_listen_line(line: str) -> ListenInput:
    """What ``line`` asks for (see the module's description).

    Raises:
        UsageError: an unknown command or invalid arguments; the hint says what works.
    """
    if not line.startswith("/") or line.startswith("//"):
        return c.parse_line(line)
    match = _NAME_AND_REST.match(line, 1)
    assert match is not None
    name, rest = "/" + match.group(1).lower(), match.group(2)
    name = _ALIASES.get(name, name)
    words = rest.split()
    if name == "/to":
        return SetTarget(_client_id(name, words[0] if words else "", "/to N"))
    if name in ("/all", "/clients"):
        if words:
            raise UsageError(f"{name} takes no arguments", f"usage: {name}")
        return SetTarget(None) if name == "/all" else ListClients()
    if name == "/kick":
        return _kick(rest)
    if name == "/ping":
        conn_id = _client_id(name, words[0] if words else "", "/ping N [DATA]")
        data = rest.strip().split(None, 1)[1] if len(words) > 1 else ""
        parsed = c.parse_line(f"/ping {data}")
        assert isinstance(parsed, c.SendPing)
        return PingClient(conn_id, parsed.data)
    if name == "/help":
        topic = rest.strip().lower()
        topic = topic if not topic or topic.startswith("/") else "/" + topic
        if topic and topic not in LISTEN_COMMANDS:
            raise _unknown(topic)
        return c.ShowHelp(topic or None)
    if name == "/status":
        return c.ShowStatus()
    if name == "/quit" or name in _SHARED:
        return c.parse_line(f"{name} {rest}" if rest else name)
    raise _unknown(name)


def listen_help(topic: str | None = None) -> str:
    """The ``/help`` text of the listen prompt."""
    if topic is not None:
        return LISTEN_COMMANDS[topic]
    usages = {name: help.split("  ", 1) for name, help in LISTEN_COMMANDS.items()}
    width = max(len(usage) for usage, _ in usages.values())
    lines = ["Commands:"]
    lines += [f"  {usage:<{width}}  {summary}" for usage, summary in usages.values()]
    lines += [
        "",
        "A line that does not begin with / is sent as a text message to the target "
        "(every client, or the one chosen with /to); //x sends /x.",
        "Esc-Enter or Alt-Enter adds a new line; Ctrl-C clears the input; Ctrl-D quits.",
    ]
    return "\n".join(lines)


def clients_table(rows: list[tuple[int, str, str, str, str, int, int, int]]) -> str:
    """``/clients``: id, address, path, protocol, readyState, bufferedAmount, in, out."""
    if not rows:
        return "no clients connected"
    header = ("id", "address", "path", "protocol", "readyState", "buffered", "in", "out")
    # The path and subprotocol came from the client: escaped, as all peer data.
    table = [header] + [
        tuple(escape(str(value), keep_newlines=False) for value in row) for row in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    )


def _client_id(name: str, word: str, usage: str) -> int:
    if not word.isdigit() or int(word) < 1:
        given = f"{word!r} is not a client id" if word else "no client id"
        raise UsageError(f"{name}: {given}", f"usage: {usage}; /clients lists the ids")
    return int(word)


def _kick(rest: str) -> Kick:
    words = rest.strip().split(None, 2)
    conn_id = _client_id("/kick", words[0] if words else "", "/kick N [CODE] [REASON]")
    if len(words) < 2:
        return Kick(conn_id)
    try:
        code = parse_close_code(words[1], allow_none=True)
    except UsageError as error:
        raise UsageError(f"/kick: {error.message}", "usage: /kick N [CODE] [REASON]") from None
    reason = words[2] if len(words) > 2 else ""
    try:
        validate_close(code, reason)
    except UsageError as error:
        raise UsageError(f"/kick: {error.message}", error.hint) from None
    return Kick(conn_id, code, reason)


def _unknown(name: str) -> UsageError:
    if name in c.COMMANDS:  # a client command that has no meaning here
        return UsageError(
            f"{name} is a connect command", "/help lists what works at the listen prompt"
        )
    names = [n for n in LISTEN_COMMANDS if n.startswith(name)]
    hint = (f"did you mean {names[0]}? " if names else "") + "/help lists the commands"
    shown = escape(name, keep_newlines=False)
    return UsageError(f"unknown command {shown}", hint + "; //x sends /x as text")
