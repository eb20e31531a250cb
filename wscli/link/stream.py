"""The event stream a connection feeds and a front end drains, in batches."""

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Generic, Protocol, TypeVar, cast

from wscli.protocol.events import Arrived, Event

__all__ = ["EventQueue", "EventSink"]

T = TypeVar("T")


class EventSink(Protocol):
    """Where a link's events go: ``None`` marks the end (after the close event)."""

    def put_nowait(self, event: Event | None, /) -> None: ...

    def put_many(self, events: list[Event], /) -> None:
        """Several events (no end mark), in order, at once."""

    def put_received(self, messages: list[str | bytes], at: float, /) -> None:
        """The messages of one read, received at ``at`` (as Message events)."""


class EventQueue(Generic[T]):
    """A FIFO of events with an end: asyncio.Queue's ``put_nowait``, cheaper, drained in
    batches.

    Unbounded; two events per message pass through it (out and in), so it skips
    asyncio.Queue's per-item bookkeeping. The client's session queues its events, the
    listener ``(id, event)`` pairs of all its connections. Several consumers may wait.
    """

    __slots__ = ("_arrivals", "_waiter", "ended", "items")

    def __init__(self) -> None:
        #: The queued events, oldest first (a consumer may pop them without waiting).
        self.items: deque[T | None] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.ended = False
        self._arrivals = False  # put_received was called: batches() may have to expand

    def put_nowait(self, item: T | None) -> None:
        """Queue ``item``; ``None`` marks the end, and nothing is queued after it."""
        if self.ended:
            return
        self.ended = item is None
        self.items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def put_many(self, items: list[T]) -> None:
        """Queue ``items`` (no end mark among them) with one wake-up."""
        if self.ended or not items:
            return
        self.items.extend(items)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def put_received(self, messages: list[str | bytes], at: float) -> None:
        """The messages of one read as one item (:class:`Arrived`): consumers get them
        as Message events unless they take them at once (``batches(arrived=True)``)."""
        self._arrivals = True
        self.put_many([cast(T, Arrived(messages, at))])

    async def get_ready(self) -> None:
        """Wait until at least one item is queued."""
        while not self.items:
            waiter = self._waiter
            if waiter is None or waiter.done():
                waiter = self._waiter = asyncio.get_running_loop().create_future()
            await asyncio.shield(waiter)  # one consumer's cancellation spares the others

    async def batches(self, *, arrived: bool = False) -> AsyncIterator[list[T]]:
        """Every item in order, as lists of those already waiting; ends at the end mark.

        Front ends write in batches (one flush per batch): a burst of messages costs one
        wake-up, and nothing waits in a buffer once the burst is over. ``arrived``: the
        messages of a read come as one :class:`Arrived` item (else as Message events).
        """
        items = self.items
        while True:
            if not items:
                await self.get_ready()
            batch = list(items)
            items.clear()
            if self._arrivals and not arrived:
                batch = _expanded(batch)
            ended = batch[-1] is None  # the end mark comes last
            if ended:
                batch.pop()
            if batch:
                yield batch  # type: ignore[misc]  # None was only ever last
            if ended:
                return


def _expanded(batch: list[T | None]) -> list[T | None]:
    """``batch`` with every Arrived item as its Message events."""
    expanded: list[T | None] = []
    for item in batch:
        if type(item) is Arrived:
            expanded += cast(list[T], item.messages())
        else:
            expanded.append(item)
    return expanded
