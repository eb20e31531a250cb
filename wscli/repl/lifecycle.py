"""One connection's life at ``connect``'s prompt: open, report the events, close, and
connect again.

:class:`Lifecycle` owns the session, its opening, its close event and the reconnect state;
the prompt reads them (toolbar, /status) and asks it to act (/reconnect, quitting). It
knows nothing of the prompt: it reports through the callbacks it is given.

:meth:`Lifecycle.drive` runs for the whole prompt: it opens the current session, reports
its events until the close event, then either ends, follows a ``/reconnect`` (which has
already put a new session in place, see :meth:`Lifecycle.reconnect_now`), or, with
``--reconnect``, waits with exponential backoff and full jitter and opens a new session
with the same options. Every successful open sends the ``-x`` messages again; one that
lasted 5 s resets the attempt count. A TLS failure or a 4xx answer to the handshake is
never retried: that error ends the prompt.
"""

import asyncio
import contextlib
from collections.abc import Callable

from wscli.client.session import Session
from wscli.errors import WscliError, is_permanent
from wscli.protocol.backoff import backoff_delays
from wscli.protocol.events import Closed, Event, ReadyState

__all__ = ["Lifecycle"]

#: A connection that lasted this long (seconds) was stable: the backoff starts over.
_STABLE = 5.0


class Lifecycle:
    """The current session of the prompt and everything about its (re)connecting."""

    def __init__(
        self,
        session: Session,
        *,
        first_messages: list[str | bytes],
        reconnect: bool,
        on_events: Callable[[list[Event]], None],
        on_notice: Callable[[str], None],
        on_change: Callable[[], None],
    ) -> None:
        self.session = session
        #: The current session's close event, once it is CLOSED.
        self.closed: Closed | None = None
        #: Why the last opening failed (a failure that ends the prompt is raised by it).
        self.open_error: WscliError | None = None
        #: While reconnecting, what the toolbar says; None otherwise.
        self.reconnecting: str | None = None
        #: No session will follow: the prompt ends.
        self.finished = False
        self._first_messages = first_messages
        self._reconnect = reconnect
        self._on_events = on_events
        self._on_notice = on_notice
        self._on_change = on_change
        self._restart = False  # /reconnect put a new session in place
        self._quitting = False  # the user quit (or a signal came): no more reconnects
        self._wake = asyncio.Event()  # ends a backoff wait early
        self._opener: asyncio.Task[bool] | None = None

    async def drive(self) -> None:
        """Open, report events, reconnect; until no session follows."""
        delays, attempt = backoff_delays(), 0
        while True:
            session = self.session
            started = asyncio.get_running_loop().time()
            self._opener = asyncio.create_task(self._open(session))
            await self._report(session)
            lasted = asyncio.get_running_loop().time() - started
            await asyncio.gather(self._opener, return_exceptions=True)
            opened = not self._opener.cancelled() and self._opener.result()
            if self._restart:  # /reconnect: the new session is in place
                self._restart = False
                delays, attempt = backoff_delays(), 0
                continue
            if not self._retrying():
                break
            if opened and lasted >= _STABLE:  # a server that accepts, then drops at once,
                delays, attempt = backoff_delays(), 0  # still gets longer and longer waits
            attempt += 1
            if not await self._back_off(next(delays), attempt):
                break
        self.finished = True
        self._on_change()

    def _retrying(self) -> bool:
        """Whether to connect again after the session ended."""
        if self._quitting or not self._reconnect:
            return False
        error = self.open_error
        if error is not None and is_permanent(error):
            return False
        self.open_error = None
        return True

    async def _back_off(self, delay: float, attempt: int) -> bool:
        """Wait ``delay`` (or until woken), then put a new session in place; False when
        the user quit meanwhile."""
        self.reconnecting = f"in {delay:.1f} s (attempt {attempt})"
        self._on_notice(f"reconnecting in {delay:.1f} s (attempt {attempt})")
        self._on_change()
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
        if self._quitting:
            return False
        if self._restart:  # /reconnect during the wait: its session is in place
            self._restart = False
        else:
            self.reconnecting = f"attempt {attempt}"
            self.session, self.closed = Session(self.session.options), None
            self._on_change()
        return True

    async def reconnect_now(self) -> None:
        """``/reconnect``: close the current connection (1000) and open a new one."""
        self._on_notice("reconnecting...")
        old = self.session
        self._restart = True
        self.session, self.closed = Session(old.options), None
        self.reconnecting = "now"
        self._wake.set()  # the backoff wait, if any, ends now
        if old.ready_state in (ReadyState.CONNECTING, ReadyState.OPEN):
            await old.close(1000)

    async def quit(self, code: int) -> None:
        """End the life: no more reconnects; stop opening, or close with ``code``."""
        self._quitting = True
        self._wake.set()
        if self.session.ready_state in (ReadyState.CONNECTING, ReadyState.OPEN):
            if self._opener is not None:
                self._opener.cancel()
                await asyncio.gather(self._opener, return_exceptions=True)
            await self.session.close(code)

    async def _open(self, session: Session) -> bool:
        """Open ``session``; then send the ``-x`` messages. False when it failed."""
        try:
            await session.open()
        except WscliError as error:
            if session is self.session:
                self.open_error = error  # shown as an event
            return False
        if session is self.session:
            self.reconnecting = None
        for payload in self._first_messages:
            session.send(payload)
        return True

    async def _report(self, session: Session) -> None:
        """Report ``session``'s events until its close event."""
        async for batch in session.event_batches():
            for event in batch:
                if isinstance(event, Closed) and session is self.session:
                    self.closed = event
            self._on_events(batch)
            self._on_change()
