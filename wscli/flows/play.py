"""``wscli run``: one script played as a client over one connection, step by step.

Each step's outcome goes to ``report`` as it completes; the result says how the script
ended, with the exit status of README's table (9: an expectation failed, 6: one timed
out, 3/4/5: no connection, 7/8: the connection closed under a step, 130: interrupted).
"""

import asyncio
import contextlib
import time
from collections import ChainMap, deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wscli.client.session import Session
from wscli.errors import UsageError, WscliError
from wscli.flows.runner import before_interrupt
from wscli.options import ConnectOptions
from wscli.protocol.codes import close_code_name
from wscli.protocol.events import Closed, Event, Failed, Message
from wscli.script.match import captures_of, expect, fill, payload_of
from wscli.script.report import ScriptResult, StepResult
from wscli.script.syntax import Script, Step, names_in
from wscli.status import ExitStatus

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect
    from wscli.flows.speaking import Speaker

__all__ = ["play"]

_NORMAL = (1000, 1001, 1005)


class _Failed(Exception):
    def __init__(self, status: ExitStatus, *details: str) -> None:
        super().__init__(details[0] if details else status.name)
        self.status = status
        self.details = details


class _Player:
    """The steps of one script over one session; messages arrive through an inbox."""

    def __init__(
        self,
        script: Script,
        session: Session,
        values: Mapping[str, str],
        dialect: "Dialect | None" = None,
    ) -> None:
        self.script = script
        self.session = session
        #: The dialect's protocol errors, each failing the expectation waiting for it.
        self.protocol_errors: list[str] = []
        self.speaker: Speaker | None = None
        if dialect is not None:
            from wscli.flows import speaking

            self.speaker = speaking.Speaker(dialect, session, self._protocol_error)
        self.captured: dict[str, Any] = {}
        self.values = ChainMap(self.captured, dict(values))
        self.inbox: deque[str | bytes] = deque()
        self.closed: Closed | None = None
        self.failure: str | None = None
        self.arrived = asyncio.Event()
        self.skipped: list[str] = []
        self.matched = ""  # what the last expectation matched

    def _protocol_error(self, line: str) -> None:
        self.protocol_errors.append(line)
        self.arrived.set()

    def send_many(self, messages: list[str | bytes]) -> int:
        """Send application messages (through the dialect, if any); how many went."""
        if self.speaker is not None:
            return self.speaker.send(messages)
        return self.session.send_many(messages)

    async def pump(self, on_events: Callable[[list[Event]], None] | None) -> None:
        async for events in self.session.event_batches():
            batch = events if self.speaker is None else self.speaker.translate(events)
            if on_events is not None:
                on_events(batch)
            for event in batch:
                if isinstance(event, Message) and event.direction == "in":
                    self.inbox.append(event.data)
                elif isinstance(event, Closed):
                    self.closed = event
                elif isinstance(event, Failed):
                    self.failure = event.message
            self.arrived.set()

    async def next_message(self, deadline: float, what: str) -> str | bytes:
        """The next received message that no ``ignore`` pattern skips."""
        while True:
            if self.protocol_errors:
                raise _Failed(ExitStatus.EXPECTATION_FAILED, self.protocol_errors.pop(0))
            while self.inbox:
                message = self.inbox.popleft()
                text = message if isinstance(message, str) else None
                if text is not None and any(p.search(text) for p in self.script.ignore):
                    continue
                return message
            if self.closed is not None:
                raise self.closed_under(what)
            await self._arrival(
                deadline, f"timed out after {self.script.timeout:g} s waiting for {what}"
            )

    async def _arrival(self, deadline: float, late: str) -> None:
        """Wait for the next events (or the deadline: then fail with ``late``)."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise _Failed(ExitStatus.TIMEOUT, late, *self.skipped_lines())
        self.arrived.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):  # no task per wait
                await self.arrived.wait()

    def payload(self, step: Step) -> str | bytes:
        try:
            return payload_of(step, self.values, lambda path: Path(path).read_bytes())
        except UsageError as error:  # hex made invalid by a value, a file not there
            raise _Failed(ExitStatus.USAGE_ERROR, error.message) from None

    async def _closing(self, what: str, deadline: float) -> _Failed:
        """The failure of a step the connection closed under: the close event tells how
        (it is awaited until the deadline)."""
        with contextlib.suppress(_Failed):
            while self.closed is None:
                await self._arrival(deadline, "")
        if self.closed is None:
            return _Failed(ExitStatus.CLOSED_ABNORMALLY, f"the connection is closing: {what}")
        return self.closed_under(what)

    def closed_under(self, what: str) -> _Failed:
        closed = self.closed
        assert closed is not None
        if closed.code == 1006 or self.failure is not None:
            status = ExitStatus.CLOSED_ABNORMALLY
        elif closed.code in _NORMAL:
            status = ExitStatus.EXPECTATION_FAILED
        else:
            status = ExitStatus.CLOSED_WITH_ERROR_CODE
        why = self.failure or f"closed {closed.code} ({close_code_name(closed.code)})" + (
            f' "{closed.reason}"' if closed.reason else ""
        )
        return _Failed(
            status, f"the connection closed while waiting for {what}: {why}", *self.skipped_lines()
        )

    def skipped_lines(self) -> list[str]:
        return [f"skipped: {line}" for line in self.skipped]

    async def run(self, step: Step) -> None:
        if self.skipped:
            self.skipped = []
        self.matched = ""
        deadline = asyncio.get_running_loop().time() + self.script.timeout
        kind = step.kind
        if kind == "expect" and self.inbox and not self.script.ignore and not self.protocol_errors:
            message = self.inbox.popleft()  # the common case: it is here already
            outcome = expect(step, message, self.values)
            if not outcome.ok:
                raise _Failed(ExitStatus.EXPECTATION_FAILED, outcome.difference)
            if outcome.captured:
                self.captured.update(outcome.captured)
            self.matched = _short(message)
        elif kind == "send":
            if not self.send_many([self.payload(step)]):
                raise await self._closing("the send", deadline)
        elif kind in ("expect", "skip-to"):
            await self._expect(step, deadline)
        elif step.kind == "ping":
            try:
                await asyncio.wait_for(
                    self.session.ping(fill(step.arg, self.values)), self.script.timeout
                )
            except TimeoutError:
                raise _Failed(
                    ExitStatus.TIMEOUT, f"no pong within {self.script.timeout:g} s"
                ) from None
            except UsageError:  # not OPEN: the server closed first
                raise await self._closing("the ping", deadline) from None
        elif step.kind == "sleep":
            await asyncio.sleep(step.seconds)
        elif step.kind == "close":
            await self._close(step.code, fill(step.reason or "", self.values))
        elif step.kind == "expect-close":
            await self._expect_close(step, deadline)

    async def _expect(self, step: Step, deadline: float) -> None:
        what = f"a message matching {step.arg}" if step.kind == "skip-to" else "the next message"
        while True:
            message = await self.next_message(deadline, what)
            outcome = expect(step, message, self.values)
            if outcome.ok:
                self.captured.update(outcome.captured)
                self.matched = _short(message)
                return
            if step.kind == "expect":
                raise _Failed(ExitStatus.EXPECTATION_FAILED, outcome.difference)
            self.skipped.append(_short(message))

    async def _close(self, code: int | None, reason: str) -> None:
        try:
            if self.speaker is not None:
                self.speaker.close()
            closed = await asyncio.wait_for(self.session.close(code, reason), self.script.timeout)
        except TimeoutError:
            await self.session.abort()
            raise _Failed(
                ExitStatus.TIMEOUT,
                f"the server did not answer the close within {self.script.timeout:g} s",
            ) from None
        if not closed.was_clean:
            raise _Failed(
                ExitStatus.CLOSED_ABNORMALLY,
                self.failure or "the closing handshake did not complete (1006)",
            )

    async def _expect_close(self, step: Step, deadline: float) -> None:
        while self.closed is None:
            while self.inbox:
                self.skipped.append(_short(self.inbox.popleft()))
            await self._arrival(
                deadline, f"the server did not close within {self.script.timeout:g} s"
            )
        closed = self.closed
        reason = None if step.reason is None else fill(step.reason, self.values)
        wanted = f"{step.code}" + (f' "{reason}"' if reason is not None else "")
        got = f"{closed.code}" + (f' "{closed.reason}"' if closed.reason else "")
        if closed.code != step.code or (reason is not None and closed.reason != reason):
            raise _Failed(
                ExitStatus.EXPECTATION_FAILED,
                f"expected a close {wanted}, got {got}",
                *self.skipped_lines(),
            )


class _Ahead:
    """``pipeline yes``: sends go out as soon as nothing they wait for is pending: the
    steps before them that are no expectation (ping, sleep, close), and the expectations
    that capture a name they use. They leave in order, in batches."""

    def __init__(self, steps: list[Step], player: _Player) -> None:
        self.steps = steps
        self.player = player
        self.sent: set[int] = set()
        self._next = 0  # the first step not yet looked at
        self._after: dict[int, int] = {}  # send step -> the last step it waits for
        self._blocked_until = -1  # the step the next send waits for
        barrier, captures = -1, dict[str, int]()
        for index, step in enumerate(steps):
            if step.kind == "send":
                used = names_in(step.arg)
                waits = [captures[name] for name in used if name in captures]
                self._after[index] = max([barrier, *waits])
            elif step.kind in ("expect", "skip-to"):
                for name in captures_of(step, set()):
                    captures[name] = index
            else:
                barrier = index

    def advance(self, done: int) -> None:
        """The steps up to ``done`` are complete: send every send step free to go."""
        if done < self._blocked_until:
            return
        steps, batch, indices = self.steps, list[str | bytes](), list[int]()
        index = self._next
        while index < len(steps):
            if steps[index].kind == "send":
                if self._after[index] > done:
                    self._blocked_until = self._after[index]
                    break
                batch.append(self.player.payload(steps[index]))
                indices.append(index)
            index += 1
        self._next = index
        if batch:
            self.sent.update(indices[: self.player.send_many(batch)])


def _short(message: str | bytes, limit: int = 100) -> str:
    text = message if isinstance(message, str) else message.hex() + " (hex)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


async def play(
    script: Script,
    options: ConnectOptions,
    values: Mapping[str, str],
    report: Callable[[StepResult], None],
    interrupt: asyncio.Event,
    on_events: Callable[[list[Event]], None] | None = None,
    dialect: "Dialect | None" = None,
) -> ScriptResult:
    """Play ``script`` against ``options.url``; report each step; the result.
    ``on_events``: called with every batch of the connection's events (--jsonl)."""
    started = time.monotonic()
    session = Session(options)
    session.report_sent = on_events is not None  # the player reads what arrives only
    player = _Player(script, session, values, dialect)
    pump = asyncio.create_task(player.pump(on_events))
    results: list[StepResult] = []

    def result(status: ExitStatus, failure: str = "", line: int = 0) -> ScriptResult:
        return ScriptResult(
            script, status, tuple(results), time.monotonic() - started, failure, line
        )

    steps = list(script.steps)
    if not any(step.kind in ("close", "expect-close") for step in steps):
        steps.append(Step(0, "(end of script: close 1000)", "close", code=1000, reason=""))
    ended: list[tuple[ExitStatus, str, int]] = []

    async def run_steps() -> None:
        ended.append(await _run_steps(steps, player, results, report))

    try:
        try:
            opened = await before_interrupt(session.open(), interrupt)
            if opened and player.speaker is not None:
                player.speaker.open()
                beating = asyncio.create_task(player.speaker.keep_beating())
                pump.add_done_callback(lambda _: beating.cancel())
        except WscliError as error:
            return result(error.status, error.message)
        if not opened or not await before_interrupt(run_steps(), interrupt):  # one task
            line = steps[len(results)].line if len(results) < len(steps) else 0
            return result(ExitStatus.INTERRUPTED, "interrupted", line)
        return result(*ended[0])
    finally:
        if session.ready_state.value < 2:
            await _close_quietly(session, 1001 if interrupt.is_set() else 1000)
        pump.cancel()


async def _run_steps(
    steps: list[Step],
    player: _Player,
    results: list[StepResult],
    report: Callable[[StepResult], None],
) -> tuple[ExitStatus, str, int]:
    """Each step in turn (sends ahead with ``pipeline yes``), each reported and added
    to ``results``; how it ended: status, the failure, its line."""
    ahead = _Ahead(steps, player) if player.script.pipeline else None
    sent: set[int] = set()
    if ahead is not None:
        ahead.advance(-1)
        sent = ahead.sent
    clock = time.monotonic
    begun = clock()
    for index, step in enumerate(steps):
        try:
            if index not in sent:
                await player.run(step)
            if ahead is not None:
                ahead.advance(index)
        except _Failed as failed:
            results.append(StepResult(step, False, clock() - begun, failed.details))
            report(results[-1])
            return failed.status, failed.details[0] if failed.details else "", step.line
        now = clock()
        results.append(StepResult(step, True, now - begun, (), player.matched))
        report(results[-1])
        begun = now
    return ExitStatus.OK, "", 0


async def _close_quietly(session: Session, code: int) -> None:
    try:
        await asyncio.wait_for(session.close(code, "", drain=False), 2)
    except (TimeoutError, WscliError):
        await session.abort()
