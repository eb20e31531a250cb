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
import contextlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from websockets.asyncio.connection import Connection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import CLIENT, State

from wscli.link.frames import fast_protocol_class, frame_messages
from wscli.link.liveness import Liveness
from wscli.link.reading import Reading
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


class _State:
    """The engine's own state of a connection, in one slotted object: the library's
    connection has 27 attributes, and past 30 an instance's dict stops sharing its keys
    with the others' and costs more than a kilobyte more (listen holds thousands)."""

    __slots__ = (
        "batch",
        "close_timer",
        "decoder",
        "early",
        "holds",
        "invalid",
        "last_received",
        "link",
        "opcode",
        "parts",
        "resume_timer",
        "unexpected",
        "window_count",
        "window_start",
    )

    def __init__(self, now: float) -> None:
        #: The link fed by this connection, once it is attached (see attach()).
        self.link: EngineHooks | None = None
        #: When data last arrived (loop time): the peer is alive (see keepalive()).
        self.last_received = now
        #: Messages assembled before the link was attached (right after the 101).
        self.early: list[str | bytes] = []
        self.batch: list[str | bytes] | None = None  # the read being taken apart
        self.opcode: Opcode | None = None  # of the fragmented message in progress
        self.parts: bytearray | list[str] = bytearray()
        self.decoder: codecs.IncrementalDecoder | None = None
        self.close_timer: asyncio.TimerHandle | None = None
        self.invalid = False  # a text message was not UTF-8: the connection failed
        self.unexpected: Exception | None = None
        self.holds = 0  # the link's reasons to keep reading paused (hold_reading())
        self.resume_timer: asyncio.TimerHandle | None = None  # reads being coalesced
        self.window_start = now  # messages received since then (read coalescing)
        self.window_count = 0


