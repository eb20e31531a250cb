"""The command line: click commands over the flows and the prompts. The only package that
imports click.

:func:`run` takes the command line and an :class:`~wscli.env.Env` (the streams, whether
they are terminals, the environment variables) and returns the exit status; :func:`main`
is the console script, which runs it on the process's own and exits.
"""

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import NoReturn

import click

from wscli.cli.close import close_command
from wscli.cli.completion import completion_command
from wscli.cli.connect import connect_command
from wscli.cli.listen import listen_command
from wscli.cli.run import run_command
from wscli.cli.send import send_command
from wscli.cli.settings import config_defaults, use_env_vars
from wscli.cli.shared_options import ENVIRONMENT_EPILOG, EXIT_EPILOG
from wscli.env import Env
from wscli.errors import UsageError, WscliError
from wscli.options import OutputOptions
from wscli.status import ExitStatus

__all__ = ["main", "run", "wscli"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import wscli as package

    try:
        websockets = f"websockets {version('websockets')}"
    except PackageNotFoundError:  # websockets is missing, or installed without metadata
        websockets = "websockets not found"
    click.echo(
        f"wscli {package.__version__} ({websockets}, "
        f"{platform.python_implementation()} {platform.python_version()})"
    )
    ctx.exit()


@click.group(context_settings=CONTEXT, epilog=EXIT_EPILOG + ENVIRONMENT_EPILOG)
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the versions of wscli, websockets and Python, and exit.",
)
def wscli() -> None:
    """A WebSocket client and test server for terminals, pipes, scripts and CI checks.

    \b
    Pipe lines in, get replies out:   printf 'a\\nb\\n' | wscli connect ws://host/
    One-shot send, wait for a reply:  wscli send ws://host/ hello --count 1
    Check a closing handshake:        wscli close ws://host/ --code 4000 --expect-code 4000
    Serve clients, numbered:          wscli listen 8765 --echo
    """


wscli.add_command(connect_command)
wscli.add_command(send_command)
wscli.add_command(close_command)
wscli.add_command(listen_command)
wscli.add_command(run_command)
wscli.add_command(completion_command)
use_env_vars(wscli)


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point: runs the command and exits with its status."""
    _exit(run(argv))


def run(argv: list[str] | None = None, env: Env | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv) in ``env`` (default: the
    process's) and return the exit status. Nothing here exits the process."""
    env = env if env is not None else Env.from_process()
    args = list(sys.argv[1:] if argv is None else argv)
    with _click_streams(env):
        try:
            return _run(args, env)
        except click.exceptions.Exit as exit_:
            return exit_.exit_code
        except click.exceptions.Abort:
            return ExitStatus.INTERRUPTED
        except click.exceptions.NoArgsIsHelpError as error:
            env.stderr.write((error.ctx.get_help() + "\n").encode())
            return ExitStatus.USAGE_ERROR
        except click.ClickException as error:
            ctx = getattr(error, "ctx", None)
            command = ctx.command_path if isinstance(ctx, click.Context) else "wscli"
            message = error.format_message().replace("\n", " ")
            return _report(UsageError(message, f"see '{command} --help'"), args, env)
        except WscliError as error:
            return _report(error, args, env)


def _run(args: list[str], env: Env) -> int:
    try:
        args, default_map = config_defaults(wscli, args, env.environ)
    except UsageError:
        if not _config_optional(args, env):
            raise
        default_map = None  # completion, --help, --version work with a broken config
    result = wscli.main(
        args=args, prog_name="wscli", standalone_mode=False, default_map=default_map, obj=env
    )
    return int(result) if isinstance(result, int) else ExitStatus.OK


@contextlib.contextmanager
def _click_streams(env: Env) -> Iterator[None]:
    """click writes --help, --version and completion scripts to sys.stdout: point it at
    ``env``'s stdout (and sys.stderr at its stderr) for the run, when they are not the
    process's own."""
    if env.stdout is getattr(sys.stdout, "buffer", None):
        yield
        return
    wrappers = [
        io.TextIOWrapper(stream, encoding="utf-8", write_through=True)
        for stream in (env.stdout, env.stderr)
    ]
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = wrappers
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        for wrapper in wrappers:
            wrapper.detach()


def _config_optional(args: list[str], env: Env) -> bool:
    """Whether this run must work even with a broken config file."""
    return "_WSCLI_COMPLETE" in env.environ or any(
        token in ("-h", "--help", "-V", "--version") for token in args
    )


def _report(error: WscliError, args: list[str], env: Env) -> int:
    """The error path for errors found before a command runs (the runner has the rest)."""
    from wscli.output import StatusWriter

    status = StatusWriter(env, OutputOptions(color="never"))
    if "--debug" in args:
        status.traceback()
    status.error(error)
    return error.status


def _exit(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process without the interpreter's teardown.

    Tearing down the modules of asyncio, websockets and click takes ~20 ms, as long as all
    of a one-shot ``wscli send``'s own work; wscli has nothing left to clean up by then (no
    atexit handlers, no open files, only a daemon stdin thread), so it skips it.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # None: started with that stream closed (>&-)
            with contextlib.suppress(OSError, ValueError):  # a reader gone away (| head -1)
                stream.flush()
    os._exit(code)
