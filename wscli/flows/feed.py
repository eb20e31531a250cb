"""One loop from an input source (stdin lines, MESSAGE arguments) to where messages go:
one client session, or every client of ``listen``."""

from collections.abc import AsyncIterator
from typing import Protocol

from wscli.flows.stdin import Payload

__all__ = ["Destination", "feed"]


class Destination(Protocol):
    """Where :func:`feed` sends: it takes messages one by one and may ask to wait."""

    def take(self, payload: Payload, number: int) -> bool:
        """Send message number ``number`` (from 1); False: take no more."""
        ...

    async def room(self) -> None:
        """Wait, after a batch, until there is room for more (backpressure)."""
        ...


async def feed(source: AsyncIterator[list[Payload]], destination: Destination) -> None:
    """Send every message of ``source`` to ``destination``, a batch at a time, until the
    source ends or the destination takes no more.

    Raises:
        UsageError: the source's next message is bad input (those before it were sent).
    """
    number = 0
    async for batch in source:
        for payload in batch:
            number += 1
            if not destination.take(payload, number):
                return
        await destination.room()
