"""The client core: a browser-like WebSocket session over websockets.asyncio. Never prints."""

import asyncio
from collections.abc import AsyncIterator, Awaitable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from wscli.client.connecting import open_connection
from wscli.client.cookies import store_cookies
from wscli.client.open_errors import describe_open_error
from wscli.errors import WscliError
from wscli.link.connection import Link
from wscli.link.engine import engine_connection
from wscli.link.stream import EventQueue
from wscli.options import ConnectOptions
from wscli.protocol.events import Event, Opened, ReadyState
from wscli.protocol.target import Target, parse_url

__all__ = ["Session"]


class Session(Link):
    """One client connection with the browser WebSocket's attributes and an event stream.

    ``send`` never blocks: messages join an outgoing queue, framed and written in
    batches; received messages arrive in batches from the engine. Events (open, message
    in/out, ping, pong, error, close) come out of :meth:`event_batches` in order; the
    stream ends after the close event.
    """

    role = "client"
    __slots__ = ("_open_done", "_queue", "options", "target", "url")

    def __init__(self, options: ConnectOptions) -> None:
        self._queue: EventQueue[Event] = EventQueue()
        super().__init__(self._queue)
        self._open_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.options = options
        assert options.url is not None, "the built-in echo server's URL is filled in first"
        self.target: Target = parse_url(options.url)
        self.url = self.target.url

    # Opening

    async def open(self) -> Opened:
        """Run the opening handshake, then start the reader and writer tasks.

        Raises:
            WscliError: the connection could not be opened (the subclass says why); an
                error event and a close event with 1006 are emitted first.
        """
        self._opening = asyncio.current_task()
        try:
            return await self._open()
        finally:
            if not self._open_done.done():
                self._open_done.set_result(None)

    async def wait_open(self) -> bool:
        """Wait until the opening handshake has ended; whether the session is OPEN."""
        await asyncio.shield(self._open_done)
        return self.ready_state is ReadyState.OPEN

    async def _open(self) -> Opened:
        try:
            ws = await self._connect()
        except asyncio.CancelledError:
            self._fail("the connection attempt was cancelled")
            raise
        except Exception as exc:
            if isinstance(exc, InvalidStatus):  # a refusal may set cookies too
                store_cookies(self.target, self.options, exc.response.headers.raw_items())
            error = describe_open_error(exc, self.target, self.options)
            self._fail(error.message)
            raise error from exc
        self._ws = ws
        if ws.response is not None:
            try:
                store_cookies(self.target, self.options, ws.response.headers.raw_items())
            except WscliError as error:  # the jar cannot be written: nothing is lost yet
                ws.transport.abort()
                self._fail(error.message)
                raise
        opened = self.opened_event(self.url)
        self._events.put_nowait(opened)
        self._start(ws)
        return opened

    def _connect(self) -> Awaitable[ClientConnection]:
        session = self
        connection_class = engine_connection(ClientConnection, lambda _ws: session)
        return open_connection(self.target, self.options, connection_class)

    async def send_ping(self, data: bytes) -> None:
        """Send a ping after every message queued before it, without waiting for its pong
        (``--input-format jsonl``'s ping); none once the connection is no longer OPEN."""
        await self.drain()
        if self._ws is not None and self.ready_state is ReadyState.OPEN:
            await self._ws.ping(data)

    def event_batches(self, *, arrived: bool = False) -> AsyncIterator[list[Event]]:
        """Every event in order, as lists of those already waiting; ends after close.
        ``arrived``: a read's messages come as one Arrived item, not a Message each."""
        return self._queue.batches(arrived=arrived)
