"""``wscli connect``."""

from typing import Any

import click

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
    reconnect_options,
    stream_options,
    stream_rules,
)
from wscli.options import Reconnect, RecordOptions
from wscli.protocol.payload import decode_input

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
@connection_options
@output_options
@wait_options
@stream_options
@dialect_options
@reconnect_options
def connect_command(
    url: str | None,
    first_messages: tuple[str, ...],
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
    output = output_settings(values)
    rules = wait_rules(values)
    fmt = values["input_format"]
    initial = [
        decode_input(m.encode("utf-8", "surrogateescape"), fmt, where=f"-x {i}")
        for i, m in enumerate(first_messages, start=1)
    ]
    dialect, url = dialect_of(values, url)
    options = offered_by(dialect, connect_options(url, values))
    streams = stream_rules(values)
    recording = _recording(record)
    env = current_env()
    if env.interactive and not output.jsonl:
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
    )


def _recording(record: str | None) -> RecordOptions | None:
    """--record's file, and the connection options given (its settings)."""
    if record is None:
        return None
    return RecordOptions(record, tuple(given_settings(click.get_current_context())))
