"""What scripts need from the command line: the connect options a script's settings
may give, the settings a recorded session was given, and the values of ``{{names}}``."""

from collections import ChainMap
from collections.abc import Callable
from typing import Any

import click

from wscli.cli.settings import complete_variables
from wscli.cli.shared_options import F, connection_options, option
from wscli.cli.stream_options import dialect_options
from wscli.env import Env
from wscli.errors import UsageError

__all__ = ["given_settings", "script_settings", "script_values", "var_option"]


@click.command("script-settings", add_help_option=False)
@connection_options
@dialect_options
def script_settings(**values: Any) -> None:
    """The connect options a script's settings may give (parsed, never run)."""


def given_settings(ctx: click.Context) -> list[tuple[str, str]]:
    """The connection options this command was given (on the command line, in the
    environment or by a profile), as a script's settings: ``(long name, value)``."""
    from click.core import ParameterSource

    settings: list[tuple[str, str]] = []
    for param in script_settings.params:
        name = param.name or ""
        source = ctx.get_parameter_source(name)
        if source in (None, ParameterSource.DEFAULT) or not isinstance(param, click.Option):
            continue
        long = next(opt for opt in param.opts if opt.startswith("--"))[2:]
        value = ctx.params[name]
        values = value if param.multiple else (value,)
        for item in values:
            if isinstance(item, bool):
                text = "yes" if item else "no"
            elif isinstance(item, float):
                text = f"{item:g}"
            else:
                text = str(item)
            settings.append((long, text))
    return settings


def script_values(variables: tuple[str, ...], env: Env) -> "ChainMap[str, str]":
    """The values of a script's ``{{names}}``: ``--var NAME=VALUE``, then the
    environment.

    Raises:
        UsageError: a --var that is not NAME=VALUE.
    """
    given: dict[str, str] = {}
    for item in variables:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--var {item!r} is not NAME=VALUE", "e.g. --var token=abc")
        given[name] = value
    return ChainMap(given, dict(env.environ))


def var_option(what: str) -> Callable[[F], F]:
    """``--var NAME=VALUE`` (run, listen --script); ``what``: where the names are."""
    return option(
        "--var",
        "variables",
        multiple=True,
        metavar="NAME=VALUE",
        shell_complete=complete_variables,
        help=f"A value for {{{{NAME}}}}{what} (repeatable; beats the environment variable NAME).",
    )
