"""``listen --script FILE``: each connection plays the server's side of a script.

The script reads as for ``wscli run``, from the other end: a ``>`` line is a message the
client must send (the same matching and captures as ``<`` in ``run``), a ``<`` line one
to send it (names filled in; a JSON pattern is sent as written), ``sleep`` pauses,
``ping`` waits for the client's ping (the library pongs), ``close`` waits for the client
to close so, and ``expect-close`` closes so. A script without either waits for the client's 1000. A
client that deviates is closed with 1008 and a reason naming the script line; what was
expected and what came goes to the front end (stderr, --jsonl).
"""

import asyncio
import contextlib
import time
from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from wscli.errors import UsageError
from wscli.protocol.codes import close_code_name
from wscli.protocol.events import Closed, Ping, Pong, ReadyState
from wscli.script.match import expect, fill, payload_of
from wscli.script.report import StepResult
from wscli.script.syntax import Script, Step
from wscli.server.listener import Attach, Peer

__all__ = ["ScriptOutcome", "attach_script"]

_MAX_REASON = 123  # bytes of UTF-8 in a close frame


class ScriptOutcome(NamedTuple):
    """How one connection followed the script."""

    conn_id: int
    ok: bool
    steps: int
    seconds: float
    failed: StepResult | None = None


class _Deviation(Exception):
    def __init__(self, *details: str) -> None:
        super().__init__(details[0])
        self.details = details


class _ServerSide:
    """One connection's walk through the script."""

    def __init__(self, script: Script, peer: Peer, values: Mapping[str, str]) -> None:
        self.script = script
        self.peer = peer
        self.captured: dict[str, Any] = {}
        self.values = ChainMap(self.captured, dict(values))
        self.inbox: list[str | bytes] = []
        self.arrived = asyncio.Event()
        self.closed: Closed | None = None
        self.pings: list[bytes] = []  # the client's pings not yet awaited by a step
        peer.on_control = self.control

    def control(self, event: Ping | Pong) -> None:
        """The peer's ``on_control``: the client's pings (pongs are the library's)."""
        if isinstance(event, Ping) and event.direction == "in":
            self.pings.append(event.data)
            self.arrived.set()

    def receive(self, data: str | bytes) -> None:
        """The peer's ``on_message``: a client message, in order."""
        self.inbox.append(data)
        self.arrived.set()

    def watch_close(self) -> "asyncio.Future[Closed]":
        watcher = asyncio.ensure_future(self.peer.wait_closed())

        def done(future: "asyncio.Future[Closed]") -> None:
            if not future.cancelled():
                self.closed = future.result()
            self.arrived.set()

        watcher.add_done_callback(done)
        return watcher

    async def _arrival(self, deadline: float, what: str) -> None:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise _Deviation(f"timed out after {self.script.timeout:g} s waiting for {what}")
        self.arrived.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                await self.arrived.wait()

    async def next_message(self, deadline: float, what: str) -> str | bytes:
        while True:
            while self.inbox:
                message = self.inbox.pop(0)
                if isinstance(message, str) and any(p.search(message) for p in self.script.ignore):
                    continue
                return message
            if self.closed is not None:
                raise _Deviation(f"the client closed ({_close_text(self.closed)}) before {what}")
            await self._arrival(deadline, what)

    async def run(self, step: Step) -> None:
        deadline = asyncio.get_running_loop().time() + self.script.timeout
        if step.kind == "send":  # the client's message
            await self._client_sends(step, deadline)
        elif step.kind in ("expect", "skip-to"):  # ours to send
            try:
                payload = payload_of(step, self.values)
            except UsageError as error:  # hex made invalid by a value
                raise _Deviation(error.message) from None
            frames = [payload] if self.peer.encode is None else self.peer.encode(payload)
            if self.peer.send_many(frames) < len(frames):
                raise _Deviation("the connection is closing: not sent")
        elif step.kind == "sleep":
            await asyncio.sleep(step.seconds)
        elif step.kind == "close":  # the client closes
            await self._client_closes(step, deadline)
        elif step.kind == "expect-close":  # we close
            await self.peer.close(step.code, fill(step.reason or "", self.values))
        elif step.kind == "ping":  # the library answers it; wait until it came
            await self._client_pings(step, deadline)

    async def _client_pings(self, step: Step, deadline: float) -> None:
        wanted = fill(step.arg, self.values).encode() if step.arg else None
        what = f"a ping {step.arg!r}" if step.arg else "a ping"
        while True:
            while self.pings:
                data = self.pings.pop(0)
                if wanted is None or data == wanted:
                    return
            if self.inbox:
                got = _short(self.inbox[0])
                raise _Deviation(f"expected {what}, got the message {got}")
            if self.closed is not None:
                raise _Deviation(f"the client closed ({_close_text(self.closed)}) before {what}")
            await self._arrival(deadline, what)

    async def _client_sends(self, step: Step, deadline: float) -> None:
        message = await self.next_message(deadline, f"a message matching {step.arg}")
        if step.form == "file":
            wanted = Path(fill(step.arg, self.values)).read_bytes()
            if message != wanted:
                raise _Deviation(f"expected the {len(wanted)} bytes of {step.arg}")
            return
        outcome = expect(step, message, self.values)
        if not outcome.ok:
            raise _Deviation(outcome.difference)
        self.captured.update(outcome.captured)

    async def _client_closes(self, step: Step, deadline: float) -> None:
        reason = fill(step.reason or "", self.values)
        wanted = f"{step.code}" + (f' "{reason}"' if reason else "")
        while self.closed is None:
            if self.inbox:
                got = _short(self.inbox.pop(0))
                raise _Deviation(f"expected the client to close with {wanted}, got {got}")
            await self._arrival(deadline, f"the client to close with {wanted}")
        closed = self.closed
        if closed.code != step.code or (reason and closed.reason != reason):
            raise _Deviation(
                f"expected the client to close with {wanted}, got {_close_text(closed)}"
            )


