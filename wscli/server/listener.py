"""``wscli listen``'s core: a listener that numbers its connections and runs a mode.

Every accepted connection becomes a :class:`Peer` (a :class:`~wscli.link.connection.Link`
with an id, the remote address and the request path); its events reach the front end
through one :class:`~wscli.link.stream.EventQueue` of ``(id, event)`` pairs, in order. The
modes: ``default`` (the front end decides what to send), ``echo``, ``broadcast`` (every
message to all other clients) and ``exec`` (a program per connection, through the
``attach`` hook that the flow gives: :mod:`wscli.flows.program`). Never prints.
"""

import asyncio
import contextlib
import errno
import functools
import logging
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

from websockets.asyncio.server import Server, ServerConnection, serve, unix_serve
from websockets.protocol import State

from wscli.dialect.serving import SERVER_DIALECTS, ServerDialect
from wscli.link.connection import Link
from wscli.link.deflate import lazy_server_deflate
from wscli.link.engine import engine_connection
from wscli.link.stream import EventQueue, EventSink
from wscli.options import ListenOptions
from wscli.protocol.events import Closed, Event, ReadyState, received_messages
from wscli.server.binding import bind_error, remove_stale
from wscli.server.dialect_sink import DialectSink, keep_beating
from wscli.server.gate import Gate
from wscli.server.tls import server_context, subject_dn

__all__ = ["Attach", "Listener", "Peer", "ServerEvent"]

ServerEvent = tuple[int, Event]
#: Called with each new peer before it reads: sets up what serves it (``--exec``'s
#: program) and returns what to await while it is served.
Attach = Callable[["Peer"], Awaitable[None]]
#: A client with more than this many bytes waiting to be sent is closed (1008): stdin,
#: the prompt and --broadcast must not queue without end for a client that does not read.
SLOW_LIMIT = 16 * 1024 * 1024


class _Tagged:
    """A peer's event sink: puts ``(id, event)`` on the listener's shared queue."""

    __slots__ = ("_id", "_listener")

    def __init__(self, listener: "Listener", conn_id: int) -> None:
        self._listener = listener
        self._id = conn_id

    def put_nowait(self, event: Event | None, /) -> None:
        if event is not None:  # a peer's end is not the stream's end
            self._listener.events.put_nowait((self._id, event))

    def put_many(self, events: list[Event], /) -> None:
        conn_id = self._id
        self._listener.events.put_many([(conn_id, event) for event in events])

    def put_received(self, messages: list[str | bytes], at: float, /) -> None:
        self.put_many(cast(list[Event], received_messages(messages, at)))


class Peer(Link):
    """One client of the listener, numbered from 1 in the order they connected."""

    role = "server"
    __slots__ = (
        "client_dn",
        "dialect_sink",
        "encode",
        "id",
        "local_port",
        "path",
        "remote",
        "username",
    )

    def __init__(
        self,
        listener: "Listener",
        conn_id: int,
        ws: ServerConnection,
        dialect: "ServerDialect | None" = None,
    ) -> None:
        sink: EventSink = _Tagged(listener, conn_id)
        #: How what the listener sends becomes frames (``--dialect``); None: as it is.
        self.encode: Callable[[str | bytes], list[str | bytes]] | None = None
        #: The sink that translates this peer's frames (``--dialect``).
        self.dialect_sink: DialectSink | None = None
        if dialect is not None:
            sink = self.dialect_sink = DialectSink(
                sink, dialect, echo=listener.options.mode == "echo"
            )
            sink.peer = self
            self.encode = dialect.encode
        super().__init__(sink)
        self.id = conn_id
        self._ws = ws  # the handshake is done: OPEN from the start
        remote = ws.remote_address
        self.remote = f"{remote[0]}:{remote[1]}" if isinstance(remote, tuple) else str(remote)
        self.remote = self.remote or "unix"  # a Unix-domain socket's peer has no address
        local = ws.local_address
        #: The port the client connected to (``listen 0`` picks one).
        self.local_port: int = local[1] if isinstance(local, tuple) else 0
        self.path = ws.request.path if ws.request is not None else "/"
        self.username: str | None = getattr(ws, "username", None)
        #: The subject of the client's certificate (``--client-ca``), RFC 4514; "" if none.
        self.client_dn = subject_dn(ws.transport.get_extra_info("peercert"))


