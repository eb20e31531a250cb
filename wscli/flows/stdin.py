"""stdin's lines as batches of messages, read in large chunks by a thread."""

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO, cast

from wscli.errors import UsageError
from wscli.options import InputFormat
from wscli.protocol.payload import decode_input

__all__ = ["Payload", "stdin_source"]

Payload = str | bytes
_CHUNK = 256 * 1024  # few thread handoffs, small copies (a pipe gives at most 64 KiB)
#: Chunks read ahead at most: a fast producer waits instead of filling memory.
_READ_AHEAD = 8


class _ChunkReader:
    """A thread that reads a file descriptor in chunks and hands them to the event loop
    through a small queue (at most ``_READ_AHEAD`` chunks ahead); b"" is the end."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._loop = asyncio.get_running_loop()
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._room = threading.Semaphore(_READ_AHEAD)
        self._stopped = False
        threading.Thread(target=self._read, name="wscli-stdin", daemon=True).start()

    def _read(self) -> None:
        while True:
            self._room.acquire()
            if self._stopped:
                return
            try:
                chunk = os.read(self._fd, _CHUNK)
            except OSError:
                chunk = b""
            try:
                self._loop.call_soon_threadsafe(self._chunks.put_nowait, chunk)
            except RuntimeError:
                return  # the event loop is closed: wscli is ending
            if not chunk:
                return

    async def next(self) -> bytes:
        chunk = await self._chunks.get()
        self._room.release()
        return chunk

    def stop(self) -> None:
        """No more reading (the thread ends at its next chunk, or now if it waits)."""
        self._stopped = True
        self._room.release()


async def stdin_source(stream: BinaryIO, fmt: InputFormat) -> AsyncIterator[list[Payload]]:
    """The lines of ``stream`` (newline, or CR LF, removed), one message each, in batches.

    A thread reads the stream, so regular files, pipes and terminals all work; it hands
    over chunks through a small queue, so a fast producer waits instead of filling memory.
    Each batch holds the whole lines of one chunk.

    Raises:
        UsageError: a line is not valid in ``fmt`` (the message names the line); the lines
            before it are yielded first.
    """
    reader = _ChunkReader(stream.fileno())
    number = 0
    try:
        async for lines in _split_lines(reader):
            batch, error = _decode_lines(lines, fmt, number)
            number += len(lines)
            if batch:
                yield batch
            if error is not None:
                raise error
    finally:
        reader.stop()


async def _split_lines(reader: _ChunkReader) -> AsyncIterator[list[bytes]]:
    """The whole lines of each chunk; the last line may lack its newline."""
    rest = b""
    long_line: list[bytes] = []  # chunks of a line longer than one chunk, joined once
    while chunk := await reader.next():
        if b"\n" not in chunk:
            long_line.append(chunk)  # rest + chunk on every chunk would be quadratic
            continue
        if long_line:
            rest += b"".join(long_line)
            long_line.clear()
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield lines
    rest += b"".join(long_line)
    if rest:
        yield [rest]


def _decode_lines(
    lines: list[bytes], fmt: InputFormat, before: int
) -> tuple[list[Payload], UsageError | None]:
    """Decode lines up to the first bad one; ``before`` lines came earlier on stdin."""
    joined = b"\n".join(lines)  # no line holds a newline: one pass for the chunk
    if b"\r\n" in joined or joined.endswith(b"\r"):
        lines = [line.removesuffix(b"\r") for line in lines]
        joined = b"\n".join(lines)
    if fmt == "text" and lines:
        try:
            return cast(list[Payload], joined.decode("utf-8").split("\n")), None
        except UnicodeDecodeError:
            pass  # find the line, below
    batch: list[Payload] = []
    for number, line in enumerate(lines, start=before + 1):
        try:
            batch.append(decode_input(line, fmt, where=f"stdin line {number}"))
        except UsageError as error:
            return batch, error
    return batch, None