def _close_text(closed: Closed) -> str:
    text = f"{closed.code} ({close_code_name(closed.code)})"
    return text + (f' "{closed.reason}"' if closed.reason else "")


def _short(message: str | bytes, limit: int = 100) -> str:
    text = repr(message) if isinstance(message, str) else message.hex() + " (hex)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reason(script: Script, step: Step) -> str:
    """The 1008 close reason: the script line the client did not follow."""
    where = f"{Path(script.path).name}:{step.line}" if step.line else Path(script.path).name
    reason = f"did not follow {where}: {step.source.strip()}"
    data = reason.encode("utf-8")
    if len(data) <= _MAX_REASON:
        return reason
    return data[: _MAX_REASON - 3].decode("utf-8", "ignore") + "..."


def attach_script(
    script: Script, values: Mapping[str, str], report: Callable[[ScriptOutcome], None]
) -> Attach:
    """The listener's ``attach`` hook for ``--script``: each new peer plays the script;
    ``report`` gets how it went."""
    steps = list(script.steps)
    if not any(step.kind in ("close", "expect-close") for step in steps):
        steps.append(Step(0, "(end of script: close 1000)", "close", code=1000, reason=""))

    def attach(peer: Peer) -> Awaitable[None]:
        side = _ServerSide(script, peer, values)
        if peer.dialect_sink is not None:  # --dialect: its application messages
            peer.dialect_sink.on_application = side.receive
        else:
            peer.on_message = side.receive
        return _serve(side, steps, report)

    return attach


async def _serve(
    side: _ServerSide, steps: list[Step], report: Callable[[ScriptOutcome], None]
) -> None:
    started = time.monotonic()
    peer = side.peer
    watcher = side.watch_close()
    try:
        for done, step in enumerate(steps):
            begun = time.monotonic()
            try:
                await side.run(step)
            except _Deviation as deviation:
                failed = StepResult(step, False, time.monotonic() - begun, deviation.details)
                if peer.ready_state is ReadyState.OPEN:
                    await peer.close(1008, _reason(side.script, step))
                report(ScriptOutcome(peer.id, False, done, time.monotonic() - started, failed))
                return
        report(ScriptOutcome(peer.id, True, len(steps), time.monotonic() - started))
    finally:
        watcher.cancel()
