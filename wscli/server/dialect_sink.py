"""``listen --dialect``: each connection speaks the server's side of a protocol.

A peer's events pass through :class:`DialectSink` on their way to the listener's queue:
each received frame becomes its application messages (replies, the opening's next step,
go back at once; protocol errors become a ``Failed`` event); with ``--echo``, each
application message is sent back through the dialect. What the listener sends to a
client (stdin lines at the prompt or in a pipe) is encoded by the peer's dialect.
"""

import asyncio
from collections.abc import Callable
from typing import cast

from wscli.dialect.serving import ServerDialect
from wscli.link.connection import Link
from wscli.link.stream import EventSink
from wscli.protocol.events import Event, Failed, Message, received_messages

__all__ = ["DialectSink", "keep_beating"]


class DialectSink:
    """A peer's event sink that translates its received frames (see the module)."""

    __slots__ = ("dialect", "echo", "on_application", "peer", "sink")

    def __init__(self, sink: EventSink, dialect: ServerDialect, *, echo: bool) -> None:
        self.sink = sink
        self.dialect = dialect
        self.echo = echo
        self.peer: Link | None = None  # set once the peer exists
        #: Called with each application message (``listen --script``'s server side).
        self.on_application: Callable[[str | bytes], None] | None = None

    def put_nowait(self, event: Event | None, /) -> None:
        self.sink.put_nowait(event)

    def put_many(self, events: list[Event], /) -> None:
        self.sink.put_many(self.translate(events))

    def put_received(self, messages: list[str | bytes], at: float, /) -> None:
        self.put_many(cast(list[Event], received_messages(messages, at)))

    def translate(self, events: list[Event]) -> list[Event]:
        dialect, peer = self.dialect, self.peer
        assert peer is not None
        shown: list[Event] = []
        for event in events:
            if type(event) is not Message or event.direction != "in":
                shown.append(event)
                continue
            decoded = dialect.decode(event.data)
            replies = list(decoded.replies)
            shown += [Message(data, "in", event.at) for data in decoded.shown]
            if self.on_application is not None:
                for data in decoded.shown:
                    self.on_application(data)
            shown += [Failed(f"{dialect.name}: {error}") for error in decoded.errors]
            if self.echo:
                for data in decoded.shown:
                    replies += dialect.answer(data)
            if replies:
                peer.send_many(replies)
        return shown


async def keep_beating(peer: Link, dialect: ServerDialect) -> None:
    """The dialect's heartbeats to ``peer`` while it is open."""
    interval = dialect.beat_interval
    while interval:
        await asyncio.sleep(interval)
        if peer.ready_state.value != 1:
            return
        peer.send_many(dialect.beat())
