"""Ping and pong frames, in and out, reported to the link that owns the connection."""

import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from websockets.asyncio.connection import Connection
from websockets.frames import Opcode
from websockets.protocol import State
from websockets.typing import DataLike

from wscli.link.connection import Link
from wscli.protocol.events import Ping, Pong

__all__ = ["reporting_connection"]

C = TypeVar("C", bound=Connection)


def reporting_connection(base: type[C], link_of: Callable[[C], Link | None]) -> type[C]:
    """A subclass of ``base`` that reports ping and pong frames to its link."""

    process = base.process_event
    ping, pong = Opcode.PING, Opcode.PONG

    class ReportingConnection(base):  # type: ignore[valid-type,misc]
        def process_event(self, event: Any) -> None:
            # Called for every frame: kept lean (data frames pass straight through).
            opcode = getattr(event, "opcode", None)  # handshake messages have none
            if opcode is ping:
                link = link_of(self)
                if link is not None:
                    link.emit_control(Ping(bytes(event.data), "in"))
                process(self, event)
                if link is not None and self.state is State.OPEN:
                    link.emit_control(Pong(bytes(event.data), "out"))
                return
            if opcode is pong:
                link = link_of(self)
                if link is not None:
                    link.emit_control(Pong(bytes(event.data), "in"))
            process(self, event)

        async def ping(self, data: DataLike | None = None) -> Awaitable[float]:
            payload = os.urandom(4) if data is None else data
            waiter: Awaitable[float] = await super().ping(payload)
            link = link_of(self)
            if link is not None:
                raw = payload.encode() if isinstance(payload, str) else bytes(payload)
                link.emit_control(Ping(raw, "out"))
            return waiter

    return ReportingConnection
