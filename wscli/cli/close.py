"""``wscli close``."""

from typing import Any

import click

from wscli.cli.settings import complete_close_codes, complete_profiles
from wscli.cli.shared_options import (
    _SECONDS,
    ENVIRONMENT_EPILOG,
    EXIT_EPILOG,
    connect_options,
    connection_options,
    current_env,
    option,
    output_options,
    output_settings,
)
from wscli.protocol.codes import parse_close_code, parse_expected_code, validate_close
from wscli.protocol.payload import decode_input

__all__ = ["close_command"]


@click.command("close", epilog=EXIT_EPILOG + ENVIRONMENT_EPILOG)
@click.argument("url", shell_complete=complete_profiles)
@option(
    "--code",
    default="1000",
    shell_complete=complete_close_codes,
    show_default=True,
    metavar="N|none",
    help="Close code to send; 'none' sends an empty close frame.",
)
@option("--reason", default="", metavar="TEXT", help="Close reason (at most 123 UTF-8 bytes).")
@option(
    "--send",
    "messages",
    multiple=True,
    metavar="MSG",
    help="Send this message before closing (repeatable).",
)
@option(
    "--expect-code",
    metavar="N",
    shell_complete=complete_close_codes,
    help="Require the server to answer with this close code.",
)
@option(
    "--timeout",
    type=_SECONDS,
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the server's close frame.",
)
@connection_options
@output_options
def close_command(
    url: str,
    code: str,
    reason: str,
    messages: tuple[str, ...],
    expect_code: str | None,
    timeout: float,
    **values: Any,
) -> int:
    """Open URL, send any --send messages, close with --code and --reason, and report the
    closing handshake on stdout: what was sent, what the server answered, wasClean, and how
    long it took.
    """
    close_code = parse_close_code(code, allow_none=True)
    validate_close(close_code, reason)
    expected = parse_expected_code(expect_code) if expect_code is not None else None
    fmt = values["input_format"]
    payloads = [
        decode_input(m.encode("utf-8", "surrogateescape"), fmt, where=f"--send {i}")
        for i, m in enumerate(messages, start=1)
    ]
    from wscli.flows.entry import close_and_report

    options = connect_options(url, values)._replace(close_timeout=timeout)
    return close_and_report(
        current_env(),
        options,
        output_settings(values),
        code=close_code,
        reason=reason,
        messages=payloads,
        expect_code=expected,
    )
