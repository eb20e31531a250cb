"""The raw peers: a server for ``wscli connect`` and ``wscli send``, a client for
``wscli listen --echo``. No WebSocket library: the opening handshake is written by hand
(:mod:`tests.fuzz.wire`), then each peer writes its case's bytes as they are (split into
several writes), ends as the case says (the closing handshake, FIN, a TCP reset, or
silence), and records every frame wscli sends back (:class:`Record`).
"""

import asyncio
import concurrent.futures
import contextlib
import itertools
import socket
import struct
import time
import zlib
from dataclasses import dataclass, field

from tests.background import BackgroundLoop
from tests.fuzz.case import Case
from tests.fuzz.oracle import VALID_CLOSE_CODES
from tests.fuzz.wire import (
    CLOSE,
    CONT,
    PING,
    PONG,
    Frame,
    FrameReader,
    build_frame,
    client_request,
    server_response,
)

__all__ = ["FuzzServer", "Record", "run_client"]

#: How long a peer waits for wscli at most (a case that takes longer is a hang).
PEER_DEADLINE = 15.0
_DEFLATE_OFFER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"


@dataclass
class Record:
    """What wscli did on one connection, as the raw peer saw it."""

    messages: list[str | bytes] = field(default_factory=list)
    pings: list[bytes] = field(default_factory=list)
    pongs: list[bytes] = field(default_factory=list)
    #: The payload of wscli's first close frame (None: it sent none).
    close: bytes | None = None
    #: Frames wscli should never have sent: unmasked (or masked), RSV bits, data after
    #: its close frame, invalid UTF-8, a close code it may not send.
    problems: list[str] = field(default_factory=list)
    #: Seconds from the peer's last write to the end of the TCP connection (None: it
    #: never ended within the deadline, or the peer reset it).
    ended_after: float | None = None
    #: The peer could not write everything (wscli had closed the connection).
    cut_short: bool = False

    @property
    def close_code(self) -> int | None:
        """wscli's close code: None without a close frame, 1005 for an empty one."""
        if self.close is None:
            return None
        return int.from_bytes(self.close[:2], "big") if len(self.close) >= 2 else 1005


