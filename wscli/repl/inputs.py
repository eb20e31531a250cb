"""What a line typed at either prompt asks for: the parsed inputs. Pure data.

They are slotted classes, not NamedTuples (which compare equal across types:
``SendFile("x") == SaveSession("x")``) nor dataclasses (start-up cost). They support
``match`` with positional patterns, ``case CloseConnection(code, reason):``; treat them as
immutable.
"""

from wscli.options import BinaryView
from wscli.slotted import Slotted

__all__ = [
    "AddFilter",
    "CloseConnection",
    "Command",
    "Input",
    "Kick",
    "ListClients",
    "ListenInput",
    "PingClient",
    "Quit",
    "Reconnect",
    "SaveSession",
    "SendBinary",
    "SendFile",
    "SendPing",
    "SendPong",
    "SendText",
    "SetPretty",
    "SetTarget",
    "SetTimestamps",
    "SetView",
    "ShowFilters",
    "ShowHelp",
    "ShowStatus",
    "StopOperation",
]


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

    Both have passed :func:`wscli.protocol.codes.validate_close`.
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


class AddFilter(Slotted):
    """``/filter PATTERN`` or ``/ignore PATTERN`` (``kind``): as --filter and --ignore;
    ``pattern`` as scripts write it (``/REGEX/`` or a JSON pattern)."""

    __slots__ = __match_args__ = ("kind", "pattern")

    def __init__(self, kind: str, pattern: str) -> None:
        self.kind = kind
        self.pattern = pattern


class StopOperation(Slotted):
    """``/stop ID``: end a running operation (a GraphQL subscription)."""

    __slots__ = __match_args__ = ("ident",)

    def __init__(self, ident: str) -> None:
        self.ident = ident


class ShowFilters(Slotted):
    """``/filters``: list them; ``/filters clear``: drop them all."""

    __slots__ = __match_args__ = ("clear",)

    def __init__(self, clear: bool = False) -> None:
        self.clear = clear


_Frames = SendFile | SendPing | SendPong | CloseConnection
_Settings = SetView | SetPretty | SetTimestamps | AddFilter | ShowFilters | StopOperation
Command = _Frames | _Settings | ShowStatus | SaveSession | Reconnect | Quit | ShowHelp
Input = SendText | SendBinary | Command
#: What a line at ``listen``'s prompt may ask for besides the client's inputs.
ListenInput = SetTarget | ListClients | Kick | PingClient | Input
