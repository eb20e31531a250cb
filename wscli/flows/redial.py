"""``--reconnect`` in a pipe and for ``send``: the exchange goes on over a new connection.

When the server closes or the connection drops before the exchange is over (no rule
satisfied yet, no ``--expect-close``, no signal), wscli waits (exponential backoff with
full jitter: :mod:`wscli.protocol.backoff`), connects again with the same options, sends
the ``-x`` messages and the dialect's opening again, then the messages that were queued
but never written, then stdin's lines read meanwhile. Nothing is dropped: while
disconnected, stdin is read until 1 MiB waits, then no more until the connection is
back. Each attempt is a status line and a ``reconnect`` event in --jsonl. A TLS failure
or a 4xx answer ends it at once; ``--reconnect-max N`` after N failed attempts in a row
(the exit status is the last failure's). Lines already written to the socket when a
connection dropped cannot be known to have arrived.
"""

import asyncio
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from wscli.client.session import Session
from wscli.errors import WscliError, is_permanent
from wscli.flows.exchange import Exchange
from wscli.flows.stdin import Item, Payload, is_control
from wscli.options import StreamRules, WaitRules
from wscli.output import Output
from wscli.protocol.backoff import backoff_delays
from wscli.protocol.events import Closed
from wscli.render import timestamp

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect

__all__ = ["ReconnectingExchange"]

#: While disconnected, stop reading input once this much waits (bytes).
PENDING_LIMIT = 1024 * 1024


class ReconnectingExchange(Exchange):
    """An :class:`Exchange` that connects again when its connection ends too early."""

    def __init__(
        self,
        session: Session,
        output: Output,
        rules: WaitRules,
        *,
        make_session: Callable[[], Session],
        first_messages: list[Payload],
        max_attempts: int | None = None,
        interrupt: asyncio.Event | None = None,
        streams: StreamRules | None = None,
        dialect: "Dialect | None" = None,
    ) -> None:
        super().__init__(
            session, output, rules, interrupt=interrupt, streams=streams, dialect=dialect
        )
        self._make_session = make_session
        self._first = first_messages
        self._max_attempts = max_attempts
        #: Messages taken while disconnected (None: connected).
        self._pending: list[Payload] | None = None
        self._pending_bytes = 0
        self._back = asyncio.Event()  # set while connected
        self._back.set()

    def take(self, batch: list[Item], first: int) -> int:
        if is_control(batch):  # a ping while disconnected is not sent; a close ends
            return super().take(batch, first)
        rest = cast(list[Payload], batch)
        if self._pending is None:
            taken = super().take(batch, first)
            if taken == len(batch) or not self._may_reconnect():
                return taken
            self._disconnected()
            rest = rest[taken:]
        assert self._pending is not None
        self._pending += rest
        self._pending_bytes += sum(map(len, rest))
        return len(batch)

    async def room(self) -> None:
        if self._pending is not None and self._pending_bytes > PENDING_LIMIT:
            await self._back.wait()
            return
        await super().room()

    def _disconnected(self) -> None:
        if self._pending is None:
            self._pending, self._pending_bytes = [], 0
            self._back.clear()

    def _may_reconnect(self) -> bool:
        closed = self.session.close_event
        if self.interrupt.is_set() or self._output_closed or self._satisfied:
            return False
        if self.rules.expect_close is not None:  # the close is the expected end
            return False
        return closed is None or closed.initiated_by != "client"

    async def _again(self, deadline: float | None) -> bool:
        closed = self.session.close_event
        if closed is None or not self._may_reconnect():
            return False
        self._disconnected()
        why = _ended(closed)
        for attempt, delay in enumerate(backoff_delays(), start=1):
            self._announce(attempt, delay, why)
            try:
                async with asyncio.timeout(delay):
                    await self.interrupt.wait()
                return False  # interrupted while waiting
            except TimeoutError:
                pass
            old, self.session = self.session, self._make_session()
            self.session.report_sent = old.report_sent
            try:
                await self._open(deadline)
            except WscliError as error:
                if is_permanent(error) or attempt == self._max_attempts:
                    raise
                why = error.message
                continue
            self._resume(old)
            return True  # a deadline that passed meanwhile: the next wait says so
        return False  # pragma: no cover (backoff_delays is endless)

    def _resume(self, old: Session) -> None:
        """Connected again: the opening, -x, what the old connection never wrote, and
        what was read meanwhile."""
        self._consumer()
        if self.speaker is not None:
            from wscli.dialect.registry import make_dialect

            self.speaker = self._speaker(make_dialect(self.speaker.dialect.settings))
            unsent = old.take_unsent()  # a dead dialect session's frames: not resent
            if unsent:
                line = f"{len(unsent)} frames of the closed connection were not sent"
                self.output.status.line(line, "warn", always=True)
            unsent = []
        else:
            unsent = old.take_unsent()
        self._opened()
        pending, self._pending = self._pending or [], None
        for batch in (self._first, unsent, pending):
            if batch:
                super().take(list(batch), 0)
        self._back.set()

    def _announce(self, attempt: int, delay: float, why: str) -> None:
        limit = f" of {self._max_attempts}" if self._max_attempts else ""
        line = f"{why}; reconnecting in {delay:.1f} s (attempt {attempt}{limit})"
        self.output.status.line(line, "warn")
        if self.output.options.jsonl:
            record = {
                "event": "reconnect",
                "time": timestamp(time.time()),
                "attempt": attempt,
                "delay": round(delay, 3),
                "after": why,
            }
            self.output.data(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            self.output.flush()


def _ended(closed: Closed) -> str:
    if closed.code == 1006:
        return "the connection dropped (1006)"
    reason = f' "{closed.reason}"' if closed.reason else ""
    return f"the server closed with {closed.code}{reason}"