class Listener:
    """Binds, accepts, numbers connections, and runs ``options.mode``.

    :meth:`start` binds and sets :attr:`url`; :meth:`batches` yields the connections'
    events; :meth:`stop` closes every connection (1001, going away), waits for them and
    ends the event stream.
    """

    def __init__(
        self, options: ListenOptions, *, page: bytes | None = None, attach: Attach | None = None
    ) -> None:
        self.options = options
        #: The OPEN, CLOSING and just-CLOSED connections, by id (the CLOSED leave at once).
        self.peers: dict[int, Peer] = {}
        self.url = ""
        self.accepted = 0  # connections accepted so far (the next id is accepted + 1)
        #: False: no message-out events (the front end does not show them).
        self.report_sent = True
        self._page = page
        self._attach = attach
        self._server: Server | None = None
        self._connections: weakref.WeakSet[ServerConnection] = weakref.WeakSet()
        self._dropping: set[int] = set()  # slow clients being closed
        self._tasks: set[asyncio.Future[None]] = set()
        #: Every connection's events, as ``(id, event)``, in order.
        self.events: EventQueue[ServerEvent] = EventQueue()
        self._stopped = False
        #: Called with a one-line notice the front end reports: a refused TLS handshake,
        #: accepts failing for want of file descriptors.
        self.on_notice: Callable[[str], None] | None = None
        self._starved_at = -1e9  # when the last "out of files" notice was given
        #: --once: the one connection's close event, when it has closed.
        self.once_closed: asyncio.Future[Closed] = asyncio.get_running_loop().create_future()

    # Starting and stopping

    async def start(self) -> str:
        """Bind and listen; return the ``ws://`` or ``wss://`` URL clients use.

        Raises:
            WscliError: the address cannot be bound, or the TLS files cannot be used.
        """
        try:
            return await self._start()
        except OSError as exc:
            raise bind_error(exc, self.options) from None

    async def _start(self) -> str:
        options = self.options
        logger = logging.getLogger("wscli.flows.serve")
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
        page = self._page
        gate = Gate(options, count=self._connected, page=(lambda: page) if page else None)
        gate.notice = self._notice
        context = server_context(options, self._refused) if options.cert else None
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(
            functools.partial(self._loop_trouble, loop.get_exception_handler())
        )

        where: dict[str, Any] = {"host": options.host, "port": options.port}
        if options.unix_socket is not None:
            remove_stale(options.unix_socket)
            where = {"path": options.unix_socket}
        self._server = await (unix_serve if options.unix_socket else serve)(
            self._handle,
            **where,
            process_request=gate.process_request,
            select_subprotocol=gate.select_subprotocol,
            # websockets' compression="deflate", its zlib state made at a connection's first
            # message (an idle connection holds none: see LazyDeflate)
            compression=None,
            extensions=[lazy_server_deflate()] if options.compression else None,
            max_size=options.max_size,
            ping_interval=options.ping_interval,
            ping_timeout=options.ping_timeout,
            open_timeout=options.open_timeout,
            close_timeout=options.close_timeout,
            ssl=context,
            logger=logger,
            server_header="wscli",
            create_connection=self._connection_factory(),
        )
        if options.unix_socket is not None:
            os.chmod(options.unix_socket, options.socket_mode)
            self.url = f"{'wss' if context else 'ws'}+unix://{options.unix_socket}"
            return self.url
        sockname = next(iter(self._server.sockets)).getsockname()
        host = sockname[0]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{'wss' if context else 'ws'}://{shown}:{sockname[1]}"
        path = options.path or "/"
        self.url += path if path != "/" else ""
        return self.url

    async def stop(self, code: int = 1001, reason: str = "") -> None:
        """Stop accepting, close every connection with ``code`` and wait for them."""
        if self._server is None:
            return
        self._stopped = True
        self._server.close(close_connections=False)
        for connection in list(self._connections):
            # A stalled handshake must not delay the exit. (No transport yet: still in the
            # TLS handshake, which ssl_handshake_timeout ends.)
            transport = getattr(connection, "transport", None)
            if transport is not None and connection.protocol.state is State.CONNECTING:
                transport.abort()
        peers = list(self.peers.values())
        await asyncio.gather(*(self._close_peer(p, code, reason) for p in peers))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), self.options.close_timeout + 1)
        if self.options.unix_socket is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.options.unix_socket)
        self.events.put_nowait(None)

    async def _close_peer(
        self, peer: Peer, code: int, reason: str, *, drain_for: float = 1.0
    ) -> None:
        """Close ``peer`` promptly even if it stopped reading: what is queued gets
        ``drain_for`` seconds to go out, the closing handshake 2 s at most, then the
        connection is dropped."""
        if drain_for:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(peer.drain(), drain_for)
        try:
            await asyncio.wait_for(
                peer.close(code, reason, drain=False), min(self.options.close_timeout, 2.0)
            )
        except Exception:  # the 2 s ran out, or the connection broke: drop it
            await peer.abort()

    # Connections

    def _link_of(self, ws: ServerConnection) -> Link | None:
        return getattr(ws, "wscli_peer", None)

    def _connection_factory(self) -> type[ServerConnection]:
        """Connections that report pings and pongs, and that :meth:`stop` can find while
        they are still in their handshake (websockets lists them only once OPEN)."""
        base = engine_connection(ServerConnection, self._link_of)
        connections = self._connections

        class TrackedConnection(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                connections.add(self)

        return TrackedConnection

    async def _handle(self, ws: ServerConnection) -> None:
        if self._stopped or (self.options.once and self.accepted >= 1):
            await ws.close(1013, "try again later")  # --once: only the first connection
            return
        self.accepted += 1
        dialect = None
        if self.options.dialect is not None:
            interval = self.options.ping_interval or 25.0  # the dialect's heartbeat too
            dialect = SERVER_DIALECTS[self.options.dialect](interval)
        peer = Peer(self, self.accepted, ws, dialect)
        peer.report_sent = self.report_sent
        ws.wscli_peer = peer  # type: ignore[attr-defined]
        self.peers[peer.id] = peer
        opened = peer.opened_event(self._peer_url(ws), peer.remote)
        opened.client_dn = peer.client_dn
        self.events.put_nowait((peer.id, opened))
        mode = self.options.mode
        if mode == "echo" and dialect is None:  # with a dialect, its sink echoes
            peer.echo = True
        elif mode == "broadcast":
            peer.on_message = functools.partial(self._broadcast, but=peer.id)
        served = self._attach(peer) if self._attach is not None else None
        peer._start(ws)
        if dialect is not None:
            peer.send_many(dialect.opening())
            beating = asyncio.ensure_future(keep_beating(peer, dialect))
            self._tasks.add(beating)
            beating.add_done_callback(self._tasks.discard)
        try:
            if served is not None:
                await served
            closed = await peer.wait_closed()
        finally:
            del self.peers[peer.id]
            self._dropping.discard(peer.id)
        if self.options.once and not self.once_closed.done():
            self.once_closed.set_result(closed)

    def _notice(self, text: str) -> None:
        if self.on_notice is not None:
            self.on_notice(text)

    def _refused(self, reason: str) -> None:
        self._notice(f"refused a TLS handshake: {reason}")

    def _loop_trouble(
        self,
        previous: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None,
        loop: asyncio.AbstractEventLoop,
        context: dict[str, Any],
    ) -> None:
        """asyncio reports an accept that failed for want of files (it retries each
        second) with a traceback: one line instead, at most every 10 s."""
        exc = context.get("exception")
        if (
            self._stopped
            and isinstance(exc, ValueError)
            and "_start_serving" in str(context.get("handle"))
        ):
            return  # asyncio's accept retry, scheduled before the server closed
        if not (isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE)):
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        if loop.time() - self._starved_at >= 10.0:
            self._starved_at = loop.time()
            self._notice(
                f"cannot accept connections: {exc.strerror} ({len(self.peers)} connected);"
                " new clients wait until one leaves (lower --max-connections, or raise"
                " ulimit -n)"
            )

    def _peer_url(self, ws: ServerConnection) -> str:
        request = ws.request
        host = request.headers.get("Host", "") if request is not None else ""
        path = request.path if request is not None else "/"
        return f"{'wss' if self.options.cert else 'ws'}://{host}{path}"

    def _connected(self) -> int:
        """Connections that count for --max-connections: all but the CLOSED (whose
        handler may still be ending an --exec process). Below the limit, the number of
        peers (an upper bound) is all the gate needs: counting them on every handshake
        made accepting O(n) (53 accepts/s at 10,000 connections)."""
        peers = self.peers
        if len(peers) < (self.options.max_connections or 0):
            return len(peers)
        return sum(1 for peer in peers.values() if peer.ready_state is not ReadyState.CLOSED)

    def open_peers(self) -> list[Peer]:
        """The OPEN connections, by id."""
        return [peer for peer in self.peers.values() if peer.ready_state is ReadyState.OPEN]

    def send_all(self, data: str | bytes, *, but: int | None = None) -> int:
        """Queue ``data`` to every OPEN connection (except ``but``); return how many.

        A client that has more than SLOW_LIMIT bytes waiting is too slow for the others:
        it is closed with 1008 rather than let fill wscli's memory.
        """
        sent = 0
        for peer in list(self.peers.values()):
            frames = [data] if peer.encode is None else peer.encode(data)
            if peer.id != but and peer.send_many(frames) == len(frames):
                sent += 1
                if peer.buffered_amount > SLOW_LIMIT and peer.id not in self._dropping:
                    self._dropping.add(peer.id)
                    waiting = f"{peer.buffered_amount // (1024 * 1024)} MiB waiting"
                    task = asyncio.ensure_future(
                        self._close_peer(peer, 1008, f"too slow: {waiting}", drain_for=0)
                    )
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        return sent

    def _broadcast(self, data: str | bytes, *, but: int) -> None:
        self.send_all(data, but=but)

    # The event stream

    def batches(self) -> AsyncIterator[list[ServerEvent]]:
        """Every connection's events in order, as lists of those already waiting.

        Ends after :meth:`stop`.
        """
        return self.events.batches()
