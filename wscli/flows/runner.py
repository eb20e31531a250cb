"""Runs a command's coroutine: the event loop, Ctrl-C, and the one error path."""

import asyncio
import signal
from collections.abc import Awaitable, Callable

from wscli.errors import OutputClosed, WscliError
from wscli.output import StatusWriter
from wscli.protocol.verdict import Verdict
from wscli.status import ExitStatus

__all__ = ["Main", "before_interrupt", "exit_status_of"]

#: A command's coroutine: given the interrupt event (set by Ctrl-C or SIGTERM), it returns
#: the verdict, or raises a WscliError.
Main = Callable[[asyncio.Event], Awaitable[Verdict]]


def exit_status_of(main: Main, status: StatusWriter, *, debug: bool) -> int:
    """Run ``main(interrupt)`` and turn its verdict or error into an exit code.

    The first Ctrl-C (or SIGTERM) sets ``interrupt``: the command closes with 1001 and
    exits 130. The handlers then step aside, so a second one stops wscli at once
    (KeyboardInterrupt, still 130).
    """

    async def wrapper() -> Verdict:
        loop = asyncio.get_running_loop()
        interrupt = asyncio.Event()
        signals = (signal.SIGINT, signal.SIGTERM)

        def on_signal() -> None:
            interrupt.set()
            for signum in signals:
                loop.remove_signal_handler(signum)

        for signum in signals:
            loop.add_signal_handler(signum, on_signal)
        return await main(interrupt)

    try:
        verdict = asyncio.run(wrapper())
    except OutputClosed:
        return ExitStatus.OK
    except WscliError as error:
        if debug:
            status.traceback()
        status.error(error)
        return error.status
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except Exception as exc:
        if debug:
            status.traceback()
        status.error(WscliError(f"internal error: {exc!r}", "run with --debug and report it"))
        return ExitStatus.INTERNAL_ERROR
    if verdict.message is not None:
        status.error(WscliError(verdict.message, verdict.hint))
    return verdict.status


async def before_interrupt(work: Awaitable[object], interrupt: asyncio.Event) -> bool:
    """Run ``work`` unless Ctrl-C comes first (then cancel it and return False)."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(interrupt.wait())
    await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False
