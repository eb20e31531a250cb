"""One open WebSocket connection, either side, with the browser WebSocket's attributes.

The client's :class:`~wscli.client.session.Session` and the server's numbered connections
(:class:`~wscli.server.listener.Peer`) are both a :class:`Link` over the engine
(:mod:`wscli.link.engine`): ``send`` never blocks (messages join an outgoing queue, which
is framed and written in batches, one transport write each, as far as the socket takes
them), received messages arrive in batches from the protocol callback, and every event
(message in/out, ping, pong, error, close) goes to an event sink in order. No task runs
per connection. Never prints.
"""

import asyncio
from collections.abc import Awaitable, Callable
from time import time
from typing import Any, Literal

from websockets.protocol import State

from wscli.errors import UsageError
from wscli.link.failure import close_event, describe_receive_failure
from wscli.link.handshake import HandshakeFacts
from wscli.link.outgoing import batch_size, take_about
from wscli.link.stream import EventSink
from wscli.protocol.codes import validate_close
from wscli.protocol.events import Closed, Failed, Message, Ping, Pong, ReadyState

__all__ = ["FLUSH_BYTES", "Link"]

Role = Literal["client", "server"]
#: About this much (at most twice, or one bigger message) is framed and handed to the
#: socket at once; more waits in the queue until the socket has taken it (so a ping or a
#: close frame never waits behind much more).
FLUSH_BYTES = 256 * 1024


