"""The session's event FIFO."""

import asyncio
from collections import deque

from wscli.events import Event

__all__ = ["EventQueue"]


class EventQueue:
    """The session's event FIFO: asyncio.Queue's ``put_nowait``/``get``/``empty``, cheaper.

    Unbounded; two events per message pass through it (out and in), so it skips
    asyncio.Queue's per-item bookkeeping. Several consumers may wait in :meth:`get`.
    """

    __slots__ = ("_waiter", "ended", "items")

    def __init__(self) -> None:
        #: The queued events, oldest first (a consumer may pop them without waiting).
        self.items: deque[Event | None] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.ended = False

    def put_nowait(self, event: Event | None) -> None:
        """Queue ``event``; ``None`` marks the end, and nothing is queued after it."""
        if self.ended:
            return
        self.ended = event is None
        self.items.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Event | None:
        """Wait for the next event and return it."""
        await self.get_ready()
        return self.items.popleft()

    async def get_ready(self) -> None:
        """Wait until at least one event is queued."""
        while not self.items:
            waiter = self._waiter
            if waiter is None or waiter.done():
                waiter = self._waiter = asyncio.get_running_loop().create_future()
            await asyncio.shield(waiter)  # one consumer's cancellation spares the others
