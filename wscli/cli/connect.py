"""``wscli connect``."""

from typing import TYPE_CHECKING, Any

import click

from wscli.cli.framing_options import framing_of, framing_options
from wscli.cli.script_options import given_settings
from wscli.cli.settings import complete_profiles
from wscli.cli.shared_options import (
    ENVIRONMENT_EPILOG,
    EXIT_EPILOG,
    connect_options,
    connection_options,
    current_env,
    option,
    output_options,
    output_settings,
    wait_options,
    wait_rules,
)
from wscli.cli.stream_options import (
    dialect_of,
    dialect_options,
    offered_by,
    pass_env_option,
    reconnect_options,
    stream_options,
    stream_rules,
)
from wscli.env import Env
from wscli.errors import UsageError
from wscli.options import InputFormat, Reconnect, RecordOptions
from wscli.protocol.payload import decode_input

if TYPE_CHECKING:
    from wscli.flows.client_program import ClientProgram

__all__ = ["connect_command"]


@click.command("connect", epilog=EXIT_EPILOG + ENVIRONMENT_EPILOG)
@click.argument("url", required=False, shell_complete=complete_profiles)
@option(
    "-x",
    "--execute",
    "first_messages",
    multiple=True,
    metavar="MSG",
    help="Send MSG right after the handshake (repeatable), then stay interactive on a "
    "terminal, or go on with stdin's lines in a pipe.",
)
@option(
    "--record",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the session to FILE as a script for wscli run, as it goes: the settings"
    " given (credentials replaced by names), > for each message sent, < for each one"
    " received, pings, and the close.",
)
@option(
    "--exec",
    "program",
    metavar="CMD",
    help="Let CMD (a shell command) hold the connection, from the handshake on: it reads on"
    " its stdin what stdout would show (--jsonl: JSON Lines events) and its stdout is read"
    " as stdin would be (--input-format); its stderr is wscli's; WSCLI_URL,"
    " WSCLI_SUBPROTOCOL and HTTP_<HEADER> of the response are in its environment. CMD"
    " exiting closes with 1000 (status 0) or 1011, and wscli exits with CMD's non-zero"
    " status. The server closing ends CMD's stdin: 2 s to exit, then SIGTERM, then SIGKILL.",
)
@pass_env_option
@connection_options
@output_options
@framing_options
@wait_options
@stream_options
@dialect_options
@reconnect_options
def connect_command(
    url: str | None,
    first_messages: tuple[str, ...],
    program: str | None,
    pass_env: tuple[str, ...],
    reconnect: bool,
    reconnect_max: int | None,
    record: str | None,
    **values: Any,
) -> int:
    """Connect to URL; stdin lines become messages, received messages go to stdout.

    On a terminal (stdin and stdout both), an interactive session opens instead: a prompt
    with history, slash commands (/help) and a toolbar with readyState, bufferedAmount,
    protocol, extensions and close details.

    Without URL, start the built-in echo server on 127.0.0.1 and connect to it.

    At stdin EOF, wscli waits for the replies (--count, --until, --idle, --timeout,
    --keep-open), closes with 1000 and waits for the server's close frame. Lines read
    before the handshake completes are queued, never dropped. Status lines go to stderr.
    """
    output = output_settings(values)._replace(framing=framing_of(values))
    rules = wait_rules(values)
    fmt = values["input_format"]
    initial = _first_messages(first_messages, fmt)
    dialect, url = dialect_of(values, url)
    options = offered_by(dialect, connect_options(url, values))
    streams = stream_rules(values)
    recording = _recording(record)
    env = current_env()
    client_program = _program(program, pass_env, env, initial, reconnect)
    if env.interactive and not output.jsonl and client_program is None:
        from wscli.repl.start import interact

        return interact(
            env,
            options,
            output,
            first_messages=initial,
            reconnect=reconnect,
            record=recording,
            streams=streams,
            dialect=dialect.settings if dialect is not None else None,
        )
    from wscli.flows.entry import STDIN, exchange_messages

    return exchange_messages(
        env,
        options,
        output,
        rules,
        items=[*initial, STDIN] if initial else None,
        input_format=fmt,
        record=recording,
        streams=streams,
        dialect=dialect,
        reconnect=Reconnect(tuple(initial), reconnect_max) if reconnect else None,
        program=client_program,
    )


def _first_messages(given: tuple[str, ...], fmt: InputFormat) -> list[str | bytes]:
    """-x's messages, in --input-format."""
    return [
        decode_input(m.encode("utf-8", "surrogateescape"), fmt, where=f"-x {i}")
        for i, m in enumerate(given, start=1)
    ]


def _program(
    program: str | None, pass_env: tuple[str, ...], env: Env, initial: list[Any], again: bool
) -> "ClientProgram | None":
    """--exec's program (not with -x or --reconnect: CMD sends, on one connection)."""
    if program is None:
        if pass_env:
            raise UsageError("--pass-env is for --exec's program", "give --exec CMD")
        return None
    if initial or again:
        given = "-x" if initial else "--reconnect"
        raise UsageError(f"--exec and {given} do not go together", "let CMD send everything")
    from wscli.flows.client_program import ClientProgram

    return ClientProgram(program, environ=env.environ, pass_env=pass_env, stderr=env.stderr)


def _recording(record: str | None) -> RecordOptions | None:
    """--record's file, and the connection options given (its settings)."""
    if record is None:
        return None
    return RecordOptions(record, tuple(given_settings(click.get_current_context())))
