"""``wscli send``."""

from pathlib import Path
from typing import Any

import click

from wscli.cli.framing_options import framing_of, framing_options
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
from wscli.errors import UsageError
from wscli.options import Reconnect
from wscli.protocol.payload import decode_input

__all__ = ["send_command"]


@click.command("send", epilog=EXIT_EPILOG + ENVIRONMENT_EPILOG)
@click.argument("url", shell_complete=complete_profiles)
@click.argument("messages", nargs=-1, metavar="[MESSAGE]...")
@option(
    "-f",
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Send this file as one message (repeatable; after the MESSAGE arguments).",
)
@option("--profile-messages", "profile_messages", multiple=True, hidden=True)
@connection_options
@output_options
@framing_options
@wait_options
@stream_options
@dialect_options
@reconnect_options
def send_command(
    url: str,
    messages: tuple[str, ...],
    files: tuple[str, ...],
    profile_messages: tuple[str, ...],
    **values: Any,
) -> int:
    """Connect to URL, send each MESSAGE, wait for replies, print them, close.

    With no MESSAGE (or MESSAGE '-') and stdin not a terminal, stdin lines are sent.
    Replies are awaited as for connect: --count, --until, --idle (default), --timeout.
    """
    from wscli.flows.entry import STDIN, exchange_messages

    output = output_settings(values)._replace(framing=framing_of(values))
    rules = wait_rules(values)
    dialect, target = dialect_of(values, url)
    options = offered_by(dialect, connect_options(target, values))
    fmt = values["input_format"]
    items = _items(messages, files, fmt, STDIN)
    env = current_env()
    if not items:
        if env.stdin_isatty and not profile_messages:
            raise UsageError(
                "nothing to send", "give MESSAGE arguments, -f FILE, or pipe lines into stdin"
            )
        if not env.stdin_isatty:
            items.append(STDIN)
    # An @NAME profile's messages go first, as given (never read as options or "-").
    items[:0] = [
        decode_input(m.encode("utf-8", "surrogateescape"), fmt, where=f"profile message {i}")
        for i, m in enumerate(profile_messages, start=1)
    ]
    reconnect = None
    if values["reconnect"]:
        again = tuple(item for item in items if item is not STDIN)
        reconnect = Reconnect(again, values["reconnect_max"])  # type: ignore[arg-type]
    return exchange_messages(
        env,
        options,
        output,
        rules,
        items=items,
        input_format=fmt,
        streams=stream_rules(values),
        dialect=dialect,
        reconnect=reconnect,
    )


def _items(
    messages: tuple[str, ...], files: tuple[str, ...], fmt: Any, stdin: object
) -> list[str | bytes | object]:
    """The MESSAGE arguments (``stdin`` where one is ``-``), then the --file contents."""
    items: list[str | bytes | object] = []
    for index, message in enumerate(messages, start=1):
        if message == "-":
            items.append(stdin)
        else:
            where = f"MESSAGE argument {index}"
            items.append(decode_input(message.encode("utf-8", "surrogateescape"), fmt, where=where))
    for path in files:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read --file {path}: {exc.strerror}", "check the path"
            ) from None
        items.append(decode_input(content, fmt, where=f"--file {path}"))
    return items
