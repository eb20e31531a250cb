"""``wscli run``."""

from typing import TYPE_CHECKING, Any

import click

from wscli.cli.script_options import script_settings, script_values, var_option
from wscli.cli.shared_options import (
    ENVIRONMENT_EPILOG,
    EXIT_EPILOG,
    connect_options,
    current_env,
    option,
)
from wscli.cli.stream_options import dialect_of, offered_by
from wscli.options import ConnectOptions, OutputOptions
from wscli.script.syntax import Script, ScriptError

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect

__all__ = ["run_command"]

_TRUE = ("yes", "true", "on", "1")
_FALSE = ("no", "false", "off", "0")


@click.command("run", epilog=EXIT_EPILOG + ENVIRONMENT_EPILOG)
@click.argument("scripts", nargs=-1, required=True, type=click.Path(), metavar="SCRIPT...")
@option("--url", metavar="URL", help="Connect here instead of each script's url.")
@var_option("")
@option("--junit", metavar="FILE", type=click.Path(dir_okay=False), help="Write JUnit XML here.")
@option(
    "--jsonl",
    is_flag=True,
    help="Write JSON Lines to stdout: a step record per step, and every event of the"
    " connection (open, messages both ways, pings, close) as connect --jsonl does.",
)
@option("-q", "--quiet", is_flag=True, help="Print failures and the summary only.")
@option("-v", "--verbose", is_flag=True, help="Also print the message each expectation matched.")
@option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Color the step lines.",
)
@option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def run_command(
    scripts: tuple[str, ...],
    url: str | None,
    variables: tuple[str, ...],
    junit: str | None,
    **values: Any,
) -> int:
    """Play each SCRIPT (a .wscli file, a folder of them, or - for stdin) as a client:
    send its messages, check its expectations, one connection per script.

    Every script is read and its {{names}} resolved before anything connects. One line
    per step on stderr; the exit status is the first failing script's (9: an expectation
    failed, 6: it timed out, 7/8: the connection closed under a step).
    """
    from wscli.flows.run_scripts import load_scripts, run_scripts

    env = current_env()
    known = script_values(variables, env)
    loaded = load_scripts(list(scripts), known, env.stdin.read)
    output = OutputOptions(
        jsonl=values["jsonl"],
        verbose=values["verbose"],
        quiet=values["quiet"],
        color=values["color"],
        debug=values["debug"],
    )
    return run_scripts(
        env,
        loaded,
        lambda script, target: script_options(script, target, known),
        url=url,
        values=known,
        output_options=output,
        junit=junit,
    )


def script_options(script: Script, url: str, known: Any) -> "tuple[ConnectOptions, Dialect | None]":
    """The connect options a script's settings give, checked as the command line's, and
    the dialect its ``dialect`` setting names."""
    from wscli.script.match import fill

    argv = [url]
    for name, raw, line in script.options:
        value = fill(raw, known)
        if name == "auth-env":
            if value not in known:
                raise ScriptError(
                    script.path, line, f"auth-env: {value} is not set", f"export {value}=USER:PASS"
                )
            argv += ["--auth", known[value]]
            continue
        flag = setting_option(script, name, line)
        if getattr(flag, "is_flag", False):
            if value.lower() in _TRUE:
                argv.append(f"--{name}")
            elif value.lower() in _FALSE:
                if f"--no-{name}" in getattr(flag, "secondary_opts", []):
                    argv.append(f"--no-{name}")
            else:
                raise ScriptError(
                    script.path, line, f"{name}: not yes or no: {value!r}", "yes or no"
                )
        else:
            argv += [f"--{name}", value]
    try:
        with script_settings.make_context("script", argv[1:]) as ctx:
            dialect, target = dialect_of(ctx.params, url)
            assert target is not None
            return offered_by(dialect, connect_options(target, ctx.params)), dialect
    except click.UsageError as error:
        raise ScriptError(
            script.path, 0, error.format_message(), "see wscli connect --help"
        ) from None


def setting_option(script: Script, name: str, line: int) -> click.Parameter:
    """The connect option a script's setting names.

    Raises:
        ScriptError: no such option.
    """
    flag = next((p for p in script_settings.params if f"--{name}" in p.opts), None)
    if flag is None:
        raise ScriptError(
            script.path,
            line,
            f"unknown setting {name!r}",
            "a connect option's long name, as in config.toml",
        )
    return flag
