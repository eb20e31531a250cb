"""One open WebSocket connection, either side, with the browser WebSocket's attributes.

The client's :class:`~wscli.client.session.Session` and the server's numbered connections
(:class:`~wscli.server.listener.Peer`) are both a :class:`Link`: ``send`` never blocks
(messages join an outgoing queue that one writer task drains), one reader task receives,
and every event (message in/out, ping, pong, error, close) goes to an event sink in order.
Never prints.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from wscli.errors import UsageError
from wscli.link.failure import describe_receive_failure
from wscli.protocol.codes import validate_close
from wscli.protocol.events import Closed, Event, Failed, Message, Opened, Ping, Pong, ReadyState

__all__ = ["EventSink", "Link", "message_size"]

Role = Literal["client", "server"]


class EventSink(Protocol):
    """Where a link's events go: ``None`` marks the end (after the close event)."""

    def put_nowait(self, event: Event | None, /) -> None: ...


class Link:
    """The shared half of a client session and a server-side connection."""

    #: Which side this end is; the close event's ``initiated_by`` names a side.
    role: Role = "client"

    def __init__(self, events: EventSink) -> None:
        self._ws: Connection | None = None
        self._failed = False
        self._events = events
        self._outgoing: deque[str | bytes] = deque()
        self._queued_bytes = 0
        self._unsent_after_close = 0
        self._writer_wakeup = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._below_low_water = asyncio.Event()
        self._low_water = 0  # wait_buffered_below's limit while someone waits, else 0
        self._closed: asyncio.Future[Closed] = asyncio.get_running_loop().create_future()
        self._tasks: list[asyncio.Task[None]] = []
        self._opening: asyncio.Task[object] | None = None
        self._sent_close: tuple[int | None, str] | None = None
        self.messages_in = self.messages_out = self.bytes_in = self.bytes_out = 0
        self.latency: float | None = None
        #: False: no message-out events (a consumer that ignores them saves their cost).
        self.report_sent = True
        #: Called with every received message (server modes: broadcast, exec); what it
        #: returns, if not None, is awaited before the next message is read (backpressure).
        self.on_message: Callable[[str | bytes], Awaitable[None] | None] | None = None
        #: Send every received message back (``listen --echo``), before reading the next.
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
    def protocol(self) -> str:
        """The negotiated subprotocol, or ""."""
        return (self._ws.subprotocol or "") if self._ws is not None else ""

    @property
    def extensions(self) -> str:
        """The ``Sec-WebSocket-Extensions`` value of the handshake response, or ""."""
        if self._ws is None or self._ws.response is None:
            return ""
        return self._ws.response.headers.get("Sec-WebSocket-Extensions", "")

    @property
    def buffered_amount(self) -> int:
        """Bytes accepted by :meth:`send` and not yet written to the socket."""
        transport = 0
        if self._ws is not None and not self._ws.transport.is_closing():
            transport = self._ws.transport.get_write_buffer_size()
        return self._queued_bytes + transport

    @property
    def request_headers(self) -> tuple[tuple[str, str], ...]:
        if self._ws is None or self._ws.request is None:
            return ()
        return tuple(self._ws.request.headers.raw_items())

    @property
    def response_headers(self) -> tuple[tuple[str, str], ...]:
        if self._ws is None or self._ws.response is None:
            return ()
        return tuple(self._ws.response.headers.raw_items())

    def opened_event(self, url: str, remote: str = "") -> Opened:
        """The open event of this link, once its handshake is done (``remote``: the
        client's address, on the server's side)."""
        return Opened(
            url=url,
            protocol=self.protocol,
            extensions=self.extensions,
            request_headers=self.request_headers,
            response_headers=self.response_headers,
            remote=remote,
        )

    @property
    def close_event(self) -> Closed | None:
        """The close event once the connection is CLOSED."""
        return self._closed.result() if self._closed.done() else None

    def _start(self, ws: Connection) -> None:
        """The handshake is done: start the reader and the writer."""
        self._ws = ws
        self._tasks = [
            asyncio.create_task(self._read(ws)),
            asyncio.create_task(self._write(ws)),
        ]

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
        size = message_size(data)
        ws = self._ws
        if (  # ready_state >= CLOSING, without building the enum on every message
            self._sent_close is not None
            or self._failed
            or self._closed.done()
            or (ws is not None and ws.protocol.state >= State.CLOSING)
        ):
            self._unsent_after_close += 1
            return False
        self._outgoing.append(data)
        self._queued_bytes += size
        self._drained.clear()
        self._writer_wakeup.set()
        return True

    @property
    def unsent(self) -> int:
        """Messages accepted by :meth:`send` that never reached the socket."""
        return len(self._outgoing) + self._unsent_after_close

    async def drain(self) -> None:
        """Wait until every queued message is written (or the connection is closed)."""
        await self._until_closed_or(self._drained)

    async def wait_buffered_below(self, limit: int) -> None:
        """Backpressure for bulk senders: wait until the outgoing queue is under ``limit``."""
        if self._queued_bytes >= limit:
            self._low_water = limit
            self._below_low_water.clear()
            await self._until_closed_or(self._below_low_water)

    async def _until_closed_or(self, event: asyncio.Event) -> None:
        waiter = asyncio.ensure_future(event.wait())
        closed = asyncio.ensure_future(self.wait_closed())
        await asyncio.wait([waiter, closed], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        closed.cancel()

    async def _write(self, ws: Connection) -> None:
        outgoing, events = self._outgoing, self._events
        while True:
            if not outgoing:
                self._drained.set()
                self._writer_wakeup.clear()
                await self._writer_wakeup.wait()
                if self._closed.done():
                    return
                continue
            data = outgoing[0]
            try:
                await ws.send(data)
            except ConnectionClosed:
                self._drained.set()
                return
            outgoing.popleft()
            size = message_size(data)
            self._queued_bytes -= size
            if self._queued_bytes < self._low_water:
                self._low_water = 0
                self._below_low_water.set()
            self.messages_out += 1
            self.bytes_out += size
            if self.report_sent:
                events.put_nowait(Message(data, "out"))

    # Receiving

    async def _read(self, ws: Connection) -> None:
        events = self._events
        try:
            while True:
                data = await ws.recv()
                self.messages_in += 1
                self.bytes_in += len(data)
                events.put_nowait(Message(data, "in"))
                if self.echo:
                    await self._echo(ws, data)
                elif self.on_message is not None:
                    waiting = self.on_message(data)
                    if waiting is not None:
                        await waiting
                    if self._queued_bytes >= self.high_water:
                        await self.wait_buffered_below(self.high_water // 2)
        except ConnectionClosed as exc:
            await ws.wait_closed()
            problem = describe_receive_failure(exc, "server" if self.role == "client" else "client")
            closed = self._close_event(ws, exc)
        except Exception as exc:  # not websockets' way to end; never leave waiters hanging
            ws.transport.abort()
            problem = f"unexpected failure while receiving: {exc!r}"
            closed = Closed(code=1006, reason="", was_clean=False, initiated_by=None)
        if problem is not None:
            events.put_nowait(Failed(problem))
        events.put_nowait(closed)
        events.put_nowait(None)
        if not self._closed.done():
            self._closed.set_result(closed)
        self._writer_wakeup.set()  # the writer sees CLOSED and ends

    async def _echo(self, ws: Connection, data: str | bytes) -> None:
        """Send ``data`` back at once, as a minimal echo server does: no trip through the
        writer task (a round trip costs a task switch less), and no further reading until
        it is written (backpressure). Queued messages go first, to keep the order."""
        if self._outgoing or self._sent_close is not None:
            self.send(data)
            return
        try:
            await ws.send(data)
        except ConnectionClosed:
            return  # the reader sees the close next
        self.messages_out += 1
        self.bytes_out += message_size(data)
        if self.report_sent:
            self._events.put_nowait(Message(data, "out"))

    def _close_event(self, ws: Connection, exc: ConnectionClosed) -> Closed:
        rcvd, sent = exc.rcvd, exc.sent
        me: Role = self.role
        peer: Role = "server" if me == "client" else "client"
        initiated: Role | None = None
        if rcvd is not None and sent is not None:
            initiated = peer if exc.rcvd_then_sent else me
        elif sent is not None:
            initiated = me
        elif rcvd is not None:
            initiated = peer
        code = ws.close_code if ws.close_code is not None else 1006
        sent_code: int | None = None
        if sent is not None:
            sent_code = int(sent.code)
            if self._sent_close is not None and self._sent_close[0] is None:
                sent_code = None  # we sent an empty close frame; websockets records 1005
        return Closed(
            code=code,
            reason=ws.close_reason or "",
            was_clean=rcvd is not None and sent is not None,
            initiated_by=initiated,
            sent_code=sent_code,
            sent_reason=sent.reason if sent is not None else None,
        )

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

    def _require_open(self) -> Connection:
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
                await self._ws.close(code, reason)  # type: ignore[arg-type]
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

    def emit_control(self, event: Ping | Pong) -> None:
        """Called by the connection for every ping and pong frame, in or out."""
        self._events.put_nowait(event)


def message_size(data: str | bytes) -> int:
    """A message's size in bytes: its UTF-8 length for text (ASCII is counted cheaply)."""
    if isinstance(data, bytes) or data.isascii():
        return len(data)
    return len(data.encode("utf-8", "surrogatepass"))
