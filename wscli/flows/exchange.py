"""Messages in, replies out: the flow behind ``connect`` in a pipe and ``send``.

Input (stdin lines or arguments) is queued from the start, also while CONNECTING; received
messages go to the output as they arrive. When the input ends, wscli waits for replies by
the rules (count, until, idle, timeout, keep-open), then closes with 1000 and waits for the
server's close frame.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, cast

from wscli.client.session import Session
from wscli.errors import UsageError, WscliError
from wscli.flows.consuming import Consumer, matcher
from wscli.flows.feed import feed
from wscli.flows.stdin import Item, Payload, is_control
from wscli.options import StreamRules, WaitRules
from wscli.output import Output
from wscli.protocol.events import Closed
from wscli.protocol.jsonl_input import CloseRequest, PingRequest
from wscli.protocol.verdict import Verdict, judge
from wscli.status import ExitStatus

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect
    from wscli.flows.speaking import Speaker
    from wscli.script.streams import Streams

__all__ = ["Exchange"]

#: Stop reading input while more than this many bytes wait to be written.
_HIGH_WATER = 1024 * 1024  # 4 batches (FLUSH_BYTES): memory flat, the socket fed
_LOW_WATER = 512 * 1024
#: After --timeout, how long the closing handshake may still take.
_CLOSE_GRACE = 1.0


class Exchange(Consumer):
    """One run of ``connect`` (pipe mode) or ``send``: feed, receive, wait, close, judge."""

    def __init__(
        self,
        session: Session,
        output: Output,
        rules: WaitRules,
        *,
        interrupt: asyncio.Event | None = None,
        streams: StreamRules | None = None,
        dialect: "Dialect | None" = None,
    ) -> None:
        self.session = session
        self.output = output
        self.speaker = None if dialect is None else self._speaker(dialect)
        self.every = streams.every if streams is not None else ()
        self.streams: Streams | None = None
        if streams is not None and (streams.replies or streams.filters or streams.ignores):
            from wscli.script import streams as rules_of

            self.streams = rules_of.Streams(streams.replies, streams.filters, streams.ignores)
        self.rules = rules
        self.interrupt = interrupt or asyncio.Event()
        self.received = 0
        self.matched = False
        self.input_error: WscliError | None = None
        self.failure: str | None = None
        self._wake = asyncio.Event()
        self._satisfied = False
        self._output_closed = False
        self._last_activity = 0.0
        self._consumers: list[asyncio.Task[None]] = []  # one per connection
        #: --input-format jsonl's close: the input ended with it, wscli closes so.
        self.close_request: CloseRequest | None = None
        self._pings: list[bytes] = []
        self._timers: list[asyncio.Task[None]] = []

    def _speaker(self, dialect: "Dialect") -> "Speaker":
        from wscli.flows.speaking import Speaker

        output = self.output
        raw = output.options.verbose and output.options.jsonl
        return Speaker(
            dialect,
            self.session,
            lambda line: output.status.line(line, "bad", always=True),
            (lambda frame: output.filtered(frame, mark="raw")) if raw else None,
        )

    def _opened(self) -> None:
        """The session is OPEN: the dialect's opening and heart-beats."""
        if self.speaker is not None:
            self.speaker.open()
            self._timers.append(asyncio.create_task(self.speaker.keep_beating()))

    async def _again(self, deadline: float | None) -> bool:
        """The connection closed under the exchange: whether a new one goes on with it
        (``--reconnect``: see :mod:`wscli.flows.redial`)."""
        return False

    async def carry_out(self, source: AsyncIterator[list[Item]]) -> Verdict:
        """The whole exchange: open, feed ``source``, wait, close; return the verdict (the
        error path is the caller's)."""
        loop = asyncio.get_running_loop()
        self.session.report_sent = self.output.wants_sent
        deadline = None if self.rules.timeout is None else loop.time() + self.rules.timeout
        self._pattern = matcher(self.rules)
        consumer = self._consumer()
        feeder = asyncio.create_task(self._feed(source))
        feeder.add_done_callback(lambda _: self._wake.set())
        watcher = asyncio.create_task(self.interrupt.wait())
        watcher.add_done_callback(lambda _: self._wake.set())
        try:
            try:
                timed_out = await self._open(deadline)
            except WscliError:
                await consumer  # the error and close events still reach --jsonl
                raise
            self._timers += [asyncio.create_task(self._every(*pair)) for pair in self.every]
            self._opened()
            if not timed_out:
                timed_out = await self._wait(feeder, deadline)
                while not timed_out and await self._again(deadline):
                    timed_out = await self._wait(feeder, deadline)
            for timer in self._timers:
                timer.cancel()
            feeder.cancel()
            closed = await self._close(deadline)
            await asyncio.gather(*self._consumers)
        finally:
            for task in (feeder, watcher, *self._consumers):
                task.cancel()
        if self._output_closed:
            return Verdict(ExitStatus.OK)
        if self.input_error is not None:
            return Verdict(self.input_error.status, self.input_error.message, self.input_error.hint)
        verdict = judge(
            closed,
            self.rules,
            received=self.received,
            matched=self.matched,
            timed_out=timed_out,
            interrupted=self.interrupt.is_set(),
            failure=self.failure,
        )
        return verdict if self.speaker is None else self.speaker.verdict(verdict)

    def _consumer(self) -> "asyncio.Task[None]":
        """A task that reads the current session's events until it is CLOSED."""
        consumer = asyncio.create_task(self._consume(self._pattern))
        consumer.add_done_callback(lambda _: self._wake.set())
        self._consumers.append(consumer)
        return consumer

    async def _close(self, deadline: float | None) -> Closed:
        """Close (1000, or 1001 when interrupted or stdout went away), but drop the
        connection when a signal comes or the deadline (plus a short grace for the closing
        handshake) passes first. Queued messages never sent are reported."""
        session = self.session
        going_away = self.interrupt.is_set() or self._output_closed
        if self.speaker is not None:
            self.speaker.close()
        code: int | None = 1001 if going_away else 1000
        reason = ""
        if self.close_request is not None and not going_away:
            code, reason = self.close_request.code, self.close_request.reason
        closer = asyncio.ensure_future(session.close(code, reason, drain=not going_away))
        waiting: list[asyncio.Future[Any]] = [closer]
        if not self.interrupt.is_set():
            waiting.append(asyncio.ensure_future(self.interrupt.wait()))
        timeout = None
        if deadline is not None:
            timeout = max(deadline - asyncio.get_running_loop().time(), 0) + _CLOSE_GRACE
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for future in waiting[1:]:
            future.cancel()
        if closer not in done:
            closer.cancel()
            await session.abort()
        if session.unsent:
            self.output.status.line(
                f"{session.unsent} queued messages were not sent", "warn", always=True
            )
        return await session.wait_closed()

    async def _open(self, deadline: float | None) -> bool:
        """Open the session; True when the overall deadline passed first."""
        opener = asyncio.create_task(self.session.open())
        opener.add_done_callback(lambda _: self._wake.set())
        while not opener.done():
            self._wake.clear()
            if self.interrupt.is_set():
                opener.cancel()
                break
            timeout = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if timeout is not None and timeout <= 0:
                opener.cancel()
                await asyncio.gather(opener, return_exceptions=True)
                return True
            await _wait_event(self._wake, timeout)
        try:
            await opener
        except asyncio.CancelledError:
            if not self.interrupt.is_set():
                raise
        except WscliError as error:
            unsent = self.session.unsent
            if unsent:
                plural = "message was" if unsent == 1 else "messages were"
                error.message += f"; {unsent} queued {plural} not sent"
            raise
        self._last_activity = asyncio.get_running_loop().time()
        return False

    async def _wait(self, feeder: "asyncio.Task[None]", deadline: float | None) -> bool:
        """Wait until a rule says stop; True when the overall deadline passed first."""
        loop = asyncio.get_running_loop()
        rules, session = self.rules, self.session
        idle = rules.idle_seconds
        while True:
            self._wake.clear()
            if session.close_event is not None or self.interrupt.is_set():
                return False
            if self._output_closed or (self._satisfied and not rules.waits_for_server):
                return False
            if self.close_request is not None:
                return False
            if self.speaker is not None and self.speaker.fatal:
                return False
            now = loop.time()
            if deadline is not None and now >= deadline:
                return True
            timeout = None if deadline is None else deadline - now
            if feeder.done() and self._settled():
                return False
            if feeder.done() and idle is not None:
                idle_left = self._last_activity + idle - now
                if idle_left <= 0:
                    return False
                timeout = idle_left if timeout is None else min(timeout, idle_left)
            await _wait_event(self._wake, timeout)

    def _settled(self) -> bool:
        """--dialect, and no rule given: every request was answered, nothing to wait for."""
        speaker, rules = self.speaker, self.rules
        if speaker is None or not speaker.settled:
            return False
        return (
            rules.idle is None
            and rules.count is None
            and rules.wanted_match is None
            and not rules.waits_for_server
        )

    async def _feed(self, source: AsyncIterator[list[Item]]) -> None:
        try:
            await feed(source, self)
        except UsageError as error:
            self.input_error = error
        await self._fed()

    def take(self, batch: list[Item], first: int) -> int:
        """The feed's destination: the session (none taken once it is CLOSING), through
        the dialect when there is one. A ping is sent by :meth:`room`, after the messages
        before it; a close ends the input and closes with its code."""
        if is_control(batch):
            control = batch[0]
            if isinstance(control, CloseRequest):
                self.close_request = control
                self._wake.set()
                return 0
            assert isinstance(control, PingRequest)
            self._pings.append(control.data)
            return 1
        messages = cast(list[Payload], batch)
        if self.speaker is not None:
            taken = self.speaker.send(messages)
            if taken and self.output.recorder is not None:
                self.output.recorder.record_sent(messages[:taken])
            return taken
        return self.session.send_many(messages)

    async def room(self) -> None:
        """Backpressure: stop reading input while too much waits to be written."""
        while self._pings:
            await self.session.send_ping(self._pings.pop(0))
        if self.session.buffered_amount > _HIGH_WATER:
            await self.session.wait_buffered_below(_LOW_WATER)

    async def _every(self, seconds: float, message: str) -> None:
        """--every: send ``message`` every ``seconds`` while the connection is open."""
        while True:
            await asyncio.sleep(seconds)
            if not self._send_messages([message]):
                return

    def _send_messages(self, messages: list[str]) -> bool:
        """Send application messages; False once the connection is CLOSING."""
        return self.take(list[Item](messages), 0) > 0 or not messages

    async def _fed(self) -> None:
        """The input ended: wait until it is all written; the idle rule starts now."""
        await self.session.drain()
        self._last_activity = max(self._last_activity, asyncio.get_running_loop().time())


async def _wait_event(event: asyncio.Event, timeout: float | None) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)
