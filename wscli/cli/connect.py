"""``wscli connect``."""

from typing import Any

import click

from wscli.cli.common import (
    EXIT_EPILOG,
    connection_options,
    output_options,
    output_settings,
    wait_options,
    wait_rules,
)
from wscli.cli.run import run_exchange

__all__ = ["connect_command"]


@click.command("connect", epilog=EXIT_EPILOG)
@click.argument("url", required=False)
@connection_options
@output_options
@wait_options
def connect_command(url: str | None, **values: Any) -> int:
    """Connect to URL; stdin lines become messages, received messages go to stdout.

    Without URL, start the built-in echo server on 127.0.0.1 and connect to it.

    At stdin EOF, wscli waits for the replies (--count, --until, --idle, --timeout,
    --keep-open), closes with 1000 and waits for the server's close frame. Lines read
    before the handshake completes are queued, never dropped. Status lines go to stderr.
    """
    output = output_settings(values)
    rules = wait_rules(values)
    return run_exchange(
        url,
        values,
        output,
        rules,
        items=None,
        input_format=values["input_format"],
        read_stdin=True,
    )
