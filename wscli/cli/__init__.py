"""The command line: click commands over the client core. The only package importing click."""

import contextlib
import os
import sys
from typing import NoReturn

import click

from wscli.cli.close import close_command
from wscli.cli.common import ENVIRONMENT_EPILOG, EXIT_EPILOG
from wscli.cli.completion import completion_command
from wscli.cli.connect import connect_command
from wscli.cli.listen import listen_command
from wscli.cli.send import send_command
from wscli.cli.settings import config_defaults, use_env_vars
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
    from importlib.metadata import version

    import wscli as package

    click.echo(
        f"wscli {package.__version__} (websockets {version('websockets')}, "
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
wscli.add_command(completion_command)
use_env_vars(wscli)


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point: runs the command and exits with its status."""
    _exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv) and return the exit status."""
    try:
        args = list(sys.argv[1:] if argv is None else argv)
        try:
            args, default_map = config_defaults(wscli, args, os.environ)
        except UsageError:
            if not _config_optional(args):
                raise
            default_map = None  # completion, --help, --version work with a broken config
        result = wscli.main(
            args=args, prog_name="wscli", standalone_mode=False, default_map=default_map
        )
        code = int(result) if isinstance(result, int) else ExitStatus.OK
    except click.exceptions.Exit as exit_:
        code = exit_.exit_code
    except click.exceptions.Abort:
        code = ExitStatus.INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as error:
        if sys.stderr is not None:
            sys.stderr.write(error.ctx.get_help() + "\n")
        code = ExitStatus.USAGE_ERROR
    except click.ClickException as error:
        ctx = getattr(error, "ctx", None)
        command = ctx.command_path if isinstance(ctx, click.Context) else "wscli"
        message = error.format_message().replace("\n", " ")
        code = _report(UsageError(message, f"see '{command} --help'"), argv)
    except WscliError as error:
        code = _report(error, argv)
    return code


def _config_optional(args: list[str]) -> bool:
    """Whether this run must work even with a broken config file."""
    return "_WSCLI_COMPLETE" in os.environ or any(
        token in ("-h", "--help", "-V", "--version") for token in args
    )


def _report(error: WscliError, argv: list[str] | None) -> int:
    """The error path for errors found before a command runs (the runner has the rest)."""
    if "--debug" in (sys.argv if argv is None else argv):
        import traceback  # only for --debug: kept out of start-up

        traceback.print_exc()
    from wscli.output import StatusWriter

    StatusWriter(Env.from_process(), OutputOptions(color="never")).error(error)
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
