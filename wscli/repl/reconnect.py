"""The REPL's connection lifecycle: open, show the events, and connect again.

:func:`drive` runs for the whole REPL: it opens the current session, shows its events until
the close event, then either ends the prompt, follows a ``/reconnect`` (which has already
put a new session in place, see :func:`reconnect_now`), or, with ``--reconnect``, waits
with exponential backoff and full jitter and opens a new session with the same options.
Every successful open sends the ``-x`` messages again; one that lasted 5 s resets the
attempt count. A TLS failure or a 4xx answer to the handshake is never retried: that
error ends the REPL.
"""

import asyncio
import contextlib
from typing import TYPE_CHECKING

from rich.text import Text

from wscli.client import Session
from wscli.errors import HandshakeRejected, TLSFailed, WscliError
from wscli.events import Closed, ReadyState
from wscli.render import event_json
from wscli.repl.backoff import backoff_delays

if TYPE_CHECKING:
    from wscli.repl.session import Repl

__all__ = ["drive", "is_permanent", "reconnect_now"]


def is_permanent(error: WscliError) -> bool:
    """True for failures that trying again cannot fix: TLS, and 4xx handshake answers."""
    if isinstance(error, TLSFailed):
        return True
    status = error.http_status if isinstance(error, HandshakeRejected) else None
    return status is not None and 400 <= status < 500


#: A connection that lasted this long (seconds) was stable: the backoff starts over.
_STABLE = 5.0


async def drive(repl: "Repl") -> None:
    """Open, show events, reconnect; when done, end the prompt."""
    delays = backoff_delays()
    attempt = 0
    while True:
        session = repl.session
        opener = asyncio.create_task(_open(repl, session))
        repl.opener = opener
        started = asyncio.get_running_loop().time()
        await _consume(repl, session)
        lasted = asyncio.get_running_loop().time() - started
        await asyncio.gather(opener, return_exceptions=True)
        opened = not opener.cancelled() and opener.result()
        if repl.restart_requested:  # /reconnect: the new session is in place
            repl.restart_requested = False
            delays, attempt = backoff_delays(), 0
            continue
        if repl.quitting or not repl.reconnect:
            break
        error = repl._open_error
        if error is not None and is_permanent(error):
            break
        repl._open_error = None
        if opened and lasted >= _STABLE:  # a server that accepts, then drops at once,
            delays, attempt = backoff_delays(), 0  # still gets longer and longer waits
        attempt += 1
        delay = next(delays)
        repl.reconnecting = f"in {delay:.1f} s (attempt {attempt})"
        repl.show(Text(f"reconnecting in {delay:.1f} s (attempt {attempt})", style="yellow"))
        _redraw(repl)
        repl.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(repl.wake.wait(), delay)
        if repl.quitting:
            break
        if repl.restart_requested:
            continue  # /reconnect during the wait: handled at the top of the next round
        repl.reconnecting = f"attempt {attempt}"
        repl.session, repl.closed = Session(session.options), None
        _redraw(repl)
    repl.finished = True
    prompt = repl._prompt
    if prompt is not None and prompt.app.is_running:
        prompt.app.exit(exception=EOFError())


async def reconnect_now(repl: "Repl") -> None:
    """``/reconnect``: close the current connection (1000) and open a new one."""
    repl.show(Text("reconnecting...", style="yellow"))
    old = repl.session
    repl.restart_requested = True
    repl.session, repl.closed = Session(old.options), None
    repl.reconnecting = "now"
    repl.wake.set()  # the backoff wait, if any, ends now
    if old.ready_state in (ReadyState.CONNECTING, ReadyState.OPEN):
        await old.close(1000)


async def _open(repl: "Repl", session: Session) -> bool:
    """Open ``session``; then send the ``-x`` messages. False when it failed."""
    try:
        await session.open()
    except WscliError as error:
        if session is repl.session:
            repl._open_error = error  # shown as an event
        return False
    if session is repl.session:
        repl.reconnecting = None
    for payload in repl.execute:
        session.send(payload)
    return True


async def _consume(repl: "Repl", session: Session) -> None:
    """Show ``session``'s events until its close event."""
    async for batch in session.event_batches():
        for event in batch:
            if isinstance(event, Closed) and session is repl.session:
                repl.closed = event
            repl._log.append(event_json(event))
        repl._show_events(batch)  # one write for the whole batch
        _redraw(repl)


def _redraw(repl: "Repl") -> None:
    prompt = repl._prompt
    if prompt is not None and prompt.app.is_running:
        prompt.app.invalidate()
