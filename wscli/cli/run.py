"""Glue between the click commands and the flows: builds Env, Session and Output, runs."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from wscli.cli.common import connect_options
from wscli.env import Env
from wscli.options import ConnectOptions, InputFormat, OutputOptions, WaitRules

if TYPE_CHECKING:
    import asyncio

    from wscli.outcome import Verdict
    from wscli.output import StatusWriter

__all__ = ["STDIN", "run_close_command", "run_exchange"]

#: Stands for "stdin lines here" among send's messages.
STDIN = object()


def run_exchange(
    env: Env,
    url: str | None,
    values: dict[str, Any],
    output_options: OutputOptions,
    rules: WaitRules,
    *,
    items: Sequence[str | bytes | object] | None,
    input_format: InputFormat,
    read_stdin: bool,
) -> int:
    """Run ``connect`` (items None: stdin) or ``send`` and return the exit status."""
    from wscli.output import Output
    from wscli.runner import execute

    output = Output(env, output_options)
    connect = None if url is None else connect_options(url, values)

    async def main(interrupt: "asyncio.Event") -> "Verdict":
        from wscli.client import Session
        from wscli.pipe import Exchange, stdin_source

        async with _target(connect, values, output.status) as options:
            session = Session(options)
            exchange = Exchange(session, output, rules, interrupt=interrupt)
            stdin = stdin_source(env.stdin, input_format) if read_stdin else None
            if items is None:  # connect: stdin alone, without a wrapper on the hot path
                assert stdin is not None
                return await exchange.run(stdin)
            return await exchange.run(_source(items, stdin))

    return execute(main, output.status, debug=output_options.debug)


@asynccontextmanager
async def _target(
    connect: ConnectOptions | None, values: dict[str, Any], status: "StatusWriter"
) -> AsyncIterator[ConnectOptions]:
    """The options to connect with; without a URL, the built-in echo server's (running)."""
    if connect is not None:
        yield connect
        return
    from wscli.server.echo import start_echo_server

    server, echo_url = await start_echo_server()
    status.line(f"no URL given: started the built-in echo server at {echo_url}")
    try:
        yield connect_options(echo_url, values)._replace(proxy="")  # never via a proxy
    finally:
        server.close()
        await server.wait_closed()


async def _source(
    items: Sequence[str | bytes | object], stdin: AsyncIterator[list[str | bytes]] | None
) -> AsyncIterator[list[str | bytes]]:
    """send's messages in order, with stdin's lines where ``-`` stood."""
    for item in items:
        if item is STDIN:
            if stdin is not None:
                async for batch in stdin:
                    yield batch
        else:
            assert isinstance(item, str | bytes)
            yield [item]


def run_close_command(
    env: Env,
    url: str,
    values: dict[str, Any],
    output_options: OutputOptions,
    *,
    code: int | None,
    reason: str,
    messages: list[str | bytes],
    expect_code: int | None,
    close_timeout: float,
) -> int:
    """Run ``close`` and return the exit status."""
    from wscli.output import Output
    from wscli.runner import execute

    output = Output(env, output_options, show_messages=False)
    options = connect_options(url, values)._replace(close_timeout=close_timeout)

    async def main(interrupt: "asyncio.Event") -> "Verdict":
        from wscli.client import Session
        from wscli.closing import run_close

        session = Session(options)
        return await run_close(
            session,
            output,
            code=code,
            reason=reason,
            messages=messages,
            expect_code=expect_code,
            interrupt=interrupt,
        )

    return execute(main, output.status, debug=output_options.debug)


def run_repl(
    env: Env,
    url: str | None,
    values: dict[str, Any],
    output_options: OutputOptions,
    *,
    execute: list[str | bytes],
    reconnect: bool = False,
) -> int:
    """Run the interactive session of ``connect`` on a terminal; return the exit status."""
    from wscli.output import StatusWriter
    from wscli.runner import execute as run

    status = StatusWriter(env, output_options)
    connect = None if url is None else connect_options(url, values)

    async def main(interrupt: "asyncio.Event") -> "Verdict":
        from wscli.client import Session
        from wscli.repl.session import Repl

        view = output_options.binary_as if output_options.binary_as != "raw" else "hex"
        async with _target(connect, values, status) as options:
            repl = Repl(
                Session(options),
                env,
                execute=execute,
                view=view,
                timestamps=output_options.timestamps,
                show_ping_pong=output_options.show_ping_pong,
                reconnect=reconnect,
            )
            return await repl.run(interrupt)

    return run(main, status, debug=output_options.debug)
