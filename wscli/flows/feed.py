"""One loop from an input source (stdin lines, MESSAGE arguments) to where messages go:
one client session, or every client of ``listen``."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Protocol

from wscli.flows.stdin import Control, Item
from wscli.link.connection import Link
from wscli.protocol.jsonl_input import CloseRequest

__all__ = ["Destination", "feed", "send_control"]


class Destination(Protocol):
    """Where :func:`feed` sends: it takes messages a batch at a time and may ask to wait."""

    def take(self, batch: list[Item], first: int) -> int:
        """Send ``batch``, whose first message is number ``first`` (from 1); return how
        many were taken (fewer than all: take no more). A control (a ping, a close) comes
        alone in its batch."""
        ...

    async def room(self) -> None:
        """Wait, after a batch, until there is room for more (backpressure)."""
        ...


async def feed(source: AsyncIterator[list[Item]], destination: Destination) -> None:
    """Send every message of ``source`` to ``destination``, a batch at a time, until the
    source ends or the destination takes no more.

    Raises:
        UsageError: the source's next message is bad input (those before it were sent).
    """
    number = 0
    async for batch in source:
        taken = destination.take(batch, number + 1)
        if taken < len(batch):
            return
        number += taken
        await destination.room()


def send_control(link: Link, control: Control) -> None:
    """Ping or close ``link`` (``--input-format jsonl``'s events) without waiting: a
    failure is the connection's own, reported by its events."""
    job: Awaitable[object]
    if isinstance(control, CloseRequest):
        job = link.close(control.code, control.reason)
    else:
        job = link.ping(control.data)
    task = asyncio.ensure_future(job)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
