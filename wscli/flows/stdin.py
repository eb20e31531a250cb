"""stdin's lines as batches of messages, read in large chunks by a thread."""

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from typing import IO, cast

from wscli.errors import UsageError
from wscli.options import Framing, InputFormat
from wscli.protocol.jsonl_input import CloseRequest, PingRequest, parse_jsonl_line
from wscli.protocol.payload import decode_input

__all__ = ["Control", "Item", "Payload", "is_control", "stdin_source"]

Payload = str | bytes
#: What --input-format jsonl asks besides messages: a ping, a close.
Control = PingRequest | CloseRequest
#: What an input source yields: messages, and controls each in a batch of its own.
Item = Payload | Control


def is_control(batch: list[Item]) -> bool:
    """Whether ``batch`` is a control (which always comes alone in its batch)."""
    return bool(batch) and type(batch[0]) in (PingRequest, CloseRequest)


_JSON = json.JSONDecoder()
#: Newline-delimited lines without prefixes.
PLAIN = Framing()
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


async def stdin_source(
    stream: IO[bytes], fmt: InputFormat, framing: Framing = PLAIN
) -> AsyncIterator[list[Item]]:
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
        async for lines in _split_lines(reader, framing.end):
            if not framing.plain and fmt != "jsonl":
                messages, bad = _framed_lines(lines, fmt, framing, number)
                number += len(lines)
                if messages:
                    yield cast(list[Item], messages)
                if bad is not None:
                    raise bad
                continue
            if fmt == "jsonl":
                batches, error, closed = _jsonl_batches(lines, number)
                number += len(lines)
                for batch in batches:
                    yield batch
                if error is not None:
                    raise error
                if closed:
                    return  # a close ends the input
                continue
            messages, bad = _decode_lines(lines, fmt, number)
            number += len(lines)
            if messages:
                yield cast(list[Item], messages)
            if bad is not None:
                raise bad
    finally:
        reader.stop()


def _jsonl_batches(
    lines: list[bytes], before: int
) -> tuple[list[list[Item]], UsageError | None, bool]:
    """The messages of ``lines`` in batches, each control alone in its own, up to the
    first bad line (its error) or the first close (True: the input ends there)."""
    batches: list[list[Item]] = []
    run: list[Item] = []
    error, closed = None, False
    decode = _JSON.decode
    for number, line in enumerate(lines, start=before + 1):
        try:  # the common lines, {"text": "ascii"} and "ascii", without the checks' cost
            value = decode(line.decode("utf-8"))
            text = value.get("text") if type(value) is dict and len(value) == 1 else value
            if type(text) is str and text.isascii():
                run.append(text)
                continue
        except ValueError:
            pass  # (the checks below say why)
        if not line.strip():
            continue  # a blank line (the end of a log) is no message
        try:
            item = parse_jsonl_line(line, where=f"stdin line {number}")
        except UsageError as bad:
            error = bad
            break
        if item is None:
            continue
        if isinstance(item, str | bytes):
            run.append(item)
            continue
        if run:
            batches.append(run)
            run = []
        batches.append([item])
        if isinstance(item, CloseRequest):
            closed = True
            break
    if run:
        batches.append(run)
    return batches, error, closed


async def _split_lines(reader: _ChunkReader, end: bytes = b"\n") -> AsyncIterator[list[bytes]]:
    """The whole lines (ended by ``end``) of each chunk; the last one may lack its end."""
    rest = b""
    long_line: list[bytes] = []  # chunks of a line longer than one chunk, joined once
    while chunk := await reader.next():
        if end not in chunk:
            long_line.append(chunk)  # rest + chunk on every chunk would be quadratic
            continue
        if long_line:
            rest += b"".join(long_line)
            long_line.clear()
        lines = (rest + chunk).split(end)
        rest = lines.pop()
        yield lines
    rest += b"".join(long_line)
    if rest:
        yield [rest]


_BINARY_INPUT: dict[str, InputFormat] = {"hex": "hex", "base64": "base64", "text": "binary"}


def _framed_lines(
    lines: list[bytes], fmt: InputFormat, framing: Framing, before: int
) -> tuple[list[Payload], UsageError | None]:
    """Lines whose prefix says their type (``--text-prefix``/``--binary-prefix``; the
    others in ``fmt``), up to the first bad one; newline-ended ones lose a CR."""
    text = framing.text_prefix.encode() if framing.text_prefix is not None else None
    binary = framing.binary_prefix.encode() if framing.binary_prefix is not None else None
    binary_fmt = _BINARY_INPUT[framing.binary_as]
    batch: list[Payload] = []
    for number, line in enumerate(lines, start=before + 1):
        where = f"stdin line {number}"
        if framing.end == b"\n":
            line = line.removesuffix(b"\r")
        try:
            if text is not None and line.startswith(text):
                batch.append(decode_input(line[len(text) :], "text", where=where))
            elif binary is not None and line.startswith(binary):
                batch.append(decode_input(line[len(binary) :], binary_fmt, where=where))
            elif text is not None and binary is not None:
                raise UsageError(
                    f"{where} starts with neither --text-prefix nor --binary-prefix",
                    f"begin it with {framing.text_prefix!r} or {framing.binary_prefix!r}",
                )
            else:
                batch.append(decode_input(line, fmt, where=where))
        except UsageError as error:
            return batch, error
    return batch, None


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
