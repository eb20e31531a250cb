"""The engine under every link: websockets' asyncio connection, with its data path batched.

websockets keeps the protocol (the handshake, proxies, TLS, framing, permessage-deflate,
UTF-8 and size limits, pings and keepalive, the closing handshake). What changes is how
messages cross: the library hands each received message to one ``await recv()`` and takes
each sent one from one ``await send()``; here every data frame of one network read is
assembled into messages in the protocol callback and handed to the link as one batch, and
the link frames its queued messages together and writes them with one transport write.
No task switch per message, no reader or writer task per connection.

:func:`engine_connection` makes the subclass of a client or server connection class;
:class:`EngineHooks` is what the link gives it. Never prints.
"""

import asyncio
import codecs
import os
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from websockets.asyncio.connection import Connection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import CLIENT, State
from websockets.typing import DataLike

from wscli.link.frames import fast_protocol_class, frame_messages
from wscli.protocol.events import Ping, Pong

__all__ = ["EngineHooks", "engine_connection"]

C = TypeVar("C", bound=Connection)

_TEXT, _BINARY, _CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
_PING, _PONG = Opcode.PING, Opcode.PONG


class EngineHooks(Protocol):
    """What the connection tells its link."""

    def receive_batch(self, messages: list[str | bytes]) -> None:
        """The messages of one network read, in order."""

    def report_control(self, event: Ping | Pong) -> None:
        """A ping or pong frame, in or out."""

    def writable(self) -> None:
        """The transport's buffer went below its low-water mark: write more."""

    def connection_lost(self) -> None:
        """The connection is CLOSED."""


