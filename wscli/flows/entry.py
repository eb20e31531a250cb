"""Each client command's entry point: option sets in, exit status out. Click-free.

``exchange_messages`` runs ``connect`` in a pipe and ``send``; ``close_and_report`` runs
``close``; :func:`connect_target` starts the built-in echo server when no URL is given.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from wscli.env import Env
from wscli.flows.runner import exit_status_of
from wscli.flows.stdin import Item, Payload
from wscli.options import (
    ConnectOptions,
    InputFormat,
    OutputOptions,
    Reconnect,
    RecordOptions,
    StreamRules,
    WaitRules,
)
from wscli.output import Output, ScriptRecorder, StatusWriter
from wscli.protocol.verdict import Verdict

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect
    from wscli.flows.client_program import ClientProgram
    from wscli.flows.exchange import Exchange

__all__ = [
    "STDIN",
    "close_and_report",
    "connect_target",
    "exchange_messages",
    "start_recording",
]

#: Stands for "stdin lines here" among send's messages.
STDIN = object()


def exchange_messages(
    env: Env,
    options: ConnectOptions,
    output_options: OutputOptions,
    rules: WaitRules,
    *,
    items: Sequence[Payload | object] | None,
    input_format: InputFormat,
    record: RecordOptions | None = None,
    streams: StreamRules | None = None,
    dialect: "Dialect | None" = None,
    reconnect: Reconnect | None = None,
    program: "ClientProgram | None" = None,
) -> int:
    """``connect`` (``items`` None: stdin alone) or ``send`` (``items``: the messages, with
    :data:`STDIN` where stdin's lines go); return the exit status. ``reconnect``: go on
    over a new connection when one ends too early (see :mod:`wscli.flows.redial`).
    ``program``: ``connect --exec``'s, in the place of stdin and stdout."""
    if program is not None:
        stdout = cast(BinaryIO, program.stdin)  # it has what Output uses: write, flush
        env = env._replace(stdout=stdout, stdout_isatty=False, stdin_isatty=False)
    output = Output(env, output_options)
    if record is not None:
        output.recorder = start_recording(record, options.url)
        output.recorder.application_sends = dialect is not None

    async def main(interrupt: asyncio.Event) -> Verdict:
        from wscli.flows.stdin import stdin_source

        async with connect_target(options, output.status) as target:
            kinds = {"streams": streams, "dialect": dialect}
            exchange = _exchange(target, output, rules, interrupt, reconnect, **kinds)
            stdin = None
            if program is not None:
                try:
                    framing = output_options.framing
                    source = program.source(exchange.session, input_format, framing)
                    return await exchange.carry_out(source)
                finally:
                    await program.finish()
            if items is None or STDIN in items:
                stdin = stdin_source(env.stdin, input_format, output_options.framing)
            if items is None:  # connect: stdin alone, without a wrapper on the hot path
                assert stdin is not None
                return await exchange.carry_out(stdin)
            return await exchange.carry_out(_in_order(items, stdin))

    try:
        status = exit_status_of(main, output.status, debug=output_options.debug)
    finally:
        if output.recorder is not None:
            output.recorder.close()
    if program is not None and program.status:  # the program failed: its status
        return program.status
    return status


def start_recording(record: RecordOptions, url: str | None) -> ScriptRecorder:
    """Open ``connect --record``'s file and write the script's settings.

    Raises:
        UsageError: the file cannot be written.
    """
    from datetime import UTC, datetime

    from wscli.script.record import header_lines

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"recorded by wscli connect --record, {when}; play it back: wscli run {record.path}"
    return ScriptRecorder(record.path, header_lines(url, record.settings, note=note))


def _exchange(
    target: ConnectOptions,
    output: Output,
    rules: WaitRules,
    interrupt: asyncio.Event,
    reconnect: Reconnect | None,
    **kinds: Any,
) -> "Exchange":
    """The exchange for ``target`` (one that reconnects, with ``reconnect``)."""
    from wscli.client.session import Session
    from wscli.flows.exchange import Exchange

    if reconnect is None:
        return Exchange(Session(target), output, rules, interrupt=interrupt, **kinds)
    from wscli.flows.redial import ReconnectingExchange

    return ReconnectingExchange(
        Session(target),
        output,
        rules,
        interrupt=interrupt,
        make_session=lambda: Session(target),
        first_messages=list(reconnect.first_messages),
        max_attempts=reconnect.max_attempts,
        **kinds,
    )


@asynccontextmanager
async def connect_target(
    options: ConnectOptions, status: StatusWriter
) -> AsyncIterator[ConnectOptions]:
    """The options to connect with; without a URL, the built-in echo server's (running
    for the length of the block)."""
    if options.url is not None:
        yield options
        return
    from wscli.server.echo import start_echo_server

    server, echo_url = await start_echo_server()
    status.line(f"no URL given: started the built-in echo server at {echo_url}")
    try:
        yield options._replace(url=echo_url, proxy="")  # never via a proxy
    finally:
        server.close()
        await server.wait_closed()


async def _in_order(
    items: Sequence[Payload | object], stdin: AsyncIterator[list[Item]] | None
) -> AsyncIterator[list[Item]]:
    """send's messages in order, with stdin's lines where ``-`` stood."""
    for item in items:
        if item is STDIN:
            if stdin is not None:
                async for batch in stdin:
                    yield batch
        else:
            assert isinstance(item, str | bytes)
            yield [item]


def close_and_report(
    env: Env,
    options: ConnectOptions,
    output_options: OutputOptions,
    *,
    code: int | None,
    reason: str,
    messages: list[Payload],
    expect_code: int | None,
) -> int:
    """``close``: open, send ``messages``, close with ``code``, report the closing
    handshake; return the exit status."""
    output = Output(env, output_options, show_messages=False)

    async def main(interrupt: asyncio.Event) -> Verdict:
        from wscli.client.session import Session
        from wscli.flows.close_check import check_close

        return await check_close(
            Session(options),
            output,
            code=code,
            reason=reason,
            messages=messages,
            expect_code=expect_code,
            interrupt=interrupt,
        )

    return exit_status_of(main, output.status, debug=output_options.debug)
