"""Runs a command's coroutine: the event loop, Ctrl-C, and the one error path."""

import asyncio
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable

from wscli.errors import OutputClosed, WscliError
from wscli.outcome import Verdict
from wscli.output import StatusWriter
from wscli.status import ExitStatus

__all__ = ["execute"]

Main = Callable[[asyncio.Event], Awaitable[Verdict]]


def execute(main: Main, status: StatusWriter, *, debug: bool) -> int:
    """Run ``main(interrupt)`` and turn its verdict or error into an exit code.

    The first Ctrl-C (or SIGTERM) sets ``interrupt``: the command closes with 1001 and
    exits 130. A second one exits at once.
    """

    async def wrapper() -> Verdict:
        loop = asyncio.get_running_loop()
        interrupt = asyncio.Event()

        def on_signal() -> None:
            if interrupt.is_set():
                os._exit(ExitStatus.INTERRUPTED)
            interrupt.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal)
        return await main(interrupt)

    try:
        verdict = asyncio.run(wrapper())
    except OutputClosed:
        _silence_stdout()
        return ExitStatus.OK
    except WscliError as error:
        if debug:
            traceback.print_exc()
        status.error(error)
        return error.status
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except Exception as exc:
        if debug:
            traceback.print_exc()
        status.error(WscliError(f"internal error: {exc!r}", "run with --debug and report it"))
        return ExitStatus.INTERNAL_ERROR
    if verdict.message is not None:
        status.error(WscliError(verdict.message, verdict.hint))
    _silence_stdout()
    return verdict.status


def _silence_stdout() -> None:
    """After ``| head -1`` closed stdout, keep the interpreter's final flush quiet."""
    try:
        sys.stdout.flush()
        sys.stdout.buffer.flush()
    except (BrokenPipeError, ValueError):
        pass
    else:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
