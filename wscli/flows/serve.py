"""``wscli listen`` off a terminal (and in its echo, broadcast and exec modes).

Client messages go to stdout (raw lines, or JSON Lines with the client's id); connections
coming and going are status lines on stderr. In the default mode, stdin lines are sent to
every connected client, and stdin's EOF does not stop the server. It serves until Ctrl-C or
SIGTERM (every client gets 1001, exit 0), or with ``--once`` until its one connection
closes (exit by that close code).
"""

import asyncio
import contextlib
import ipaddress
import json
import os
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from wscli.env import Env
from wscli.errors import OutputClosed
from wscli.flows.feed import feed, send_control
from wscli.flows.mock import ScriptOutcome, attach_script
from wscli.flows.runner import exit_status_of
from wscli.flows.stdin import Item, Payload, is_control, stdin_source
from wscli.options import ListenOptions, OutputOptions
from wscli.output import Output
from wscli.protocol.jsonl_input import CloseRequest, PingRequest
from wscli.protocol.verdict import Verdict, judge_once
from wscli.script.syntax import Script
from wscli.server.listener import Attach, Listener
from wscli.status import ExitStatus

__all__ = ["report_outcome", "serve", "serve_pipe", "start_listener"]


def serve(
    env: Env,
    options: ListenOptions,
    output_options: OutputOptions,
    *,
    script: Script | None = None,
    values: Mapping[str, str] | None = None,
) -> int:
    """``listen`` in pipe mode (not on a terminal, or --echo/--broadcast/--exec/--script/
    --jsonl); return the exit status. ``script``: --script's, with ``values`` (--var and
    the environment) for its names."""
    output = Output(env, output_options)
    outcomes: list[ScriptOutcome] = []

    async def main(interrupt: asyncio.Event) -> Verdict:
        attach = None
        if script is not None:

            def report(outcome: ScriptOutcome) -> None:
                outcomes.append(outcome)
                report_outcome(output, script, outcome)

            attach = attach_script(script, values or {}, report)
        listener = await start_listener(options, output, attach=attach)
        stdin = None
        if options.mode == "default" and not _background_terminal(env):
            stdin = stdin_source(env.stdin, options.input_format, output_options.framing)
        verdict = await serve_pipe(listener, output, stdin=stdin, interrupt=interrupt)
        if script is not None and options.once and outcomes:
            failed = outcomes[0].failed
            if failed is None:
                return Verdict(ExitStatus.OK)
            return Verdict(ExitStatus.EXPECTATION_FAILED, "the client did not follow the script")
        return verdict

    return exit_status_of(main, output.status, debug=output_options.debug)


