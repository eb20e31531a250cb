"""``wscli listen`` off a terminal (and in its echo, broadcast and exec modes).

Client messages go to stdout (raw lines, or JSON Lines with the client's id); connections
coming and going are status lines on stderr. In the default mode, stdin lines are sent to
every connected client, and stdin's EOF does not stop the server. It serves until Ctrl-C or
SIGTERM (every client gets 1001, exit 0), or with ``--once`` until its one connection
closes (exit by that close code).
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from wscli.codes import NORMAL_CLOSE_CODES
from wscli.env import Env
from wscli.errors import OutputClosed
from wscli.events import Closed, Event, Failed, Message, Opened, Ping, Pong
from wscli.options import OutputOptions
from wscli.outcome import Verdict, judge_once
from wscli.output import StatusWriter, StdoutSink, Tone
from wscli.render import (
    closed_line,
    control_line,
    data_line,
    escape,
    event_json,
    headers_block,
    peer_opened_line,
    timestamp,
)
from wscli.server.core import Listener
from wscli.status import ExitStatus

__all__ = ["ListenOutput", "serve_pipe"]


class ListenOutput(StdoutSink):
    """Writes the listener's events: client messages to stdout, the rest to stderr."""

    def __init__(self, env: Env, options: OutputOptions) -> None:
        super().__init__(env)
        self.options = options
        self.status = StatusWriter(env, options)
        self._terminal = env.stdout_isatty

    @property
    def wants_sent(self) -> bool:
        """Only --jsonl shows what was sent."""
        return self.options.jsonl

    def listening(self, url: str) -> None:
        """Announce readiness: a status line, and a ``listening`` event with --jsonl."""
        if self.options.jsonl:
            import json

            record = {"event": "listening", "time": timestamp(time.time()), "url": url}
            self._write((json.dumps(record, separators=(",", ":")) + "\n").encode())
            self.flush()
        self.status.line(f"listening on {url}", "good", always=True)

    def event(self, conn_id: int, event: Event) -> None:
        """Write one client's event where it belongs."""
        options = self.options
        if options.jsonl:
            self._write(
                (event_json(event, conn_id=conn_id) + "\n").encode("utf-8", "surrogatepass")
            )
        if isinstance(event, Message):
            if event.direction == "in" and not options.jsonl:
                data = data_line(
                    event,
                    binary_as=options.binary_as,
                    terminal=self._terminal,
                    timestamps=options.timestamps,
                )
                self._write(f"[{conn_id}] ".encode() + data if self._terminal else data)
        elif isinstance(event, Opened):
            if options.verbose:
                for line in headers_block(
                    f"client {conn_id} request headers:", event.request_headers
                ):
                    self.status.line(line)
            self.status.line(peer_opened_line(conn_id, event), "good")
        elif isinstance(event, Ping | Pong):
            if options.show_ping_pong:
                self.status.line(f"client {conn_id}: {control_line(event)}")
        elif isinstance(event, Closed):
            tone: Tone = "good" if event.was_clean and event.code in NORMAL_CLOSE_CODES else "warn"
            self.status.line(f"client {conn_id} {closed_line(event, side='server')}", tone)
        elif isinstance(event, Failed):
            self.status.line(
                f"client {conn_id}: {escape(event.message, keep_newlines=False)}", "warn"
            )


async def serve_pipe(
    listener: Listener,
    output: ListenOutput,
    *,
    stdin: AsyncIterator[list[str | bytes]] | None,
    interrupt: asyncio.Event,
) -> Verdict:
    """Serve until interrupted (exit 0) or, with --once, until the connection closes."""
    consumer = asyncio.create_task(_consume(listener, output))
    feeder = asyncio.create_task(_feed(listener, output, stdin)) if stdin is not None else None
    stops: list[asyncio.Future[Any]] = [
        asyncio.ensure_future(interrupt.wait()),
        consumer,  # ends only when stdout is closed
    ]
    if listener.options.once:
        stops.append(listener.once_closed)
    if feeder is not None:
        stops.append(feeder)  # ends on EOF (None: keep serving) or a bad line (the error)
    verdict = Verdict(ExitStatus.OK)
    try:
        while True:
            done, _ = await asyncio.wait(stops, return_when=asyncio.FIRST_COMPLETED)
            if feeder in done:
                stops.remove(feeder)
                if feeder.exception() is None:  # stdin EOF: keep serving
                    continue
            break
        if consumer in done:
            consumer.result()  # OutputClosed: stdout went away (``| head -1``)
        if feeder is not None and feeder.done() and feeder.exception() is not None:
            raise feeder.exception()  # type: ignore[misc]
        if listener.once_closed.done():
            verdict = judge_once(listener.once_closed.result())
    finally:
        if feeder is not None:
            feeder.cancel()
        await listener.stop(1001)
        with contextlib.suppress(asyncio.TimeoutError, OutputClosed):
            await asyncio.wait_for(consumer, 2.0)  # the close events of the last clients
        consumer.cancel()
    return verdict


async def _consume(listener: Listener, output: ListenOutput) -> None:
    async for batch in listener.batches():
        for conn_id, event in batch:
            output.event(conn_id, event)
        output.flush()


async def _feed(
    listener: Listener, output: ListenOutput, stdin: AsyncIterator[list[str | bytes]]
) -> None:
    """Send stdin's lines to every client; a bad line raises UsageError (lines before it
    were sent)."""
    number = 0
    async for batch in stdin:
        for payload in batch:
            number += 1
            if listener.send_all(payload) == 0:
                output.status.line(f"stdin line {number} not sent: no client is connected", "warn")