class EngineConnection(Liveness, Reading):
    """The batched data path, mixed into a client or server connection class by
    :func:`engine_connection`."""

    _state: _State

    close_deadline: float | None  # the library's, declared for the type checker
    #: Gives the link's hooks for a connection, to report pings and pongs (None: there is
    #: no link yet, and they are not reported).
    hooks_of: Callable[[Any], EngineHooks | None] = staticmethod(lambda _: None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Before any data arrives: the handshake's parser ends in FastParse.parse.
        self.protocol.__class__ = fast_protocol_class(type(self.protocol))
        self._state = _State(self.loop.time())  # the only attribute added (see _State)

    @property
    def early(self) -> list[str | bytes]:
        """Messages assembled before the link was attached (right after the 101)."""
        return self._state.early

    @property
    def unexpected(self) -> Exception | None:
        """An exception the link raised while taking a batch (a bug): the connection
        was dropped, and the link says so."""
        return self._state.unexpected

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        # Messages go to the link, never through recv(): the library's assembler (its
        # queues and waiters, about 1.5 KiB a connection) has nothing to hold.
        self.recv_messages = _NO_ASSEMBLER

    def attach(self, link: EngineHooks) -> list[str | bytes]:
        """Feed ``link`` from now on; return what arrived before."""
        self._state.link = link
        early, self._state.early = self._state.early, []
        return early

    def data_received(self, data: bytes) -> None:
        # The library's data_received, with whole messages (see FastParse) gathered into
        # one batch here instead of one process_event each.
        protocol = self.protocol
        state = self._state
        state.last_received = now = self.loop.time()
        protocol.receive_data(data)
        events: list[Any] = protocol.events_received()
        self.pace_reads(now, len(data), len(events))
        try:
            self.send_data()
        except Exception as exc:
            self.set_connection_exc(exc)
        timeout = self.close_timeout
        if protocol.close_expected() and self.close_deadline is None and timeout is not None:
            self.close_deadline = self.loop.time() + timeout
        batch: list[str | bytes] = []
        state.batch = batch
        try:
            for event in events:
                if type(event) is str or type(event) is bytes:
                    if not state.invalid:
                        batch.append(event)
                else:
                    self.process_event(event)
        finally:
            state.batch = None
        if self.close_deadline is not None and state.close_timer is None:
            self._arm_close_timer()
        if batch:
            if state.link is None:
                state.early.extend(batch)
                return
            try:
                state.link.receive_batch(batch)
            except Exception as exc:  # never leave the link without its close event
                state.unexpected = exc
                self.transport.abort()

    def process_event(self, event: Any) -> None:
        # Called for every frame: kept lean (data frames do not reach the library).
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
        state = self._state
        if state.invalid:
            return  # after a message that failed the connection, nothing more is read
        data = frame.data
        try:
            if frame.opcode is not _CONT:
                if frame.fin:  # the common case: a message in one frame
                    message: str | bytes = bytes(data) if frame.opcode is _BINARY else _utf8(data)
                    self._deliver(message)
                    return
                state.opcode = frame.opcode
                if frame.opcode is _TEXT:
                    state.decoder = codecs.getincrementaldecoder("utf-8")()
                    state.parts = [state.decoder.decode(data)]
                else:
                    state.parts = bytearray(data)
                return
            if state.opcode is _TEXT:
                assert state.decoder is not None and isinstance(state.parts, list)
                state.parts.append(state.decoder.decode(data, final=frame.fin))
            else:
                assert isinstance(state.parts, bytearray)
                state.parts += data
            if frame.fin:
                parts, state.parts, state.decoder = state.parts, bytearray(), None
                self._deliver("".join(parts) if isinstance(parts, list) else bytes(parts))
        except UnicodeDecodeError as exc:
            self._invalid_utf8(exc)

    def _deliver(self, message: str | bytes) -> None:
        batch = self._state.batch
        if batch is not None:
            batch.append(message)
        elif self._state.link is not None:
            self._state.link.receive_batch([message])
        else:
            self._state.early.append(message)

    def _invalid_utf8(self, exc: UnicodeDecodeError) -> None:
        """Fail the connection with 1007, as the library's recv() does: send the close
        frame, and drop the connection if it is not closed within close_timeout."""
        self._state.invalid = True
        self.set_connection_exc(exc)
        self.protocol.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
        self._state.parts, self._state.decoder = bytearray(), None
        self.send_data()
        deadline = self.close_deadline
        if deadline is None and self.close_timeout is not None:
            self.close_deadline = self.loop.time() + self.close_timeout

    def _arm_close_timer(self) -> None:
        """The closing handshake has started: the library enforces close_timeout only
        inside recv() and send(), which nobody awaits here, so a timer does."""
        assert self.close_deadline is not None
        deadline = self.close_deadline
        self._state.close_timer = self.loop.call_at(deadline, self._close_timed_out)

    def _close_timed_out(self) -> None:
        if self.protocol.state is not State.CLOSED:
            self.set_connection_exc(TimeoutError("timed out while closing connection"))
            self.transport.abort()

    def resume_writing(self) -> None:
        super().resume_writing()
        link = self._state.link
        if link is not None:
            link.writable()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._state.close_timer is not None:
            self._state.close_timer.cancel()
        if self._state.resume_timer is not None:
            self._state.resume_timer.cancel()
        link = self._state.link
        if link is not None:
            link.connection_lost()

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
        self.send_data()
        return framed

    def send_data(self) -> None:
        # The library's, but nothing is written once the transport is closing: after a TCP
        # reset the first write fails, and from the fifth write on (a pong for each ping
        # of the same read) asyncio logs "socket.send() raised exception." on stderr.
        for chunk in self.protocol.data_to_send():
            if self.transport.is_closing():
                return
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                # As the library: write_eof() may raise OSError (RuntimeError with uvloop).
                with contextlib.suppress(OSError, RuntimeError):
                    self.transport.write_eof()
            else:
                self.transport.close()

    # Keepalive (see wscli.link.liveness)

    def last_heard(self) -> float:
        return self._state.last_received

    def report_ping(self, payload: bytes, *, keepalive: bool) -> None:
        hooks = self.hooks_of(self)
        if hooks is not None:
            hooks.report_control(Ping(payload, "out", keepalive=keepalive))


class _NoAssembler:
    """What the library finds in place of its message assembler: closing it is all it
    does with it here (recv() and iteration are not used on an engine connection)."""

    def close(self) -> None:
        pass

    def get(self, *_: Any) -> Any:
        raise RuntimeError("an engine connection delivers messages to its link")

    get_iter = get


_NO_ASSEMBLER: Any = _NoAssembler()


def engine_connection(base: type[C], hooks_of: Callable[[C], EngineHooks | None]) -> type[C]:
    """A subclass of ``base`` (a client or server connection class) with the batched data
    path; ``hooks_of(connection)`` gives its link's hooks (None before there is one: pings
    are then not reported)."""
    namespace = {"hooks_of": staticmethod(hooks_of), "__doc__": EngineConnection.__doc__}
    return type(f"Engine{base.__name__}", (EngineConnection, base), namespace)


def _utf8(data: Any) -> str:
    return bytes(data).decode("utf-8") if not isinstance(data, bytes) else data.decode("utf-8")
