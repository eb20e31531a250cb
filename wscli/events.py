"""Typed events shared by the client and server cores and every front end. Pure data."""

from dataclasses import dataclass, field
from enum import IntEnum
from time import time
from typing import Literal

__all__ = [
    "Closed",
    "Direction",
    "Event",
    "Failed",
    "Message",
    "Opened",
    "Ping",
    "Pong",
    "ReadyState",
]

Direction = Literal["in", "out"]


class ReadyState(IntEnum):
    """The browser's ``WebSocket.readyState``."""

    CONNECTING = 0
    OPEN = 1
    CLOSING = 2
    CLOSED = 3


@dataclass(frozen=True, slots=True)
class Opened:
    """The opening handshake completed (the browser's ``open`` event)."""

    url: str
    protocol: str
    extensions: str
    request_headers: tuple[tuple[str, str], ...]
    response_headers: tuple[tuple[str, str], ...]
    status: int = 101
    at: float = field(default_factory=time)


@dataclass(frozen=True, slots=True)
class Message:
    """A whole data message: ``str`` for a text frame, ``bytes`` for a binary frame."""

    data: str | bytes
    direction: Direction
    at: float = field(default_factory=time)

    @property
    def is_binary(self) -> bool:
        return isinstance(self.data, bytes)


@dataclass(frozen=True, slots=True)
class Ping:
    """A ping frame, sent or received."""

    data: bytes
    direction: Direction
    at: float = field(default_factory=time)


@dataclass(frozen=True, slots=True)
class Pong:
    """A pong frame, sent or received."""

    data: bytes
    direction: Direction
    at: float = field(default_factory=time)


@dataclass(frozen=True, slots=True)
class Closed:
    """The connection is CLOSED (the browser's ``close`` event).

    ``code`` and ``reason`` are what the peer sent (1005 for an empty close frame, 1006 when
    no close frame arrived), as the browser reports them; ``sent_code``/``sent_reason`` are
    what wscli sent, if anything. ``initiated_by`` is who sent the first close frame.
    """

    code: int
    reason: str
    was_clean: bool
    initiated_by: Literal["client", "server"] | None
    sent_code: int | None = None
    sent_reason: str | None = None
    at: float = field(default_factory=time)


@dataclass(frozen=True, slots=True)
class Failed:
    """The connection failed (the browser's ``error`` event), with wscli's reason."""

    message: str
    at: float = field(default_factory=time)


Event = Opened | Message | Ping | Pong | Closed | Failed