class Link(HandshakeFacts):
    """The shared half of a client session and a server-side connection."""

    #: Which side this end is; the close event's ``initiated_by`` names a side.
    role: Role = "client"

    # Slots, and waiters made only when someone waits: an idle server-side link is
    # a few hundred bytes (listen holds thousands).
    __slots__ = (
        "_below_low_water",
        "_closed",
        "_drained",
        "_events",
        "_failed",
        "_flush_scheduled",
        "_loop",
        "_low_water",
        "_opening",
        "_outgoing",
        "_queued_bytes",
        "_reading_paused",
        "_sent_close",
        "_unsent_after_close",
        "_ws",
        "bytes_in",
        "bytes_out",
        "echo",
        "high_water",
        "latency",
        "messages_in",
        "messages_out",
        "on_control",
        "on_message",
        "report_sent",
    )

    def __init__(self, events: EventSink) -> None:
        self._ws: Any = None  # the engine's connection (see wscli.link.engine)
        self._loop = asyncio.get_running_loop()
        self._failed = False
        self._events = events
        self._outgoing: list[str | bytes] = []
        self._queued_bytes = 0
        self._unsent_after_close = 0
        self._flush_scheduled = False
        #: Set when the queue is empty (drain() waits on it), made when someone waits.
        self._drained: asyncio.Future[None] | None = None
        #: Set when the queue is under _low_water (wait_buffered_below waits on it).
        self._below_low_water: asyncio.Future[None] | None = None
        self._low_water = 0  # wait_buffered_below's limit while someone waits, else 0
        self._closed: asyncio.Future[Closed] = self._loop.create_future()
        self._opening: asyncio.Task[object] | None = None
        self._sent_close: tuple[int | None, str] | None = None
        self._reading_paused = False  # by the link, until the socket takes more
        self.messages_in = self.messages_out = self.bytes_in = self.bytes_out = 0
        self.latency: float | None = None
        #: False: no message-out events (a consumer that ignores them saves their cost).
        self.report_sent = True
        #: Called with every received message (server modes: broadcast, exec); what it
        #: returns, if not None, is awaited with reading paused (backpressure).
        self.on_message: Callable[[str | bytes], Awaitable[None] | None] | None = None
        #: Called with every ping and pong, in or out (``listen --script`` waits on pings).
        self.on_control: Callable[[Ping | Pong], None] | None = None
        #: Send every received message back (``listen --echo``); reading pauses while the
        #: socket does not take the echoes.
        self.echo = False
        #: While ``on_message`` is set, stop reading when this much is queued to send (a
        #: peer that sends but never reads must not fill wscli's memory).
        self.high_water = 16 * 1024 * 1024

    # The browser's attributes

    @property
    def ready_state(self) -> ReadyState:
        """CONNECTING until the handshake completes, then the connection's state."""
        if self._closed.done() or self._failed:
            return ReadyState.CLOSED
        if self._ws is None:
            return ReadyState.CONNECTING
        return ReadyState(int(self._ws.state))

    @property
    def buffered_amount(self) -> int:
        """Bytes accepted by :meth:`send` and not yet written to the socket."""
        transport = 0
        if self._ws is not None and not self._ws.transport.is_closing():
            transport = self._ws.transport.get_write_buffer_size()
        return self._queued_bytes + transport

    @property
    def close_event(self) -> Closed | None:
        """The close event once the connection is CLOSED."""
        return self._closed.result() if self._closed.done() else None

    def _start(self, ws: Any) -> None:
        """The handshake is done: the connection feeds this link from now on."""
        self._ws = ws
        early = ws.attach(self)
        if early:
            self.receive_batch(early)
        if ws.connection_lost_waiter.done():  # it ended before it was handed over
            self.connection_lost()
        elif self._outgoing:
            self._schedule_flush()

    def _fail(self, message: str) -> None:
        self._failed = True
        self._events.put_nowait(Failed(message))
        closed = Closed(code=1006, reason="", was_clean=False, initiated_by=None)
        self._events.put_nowait(closed)
        self._events.put_nowait(None)
        if not self._closed.done():
            self._closed.set_result(closed)

    # Sending

    def send(self, data: str | bytes) -> bool:
        """Queue a text (``str``) or binary (``bytes``) message; never blocks.

        Messages queued while CONNECTING are sent once the connection is OPEN. Returns
        False, as the browser silently does, when the connection is CLOSING or CLOSED.
        """
        return self.send_many([data]) == 1

    def take_unsent(self) -> list[str | bytes]:
        """The queued messages never written (this connection is CLOSED): they are the
        caller's now (a reconnect sends them on the next connection)."""
        unsent, self._outgoing = self._outgoing, []
        self._queued_bytes = 0
        return unsent

    def send_many(self, messages: list[str | bytes]) -> int:
        """Queue several messages at once, as :meth:`send` does each; return how many
        were queued (all, or none once the connection is CLOSING or CLOSED)."""
        ws = self._ws
        if (  # ready_state >= CLOSING, without building the enum
            self._sent_close is not None
            or self._failed
            or self._closed.done()
            or (ws is not None and ws.protocol.state >= State.CLOSING)
        ):
            self._unsent_after_close += len(messages)
            return 0
        self._outgoing.extend(messages)
        self._queued_bytes += batch_size(messages)
        if ws is not None:
            self._schedule_flush()
        return len(messages)

    @property
    def unsent(self) -> int:
        """Messages accepted by :meth:`send` that never reached the socket."""
        return len(self._outgoing) + self._unsent_after_close

    async def drain(self) -> None:
        """Wait until every queued message is written (or the connection is closed)."""
        if self._outgoing and not self._closed.done():
            if self._drained is None:
                self._drained = self._loop.create_future()
            await self._until_closed_or(self._drained)

    async def wait_buffered_below(self, limit: int) -> None:
        """Backpressure for bulk senders: wait until the outgoing queue is under ``limit``."""
        if self._queued_bytes >= limit:
            self._low_water = limit
            if self._below_low_water is None:
                self._below_low_water = self._loop.create_future()
            await self._until_closed_or(self._below_low_water)

    async def _until_closed_or(self, waiter: "asyncio.Future[None]") -> None:
        if waiter.done() or self._closed.done():
            return
        either: list[asyncio.Future[Any]] = [waiter, self._closed]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Frame up to FLUSH_BYTES of queued messages and write them at once; again at the
        next turn of the loop while the socket takes more (else when it is writable)."""
        self._flush_scheduled = False
        ws, outgoing = self._ws, self._outgoing
        if ws is None or ws.paused or not outgoing or self._closed.done():
            return
        if self._queued_bytes <= FLUSH_BYTES:  # all of it, the common case
            batch, size = outgoing, self._queued_bytes
            outgoing = self._outgoing = []
        else:
            batch, size = take_about(outgoing, FLUSH_BYTES, self._queued_bytes)
        framed = ws.write_frames(batch)
        if framed < len(batch):  # no longer OPEN: the rest stays unsent
            outgoing[0:0] = batch[framed:]
            batch = batch[:framed]
            size = batch_size(batch)
        self._sent(batch, size)
        if not outgoing:
            self._set_drained()
        elif framed and not ws.paused:
            self._schedule_flush()

    def _sent(self, batch: list[str | bytes], size: int, *, queued: bool = True) -> None:
        """Count and report ``batch`` (``size`` bytes), now written; ``queued``: it came
        from the outgoing queue."""
        if queued:
            self._queued_bytes -= size
        self.messages_out += len(batch)
        self.bytes_out += size
        if self._queued_bytes < self._low_water:
            self._low_water = 0
            waiter, self._below_low_water = self._below_low_water, None
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        if self.report_sent:
            at = time()
            self._events.put_many([Message(data, "out", at) for data in batch])

    def writable(self) -> None:
        """The engine's hook: the socket takes more again."""
        if self._reading_paused:
            self._reading_paused = False
            self._ws.release_reading()
        self._flush()

    # Receiving

    def receive_batch(self, messages: list[str | bytes]) -> None:
        """The engine's hook: the messages of one network read, in order."""
        self.messages_in += len(messages)
        self.bytes_in += sum(map(len, messages))
        self._events.put_received(messages, time())  # one read: one arrival time
        if self.echo:
            self._echo(messages)
        elif self.on_message is not None:
            for data in messages:
                waiting = self.on_message(data)
                if waiting is not None:
                    self._pause_reading_until(waiting)
            if self._queued_bytes >= self.high_water:
                self._pause_reading_until(self.wait_buffered_below(self.high_water // 2))

    def _echo(self, messages: list[str | bytes]) -> None:
        """Send ``messages`` back at once, in one write, as a minimal echo server does;
        stop reading while the socket does not take them. Queued messages go first, to
        keep the order."""
        ws = self._ws
        if self._outgoing or self._sent_close is not None or ws.paused:
            self.send_many(messages)
        else:
            echoed = messages[: ws.write_frames(messages)]
            self._sent(echoed, batch_size(echoed), queued=False)
        if ws.paused and not self._reading_paused:
            self._reading_paused = True
            ws.hold_reading()

    def _pause_reading_until(self, waiting: Awaitable[None]) -> None:
        ws = self._ws
        ws.hold_reading()
        future = asyncio.ensure_future(waiting)
        future.add_done_callback(lambda _: ws.release_reading())

    def report_control(self, event: Ping | Pong) -> None:
        """The engine's hook: a ping or pong frame, in or out."""
        self._events.put_nowait(event)
        if self.on_control is not None:
            self.on_control(event)

    def connection_lost(self) -> None:
        """The engine's hook: the connection is CLOSED; report how it ended."""
        if self._closed.done():
            return
        ws = self._ws
        exc = ws.close_exc
        problem = describe_receive_failure(exc, "server" if self.role == "client" else "client")
        unexpected = getattr(ws, "unexpected", None)
        if problem is None and unexpected is not None:
            problem = f"unexpected failure while receiving: {unexpected!r}"
        sent_empty = self._sent_close is not None and self._sent_close[0] is None
        closed = close_event(
            exc, ws.close_code, ws.close_reason, me=self.role, sent_empty=sent_empty
        )
        if problem is not None:
            self._events.put_nowait(Failed(problem))
        self._events.put_nowait(closed)
        self._events.put_nowait(None)
        self._closed.set_result(closed)
        self._set_drained()

    def _set_drained(self) -> None:
        waiter, self._drained = self._drained, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # Control frames and closing

    async def ping(self, data: bytes | str = b"") -> float:
        """Send a ping and return the round-trip time in seconds."""
        ws = self._require_open()
        waiter = await ws.ping(data or None)
        self.latency = await waiter
        return self.latency

    async def pong(self, data: bytes | str = b"") -> None:
        """Send an unsolicited pong."""
        ws = self._require_open()
        await ws.pong(data)
        payload = data.encode() if isinstance(data, str) else bytes(data)
        self._events.put_nowait(Pong(payload, "out"))

    def _require_open(self) -> Any:
        if self._ws is None or self.ready_state is not ReadyState.OPEN:
            raise UsageError(f"the connection is {self.ready_state.name}", "it must be OPEN")
        return self._ws

    async def close(
        self, code: int | None = 1000, reason: str = "", *, drain: bool = True
    ) -> Closed:
        """Send everything queued (unless ``drain`` is False), then close with ``code`` and
        ``reason`` and wait for the close event.

        ``code=None`` sends an empty close frame. Closing a CLOSING or CLOSED connection
        only waits for the close event; closing while CONNECTING fails the connection.

        Raises:
            UsageError: the code may not be sent or the reason is too long (checked first;
                the connection stays as it was).
        """
        validate_close(code, reason)
        if self._ws is None and self._opening is not None and not self._closed.done():
            self._opening.cancel()  # CONNECTING: fail the connection, as the browser does
        if self._ws is not None and self.ready_state is ReadyState.OPEN:
            if drain:
                await self.drain()
            if self._sent_close is None and self._ws.state is State.OPEN:
                self._sent_close = (code, reason)
                await self._ws.close(code, reason)
        return await self.wait_closed()

    async def wait_closed(self) -> Closed:
        """Wait for the close event."""
        return await asyncio.shield(self._closed)

    async def abort(self) -> None:
        """Drop the TCP connection without a closing handshake (or stop connecting)."""
        if self._ws is not None:
            self._ws.transport.abort()
        elif self._opening is not None:
            self._opening.cancel()
        await self.wait_closed()