def report_outcome(output: Output, script: Script, outcome: ScriptOutcome) -> None:
    """How a connection followed ``listen --script``'s script: stderr, and --jsonl."""
    from wscli.script.report import step_lines

    who = f"client {outcome.conn_id}"
    failed = outcome.failed
    if output.options.jsonl:
        from wscli.render import timestamp

        record: dict[str, object] = {
            "event": "script",
            "time": timestamp(time.time()),
            "id": outcome.conn_id,
            "script": script.path,
            "ok": failed is None,
            "steps": outcome.steps,
            "seconds": round(outcome.seconds, 6),
        }
        if failed is not None:
            record.update(
                line=failed.step.line, step=failed.step.source.strip(), details=failed.details
            )
        output.data(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        output.flush()
    if failed is None:
        line = f"{who}: followed {script.path} ({outcome.steps} steps, {outcome.seconds:.2f} s)"
        output.status.line(line, "good")
        return
    for text in step_lines(script, failed):
        output.status.line(f"{who}: {text}", "bad", always=True)


async def start_listener(
    options: ListenOptions, output: Output, *, attach: Attach | None = None
) -> Listener:
    """Bind (with the page and, for --exec, a program per connection; or ``attach``'s
    hook), warn about an --exec open to others, and announce the URL.

    Raises:
        WscliError: the address cannot be bound.
    """
    from wscli.render import escape
    from wscli.server.page import page_html

    if options.mode == "exec":
        from wscli.flows.program import attach_program

        attach = attach_program(options)
    page = page_html(options.path or "/") if options.page else None
    options = _within_file_limit(options, output)
    listener = Listener(options, page=page, attach=attach)
    listener.on_notice = lambda text: output.status.line(escape(text, keep_newlines=False), "bad")
    await listener.start()
    listener.report_sent = output.wants_sent
    if options.mode == "exec" and options.auth is None and not _is_loopback(options.host):
        output.status.line(
            f"WARNING: --exec on {options.host} without --auth: anyone who can reach "
            "this port runs the command",
            "bad",
            always=True,
        )
    output.listening(listener.url)
    return listener


async def serve_pipe(
    listener: Listener,
    output: Output,
    *,
    stdin: AsyncIterator[list[Item]] | None,
    interrupt: asyncio.Event,
) -> Verdict:
    """Serve until interrupted (exit 0) or, with --once, until the connection closes."""
    consumer = asyncio.create_task(_consume(listener, output))
    feeder = None
    if stdin is not None:
        feeder = asyncio.create_task(feed(stdin, _EveryClient(listener, output)))
    try:
        await _wait_for_the_end(listener, interrupt, consumer, feeder)
        if listener.once_closed.done():
            return judge_once(listener.once_closed.result())
        return Verdict(ExitStatus.OK)
    finally:
        if feeder is not None:
            feeder.cancel()
        await listener.stop(1001)
        with contextlib.suppress(asyncio.TimeoutError, OutputClosed):
            await asyncio.wait_for(consumer, 2.0)  # the close events of the last clients
        consumer.cancel()


async def _wait_for_the_end(
    listener: Listener,
    interrupt: asyncio.Event,
    consumer: "asyncio.Task[None]",
    feeder: "asyncio.Task[None] | None",
) -> None:
    """Until a signal, stdout going away (OutputClosed), a bad stdin line (UsageError) or
    --once's connection closing. stdin's EOF is not an end."""
    stops: list[asyncio.Future[Any]] = [asyncio.ensure_future(interrupt.wait()), consumer]
    if listener.options.once:
        stops.append(listener.once_closed)
    if feeder is not None:
        stops.append(feeder)
    while True:
        done, _ = await asyncio.wait(stops, return_when=asyncio.FIRST_COMPLETED)
        if feeder in done:
            stops.remove(feeder)
            feeder.result()  # a bad line: the error
            continue  # EOF: keep serving
        if consumer in done:
            consumer.result()  # OutputClosed: stdout went away (``| head -1``)
        return


async def _consume(listener: Listener, output: Output) -> None:
    async for batch in listener.batches():
        for conn_id, event in batch:
            output.event(event, conn_id)
        output.flush()


class _EveryClient:
    """The feed's destination in ``listen``: every connected client; a line that reaches
    none is reported."""

    def __init__(self, listener: Listener, output: Output) -> None:
        self.listener = listener
        self.output = output

    def take(self, batch: list[Item], first: int) -> int:
        if is_control(batch):
            return self._control(batch[0])
        for number, payload in enumerate(cast(list[Payload], batch), start=first):
            if self.listener.send_all(payload) == 0:
                line = f"stdin line {number} not sent: no client is connected"
                self.output.status.line(line, "warn")
        return len(batch)

    def _control(self, control: Item) -> int:
        """--input-format jsonl's ping goes to every client; its close closes every
        client (the server goes on) and ends the input."""
        assert isinstance(control, CloseRequest | PingRequest)
        for peer in self.listener.open_peers():
            send_control(peer, control)
        return 0 if isinstance(control, CloseRequest) else 1

    async def room(self) -> None:
        """No waiting: a client too slow for the others is closed (1008) instead."""


def _within_file_limit(options: ListenOptions, output: Output) -> ListenOptions:
    """--max-connections' default: what the open-files limit (raised to the hard limit
    first) holds; a given value over it is kept, with a warning."""
    from wscli.server.limits import default_max_connections, raise_file_limit

    most = default_max_connections(raise_file_limit(), options.mode)
    if options.max_connections is None:
        return options._replace(max_connections=most)
    if options.max_connections > most:
        output.status.line(
            f"WARNING: --max-connections {options.max_connections} is more than the"
            f" open-files limit allows ({most}): raise it with ulimit -n",
            "warn",
            always=True,
        )
    return options


def _background_terminal(env: Env) -> bool:
    """stdin is the terminal of a shell that runs wscli in the background (``&``):
    reading it would stop wscli (SIGTTIN), so the server would serve nobody."""
    if not env.stdin_isatty:
        return False
    try:
        return os.tcgetpgrp(env.stdin.fileno()) != os.getpgrp()
    except OSError:
        return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