class EngineConnection(Connection):
    """The batched data path, mixed into a client or server connection class by
    :func:`engine_connection`."""

    close_deadline: float | None  # the library's, declared for the type checker
    #: Gives the link's hooks for a connection, to report pings and pongs (None: there is
    #: no link yet, and they are not reported).
    hooks_of: Callable[[Any], EngineHooks | None] = staticmethod(lambda _: None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Before any data arrives: the handshake's parser ends in FastParse.parse.
        self.protocol.__class__ = fast_protocol_class(type(self.protocol))
        #: The link fed by this connection, once it is attached (see attach()).
        self.link: EngineHooks | None = None
        #: Messages assembled before the link was attached (right after the 101).
        self.early: list[str | bytes] = []
        self._batch: list[str | bytes] | None = None
        self._opcode: Opcode | None = None  # of the fragmented message in progress
        self._parts: bytearray | list[str] = bytearray()
        self._decoder: codecs.IncrementalDecoder | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._invalid = False  # a text message was not UTF-8: the connection failed
        #: An exception the link raised while taking a batch (a bug): the connection
        #: was dropped, and the link says so.
        self.unexpected: Exception | None = None
        #: When data last arrived (loop time): the peer is alive (see keepalive()).
        self.last_received = self.loop.time()

    def attach(self, link: EngineHooks) -> list[str | bytes]:
        """Feed ``link`` from now on; return what arrived before."""
        self.link = link
        early, self.early = self.early, []
        return early

    def data_received(self, data: bytes) -> None:
        # The library's data_received, with whole messages (see FastParse) gathered into
        # one batch here instead of one process_event each.
        protocol = self.protocol
        self.last_received = self.loop.time()
        protocol.receive_data(data)
        events: list[Any] = protocol.events_received()
        try:
            self.send_data()
        except Exception as exc:
            self.set_connection_exc(exc)
        timeout = self.close_timeout
        if protocol.close_expected() and self.close_deadline is None and timeout is not None:
            self.close_deadline = self.loop.time() + timeout
        batch: list[str | bytes] = []
        self._batch = batch
        try:
            for event in events:
                if type(event) is str or type(event) is bytes:
                    if not self._invalid:
                        batch.append(event)
                else:
                    self.process_event(event)
        finally:
            self._batch = None
        deadline = self.close_deadline
        if deadline is not None and self._close_timer is None:
            self._arm_close_timer()
        if batch:
            if self.link is None:
                self.early.extend(batch)
                return
            try:
                self.link.receive_batch(batch)
            except Exception as exc:  # never leave the link without its close event
                self.unexpected = exc
                self.transport.abort()

    def process_event(self, event: Any) -> None:
        # Called for every frame: kept lean (data frames do not reach the library).
        if type(event) is str or type(event) is bytes:  # a whole message (see FastParse)
            if not self._invalid:
                self._deliver(event)
            return
        opcode = getattr(event, "opcode", None)  # handshake messages have none
        if opcode is _TEXT or opcode is _BINARY or opcode is _CONT:
            self._assemble(event)
            return
        if opcode is _PING:
            hooks = self.hooks_of(self)
            if hooks is not None:
                hooks.report_control(Ping(bytes(event.data), "in"))
                if self.state is State.OPEN:  # the protocol has answered it
                    hooks.report_control(Pong(bytes(event.data), "out"))
        elif opcode is _PONG:
            hooks = self.hooks_of(self)
            if hooks is not None:
                hooks.report_control(Pong(bytes(event.data), "in"))
        super().process_event(event)

    def _assemble(self, frame: Frame) -> None:
        """Whole messages out of data frames (the protocol has checked their order,
        size, and decompressed them); text is checked as UTF-8 as it arrives."""
        if self._invalid:
            return  # after a message that failed the connection, nothing more is read
        data = frame.data
        try:
            if frame.opcode is not _CONT:
                if frame.fin:  # the common case: a message in one frame
                    message: str | bytes = bytes(data) if frame.opcode is _BINARY else _utf8(data)
                    self._deliver(message)
                    return
                self._opcode = frame.opcode
                if frame.opcode is _TEXT:
                    self._decoder = codecs.getincrementaldecoder("utf-8")()
                    self._parts = [self._decoder.decode(data)]
                else:
                    self._parts = bytearray(data)
                return
            if self._opcode is _TEXT:
                assert self._decoder is not None and isinstance(self._parts, list)
                self._parts.append(self._decoder.decode(data, final=frame.fin))
            else:
                assert isinstance(self._parts, bytearray)
                self._parts += data
            if frame.fin:
                parts, self._parts, self._decoder = self._parts, bytearray(), None
                self._deliver("".join(parts) if isinstance(parts, list) else bytes(parts))
        except UnicodeDecodeError as exc:
            self._invalid_utf8(exc)

    def _deliver(self, message: str | bytes) -> None:
        if self._batch is not None:
            self._batch.append(message)
        elif self.link is not None:
            self.link.receive_batch([message])
        else:
            self.early.append(message)

    def _invalid_utf8(self, exc: UnicodeDecodeError) -> None:
        """Fail the connection with 1007, as the library's recv() does: send the close
        frame, and drop the connection if it is not closed within close_timeout."""
        self._invalid = True
        self.set_connection_exc(exc)
        self.protocol.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
        self._parts, self._decoder = bytearray(), None
        self.send_data()
        deadline = self.close_deadline
        if deadline is None and self.close_timeout is not None:
            self.close_deadline = self.loop.time() + self.close_timeout

    def _arm_close_timer(self) -> None:
        """The closing handshake has started: the library enforces close_timeout only
        inside recv() and send(), which nobody awaits here, so a timer does."""
        assert self.close_deadline is not None
        deadline = self.close_deadline
        self._close_timer = self.loop.call_at(deadline, self._close_timed_out)

    def _close_timed_out(self) -> None:
        if self.protocol.state is not State.CLOSED:
            self.set_connection_exc(TimeoutError("timed out while closing connection"))
            self.transport.abort()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.link is not None:
            self.link.writable()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._close_timer is not None:
            self._close_timer.cancel()
        if self.link is not None:
            self.link.connection_lost()

    def write_frames(self, messages: list[str | bytes]) -> int:
        """Frame ``messages`` and write them with one transport write; return how many
        were framed (none unless the connection is OPEN)."""
        protocol = self.protocol
        if protocol.state is not State.OPEN:
            return 0
        if protocol.debug or protocol.expect_continuation_frame:
            return self._write_frames_one_by_one(messages)
        chunks = protocol.data_to_send()  # OPEN: no end of stream in it; usually empty
        mask = protocol.side is CLIENT
        chunks += frame_messages(messages, mask=mask, extensions=protocol.extensions)
        self.transport.write(b"".join(chunks))
        return len(messages)

    def _write_frames_one_by_one(self, messages: list[str | bytes]) -> int:
        """The library's own path (its debug log shows every frame)."""
        protocol = self.protocol
        framed = 0
        for message in messages:
            if protocol.state is not State.OPEN:
                break
            if isinstance(message, str):
                protocol.send_text(message.encode("utf-8", "surrogatepass"))
            else:
                protocol.send_binary(message)
            framed += 1
        for chunk in protocol.data_to_send():
            self._write_chunk(chunk)
        return framed

    def _write_chunk(self, chunk: bytes) -> None:
        if chunk:
            self.transport.write(chunk)
        elif self.transport.can_write_eof():
            self.transport.write_eof()
        else:
            self.transport.close()

    async def keepalive(self) -> None:
        """The library's keepalive, with the peer's liveness proven by anything it sends,
        not only by the pong: a pong may wait behind megabytes of data on a busy
        connection, so the connection fails (1011) only when nothing at all has arrived
        for ping_timeout since the ping was sent."""
        assert self.ping_interval is not None
        latency = 0.0
        try:
            while True:
                await asyncio.sleep(self.ping_interval - latency)
                pong = await self.ping()
                sent = self.loop.time()
                if self.ping_timeout is None:
                    continue
                alive = await self._answered(pong, sent, self.ping_timeout)
                if alive is None:
                    # The peer is gone: fail the connection (1011) and drop TCP at once;
                    # the library would wait close_timeout more for a closing handshake
                    # that cannot come (and a peer that stopped reading never gets it).
                    self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
                    self.send_data()
                    self.transport.abort()
                    return
                latency = alive
        except Exception:
            self.logger.error("keepalive ping failed", exc_info=True)

    async def _answered(
        self, pong: "asyncio.Future[float]", sent: float, timeout: float
    ) -> float | None:
        """The ping's latency once its pong arrives; None when nothing at all arrived
        for ``timeout`` seconds since the ping was sent."""
        while True:
            remaining = max(sent, self.last_received) + timeout - self.loop.time()
            if remaining <= 0:
                return None
            try:
                async with asyncio.timeout(remaining):
                    return await asyncio.shield(pong)
            except TimeoutError:
                continue  # data arrived meanwhile: the peer is alive, wait on

    async def ping(self, data: DataLike | None = None) -> Any:
        payload = os.urandom(4) if data is None else data
        waiter = await super().ping(payload)
        hooks = self.hooks_of(self)
        if hooks is not None:
            raw = payload.encode() if isinstance(payload, str) else bytes(payload)
            hooks.report_control(Ping(raw, "out"))
        return waiter


def engine_connection(base: type[C], hooks_of: Callable[[C], EngineHooks | None]) -> type[C]:
    """A subclass of ``base`` (a client or server connection class) with the batched data
    path; ``hooks_of(connection)`` gives its link's hooks (None before there is one: pings
    are then not reported)."""
    namespace = {"hooks_of": staticmethod(hooks_of), "__doc__": EngineConnection.__doc__}
    return type(f"Engine{base.__name__}", (EngineConnection, base), namespace)


def _utf8(data: Any) -> str:
    return bytes(data).decode("utf-8") if not isinstance(data, bytes) else data.decode("utf-8")