class _Inbox:
    """wscli's frames, checked and put together (``masked``: they must be masked)."""

    def __init__(self, record: Record, *, masked: bool, deflate: bool) -> None:
        self.record, self.masked, self.deflate = record, masked, deflate
        self.reader = FrameReader()
        self.opcode: int | None = None
        self.parts = bytearray()
        self.inflater: zlib._Decompress | None = None
        self.changed = asyncio.Event()

    def feed(self, data: bytes) -> None:
        for frame in self.reader.feed(data):
            self._frame(frame)
        self.changed.set()

    def _problem(self, text: str) -> None:
        self.record.problems.append(text)

    def _frame(self, frame: Frame) -> None:
        record = self.record
        if frame.masked is not self.masked:
            self._problem(f"a frame {'un' if self.masked else ''}masked: {frame}")
        if record.close is not None and not frame.opcode & 0x08:
            self._problem(f"a data frame after the close frame: {frame}")  # RFC 6455 5.5.1
        if frame.opcode & 0x08:
            if not frame.fin or len(frame.payload) > 125 or frame.rsv:
                self._problem(f"a bad control frame: {frame}")
            if frame.opcode == CLOSE:
                self._close(frame)
            elif frame.opcode == PING:
                record.pings.append(frame.payload)
            elif frame.opcode == PONG:
                record.pongs.append(frame.payload)
            else:
                self._problem(f"a reserved opcode: {frame.opcode:#x}")
            return
        self._data(frame)

    def _close(self, frame: Frame) -> None:
        if self.record.close is not None:
            self._problem("a second close frame")
            return
        self.record.close = frame.payload
        code = self.record.close_code
        if (code != 1005 and code not in VALID_CLOSE_CODES) or len(frame.payload) == 1:
            self._problem(f"a close code that may not be sent: {frame.payload!r}")

    def _data(self, frame: Frame) -> None:
        compressed = frame.rsv == 4 and self.deflate and frame.opcode != CONT
        if frame.rsv and not compressed:
            self._problem(f"RSV bits: {frame}")
        if (frame.opcode == CONT) is (self.opcode is None) or frame.opcode > 2:
            self._problem(f"a data frame out of order: {frame}")
            return
        if frame.opcode != CONT:
            self.opcode, self.parts = frame.opcode, bytearray()
            self.inflater = zlib.decompressobj(wbits=-15) if compressed else None
        data = frame.payload
        if self.inflater is not None:
            try:
                data = self.inflater.decompress(data + (b"\x00\x00\xff\xff" * frame.fin))
            except zlib.error as exc:
                self._problem(f"compressed data that does not inflate ({exc})")
                data = b""
        self.parts += data
        if frame.fin:
            body = bytes(self.parts)
            try:
                self.record.messages.append(body.decode() if self.opcode == 1 else body)
            except UnicodeDecodeError:
                self._problem(f"a text message that is not UTF-8: {body!r}")
            self.opcode = None

    async def wait_messages(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` messages arrived (False: they did not in time)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while len(self.record.messages) < count:
                    self.changed.clear()
                    await self.changed.wait()
        return len(self.record.messages) >= count


class _Conversation:
    """One connection, after the handshake: write the case, end it, read wscli's side."""

    def __init__(
        self,
        case: Case,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        client: bool,
        deflate: bool,
    ) -> None:
        self.case, self.reader, self.writer, self.client = case, reader, writer, client
        self.record = Record()
        self.inbox = _Inbox(self.record, masked=not client, deflate=deflate)
        self.answered = False
        self.wrote_all = False
        self.written_at = time.monotonic()

    async def run(self) -> Record:
        reading = asyncio.create_task(self._read())
        try:
            sent = 0 if self.case.eager else len(self.case.sent)
            if sent and not await self.inbox.wait_messages(sent, 5.0):
                self.record.problems.append(f"wscli sent {self.record.messages!r} only")
            await self._write()
            self.written_at, self.wrote_all = time.monotonic(), True
            if self.record.close is not None and not self.answered:
                self._answer()
            if self.case.ending == "reset":
                _reset(self.writer)
                return self.record
            if self.case.ending == "eof":
                with contextlib.suppress(OSError):
                    self.writer.write_eof()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(reading), PEER_DEADLINE)
            return self.record
        finally:
            reading.cancel()
            self.writer.transport.abort()

    async def _write(self) -> None:
        data, case = self.case.written, self.case
        bounds = [0, *case.writes, len(data)]
        pause = 0.001 if len(bounds) < 10 else 0
        try:
            for start, end in itertools.pairwise(bounds):
                self.writer.write(data[start:end])
                await self.writer.drain()
                if end < len(data):
                    await asyncio.sleep(pause)
        except OSError:
            self.record.cut_short = True

    async def _read(self) -> None:
        """Read wscli's frames until it ends the connection; answer its close frame
        (the closing handshake) when the case ends that way."""
        while True:
            try:
                data = await self.reader.read(65536)
            except OSError:
                data = b""
            if not data:
                self.record.ended_after = time.monotonic() - self.written_at
                return
            self.inbox.feed(data)
            if self.record.close is not None and self.wrote_all and not self.answered:
                self._answer()

    def _answer(self) -> None:
        """wscli sent its close frame: echo it (unless this side closed first), and, as
        a server, close the TCP connection (a client waits for the server to)."""
        self.answered = True
        if self.case.ending != "answer":
            return
        if self.case.expect.close is None:
            key = b"\x01\x02\x03\x04" if self.client else None
            payload = self.record.close or b""
            with contextlib.suppress(OSError):
                self.writer.write(build_frame(CLOSE, payload[:2], mask=key))
        if not self.client:
            with contextlib.suppress(OSError):
                self.writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """End the TCP connection with a reset (RST), not FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FuzzServer(BackgroundLoop):
    """A raw WebSocket server on 127.0.0.1 in a thread: each path serves the case
    registered for it (:meth:`url_for`) once; :meth:`record` gives what wscli did."""

    def __init__(self) -> None:
        super().__init__()
        self.port = 0
        self._cases: dict[str, Case] = {}
        self._records: dict[str, concurrent.futures.Future[Record]] = {}
        self._tokens = itertools.count(1)

    def url_for(self, case: Case) -> tuple[str, str]:
        """Register ``case``; return its URL and its token."""
        token = f"c{next(self._tokens)}"
        self._cases[token] = case
        self._records[token] = concurrent.futures.Future()
        return f"ws://127.0.0.1:{self.port}/{token}", token

    def record(self, token: str, timeout: float) -> Record | None:
        """What wscli did on the connection to ``token`` (None: it never connected, or the
        peer is still busy after ``timeout`` seconds)."""
        future = self._records.pop(token)
        self._cases.pop(token, None)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            return None

    async def _main(self) -> None:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        assert self._stop is not None
        async with server:
            await self._stop.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PEER_DEADLINE)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            writer.transport.abort()
            return
        token = head.split(b" ", 2)[1].decode("latin-1").strip("/")
        case = self._cases.pop(token, None)
        future = self._records.get(token)
        if case is None or future is None:
            writer.transport.abort()
            return
        writer.write(server_response(head, deflate=case.deflate))
        record = await _Conversation(case, reader, writer, client=False, deflate=case.deflate).run()
        if not future.done():
            future.set_result(record)


async def run_client(case: Case, host: str, port: int) -> Record:
    """Play ``case`` as a raw client of a server at ``host:port`` (``wscli listen``)."""
    reader, writer = await asyncio.open_connection(host, port)
    request, accept = client_request(f"{host}:{port}", "/", _DEFLATE_OFFER if case.deflate else "")
    writer.write(request)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PEER_DEADLINE)
    lines = head.decode("latin-1").lower()
    if not lines.startswith("http/1.1 101") or accept.lower() not in lines:
        writer.transport.abort()
        return Record(problems=[f"the handshake failed: {head!r}"])
    deflate = "permessage-deflate" in lines
    if deflate is not case.deflate:
        writer.transport.abort()
        return Record(problems=[f"permessage-deflate was not negotiated as asked: {head!r}"])
    return await _Conversation(case, reader, writer, client=True, deflate=deflate).run()
