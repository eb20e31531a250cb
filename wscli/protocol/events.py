"""Typed events shared by the client and server cores and every front end. Pure data.

They are plain classes with ``__slots__`` rather than dataclasses: one is built for every
message in pipe mode, and a dataclass costs twice as much to build and ~0.5 ms each to
define at start-up. Treat them as immutable.
"""

from enum import IntEnum
from time import time
from typing import Literal

from wscli.slotted import Slotted

__all__ = [
    "Arrived",
    "Closed",
    "Direction",
    "Event",
    "Failed",
    "Message",
    "Opened",
    "Ping",
    "Pong",
    "ReadyState",
    "received_messages",
]

Direction = Literal["in", "out"]
Initiator = Literal["client", "server"] | None


class ReadyState(IntEnum):
    """The browser's ``WebSocket.readyState``."""

    CONNECTING = 0
    OPEN = 1
    CLOSING = 2
    CLOSED = 3


class Opened(Slotted):
    """The opening handshake completed (the browser's ``open`` event).

    On the server side (``listen``), ``url`` is the URL the client asked for and ``remote``
    its address; a client's own ``open`` event has ``remote`` "".
    """

    __slots__ = (
        "at",
        "client_dn",
        "extensions",
        "protocol",
        "remote",
        "request_headers",
        "response_headers",
        "status",
        "url",
    )

    def __init__(
        self,
        url: str,
        protocol: str,
        extensions: str,
        request_headers: tuple[tuple[str, str], ...],
        response_headers: tuple[tuple[str, str], ...],
        status: int = 101,
        at: float | None = None,
        remote: str = "",
    ) -> None:
        self.url = url
        self.remote = remote
        #: ``listen --client-ca``: the subject of the client's certificate (RFC 4514).
        self.client_dn = ""
        self.protocol = protocol
        self.extensions = extensions
        self.request_headers = request_headers
        self.response_headers = response_headers
        self.status = status
        self.at = time() if at is None else at


class Message(Slotted):
    """A whole data message: ``str`` for a text frame, ``bytes`` for a binary frame;
    ``headers``: what a dialect's frame said about it (a STOMP MESSAGE's headers)."""

    __slots__ = ("at", "data", "direction", "headers")

    def __init__(
        self,
        data: str | bytes,
        direction: Direction,
        at: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.data = data
        self.direction = direction
        self.at = time() if at is None else at
        self.headers = headers


class Arrived(Slotted):
    """The messages of one network read, in order, received at ``at``: what a client
    session's event queue holds in place of one Message each, for the consumer that takes
    them at once (:meth:`~wscli.link.stream.EventQueue.batches`); the others get the
    Messages (:meth:`messages`)."""

    __slots__ = ("at", "data")

    def __init__(self, data: list[str | bytes], at: float) -> None:
        self.data = data
        self.at = at

    def messages(self) -> list[Message]:
        """One received Message each."""
        return received_messages(self.data, self.at)


def received_messages(data: list[str | bytes], at: float) -> list[Message]:
    """The messages of one read, received at ``at``, as Message events."""
    return [Message(item, "in", at) for item in data]


class _Control(Slotted):
    __slots__ = ("at", "data", "direction")

    def __init__(self, data: bytes, direction: Direction, at: float | None = None) -> None:
        self.data = data
        self.direction = direction
        self.at = time() if at is None else at


class Ping(_Control):
    """A ping frame, sent or received; ``keepalive``: sent by the keepalive, not asked for."""

    __slots__ = ("keepalive",)

    def __init__(
        self, data: bytes, direction: Direction, at: float | None = None, *, keepalive: bool = False
    ) -> None:
        super().__init__(data, direction, at)
        self.keepalive = keepalive


class Pong(_Control):
    """A pong frame, sent or received."""

    __slots__ = ()


class Closed(Slotted):
    """The connection is CLOSED (the browser's ``close`` event).

    ``code`` and ``reason`` are what the peer sent (1005 for an empty close frame, 1006 when
    no close frame arrived), as the browser reports them; ``sent_code``/``sent_reason`` are
    what wscli sent, if anything. ``initiated_by`` is who sent the first close frame.
    """

    __slots__ = ("at", "code", "initiated_by", "reason", "sent_code", "sent_reason", "was_clean")

    def __init__(
        self,
        code: int,
        reason: str,
        was_clean: bool,
        initiated_by: Initiator,
        sent_code: int | None = None,
        sent_reason: str | None = None,
        at: float | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.was_clean = was_clean
        self.initiated_by = initiated_by
        self.sent_code = sent_code
        self.sent_reason = sent_reason
        self.at = time() if at is None else at


class Failed(Slotted):
    """The connection failed (the browser's ``error`` event), with wscli's reason."""

    __slots__ = ("at", "message")

    def __init__(self, message: str, at: float | None = None) -> None:
        self.message = message
        self.at = time() if at is None else at


Event = Opened | Message | Ping | Pong | Closed | Failed
