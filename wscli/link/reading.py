"""How an engine connection reads (see :mod:`wscli.link.engine`): into one buffer, with
a flood of small reads coalesced and the link's holds on reading (backpressure)."""

import asyncio
import threading
from typing import Any, Protocol, cast

__all__ = ["READ_SIZE", "Reading"]

#: Read coalescing (see Reading.pace_reads): when more than FLOOD_MESSAGES
#: messages arrived within FLOOD_WINDOW seconds and a read brought less than SMALL_READ
#: bytes, reading pauses for COALESCE seconds, so that the next read takes all that came
#: meanwhile. No request and reply is that fast: a flood only (a server streaming small
#: messages) is read in fewer, bigger reads, at the cost of about a millisecond.
FLOOD_MESSAGES = 64
FLOOD_WINDOW = 0.001
SMALL_READ = 16 * 1024
COALESCE = 0.0005


#: Where every engine connection's socket reads go (see Reading.get_buffer): one buffer
#: for each thread that runs an event loop (``buffer``), made at its first read, as big
#: as asyncio's largest read.
_PER_THREAD = threading.local()
READ_SIZE = 256 * 1024


class ReadState(Protocol):
    """The connection's state that :class:`Reading` keeps."""

    holds: int  # the link's reasons to keep reading paused (hold_reading())
    resume_timer: asyncio.TimerHandle | None  # reads being coalesced
    window_start: float  # messages received since then (read coalescing)
    window_count: int


class Reading(asyncio.BufferedProtocol):
    """The read side of the engine's connection, mixed into it; its state (``holds``,
    ``resume_timer``, ``window_start``, ``window_count``) is in the connection's ``_state``."""

    transport: Any
    loop: asyncio.AbstractEventLoop
    _state: ReadState

    def data_received(self, data: bytes) -> None:
        raise NotImplementedError

    def get_buffer(self, sizehint: int) -> memoryview:
        # asyncio reads with recv(256 KiB) into a new bytes object, cut to what came:
        # above malloc's mmap threshold, so three system calls (mmap, mremap, munmap) and
        # a page fault on every read, even of 40 bytes. Reads go into one buffer instead
        # (one read at a time in the loop: buffer_updated takes it at once).
        try:
            buffer: memoryview = _PER_THREAD.buffer
        except AttributeError:
            buffer = _PER_THREAD.buffer = memoryview(bytearray(READ_SIZE))
        return buffer

    def buffer_updated(self, nbytes: int) -> None:
        with _PER_THREAD.buffer[:nbytes] as data:  # copied by the protocol's reader
            self.data_received(cast(bytes, data))

    def pace_reads(self, now: float, size: int, events: int) -> None:
        """A read of ``size`` bytes brought ``events`` frames or messages at ``now``:
        in a flood of small reads, pause reading for a moment (see FLOOD_MESSAGES)."""
        state = self._state
        if now - state.window_start < FLOOD_WINDOW:
            state.window_count += events
            if state.window_count > FLOOD_MESSAGES and size < SMALL_READ:
                self._coalesce()
        else:
            state.window_start, state.window_count = now, events

    def _coalesce(self) -> None:
        """A flood of small reads: read again in COALESCE seconds, all at once."""
        state = self._state
        if state.resume_timer is None and self.transport.is_reading():
            self.transport.pause_reading()
            state.resume_timer = self.loop.call_later(COALESCE, self._coalesced)

    def _coalesced(self) -> None:
        self._state.resume_timer = None
        if self._state.holds == 0 and not self.transport.is_closing():
            self.transport.resume_reading()

    def hold_reading(self) -> None:
        """Stop reading until as many :meth:`release_reading` calls (backpressure: the
        link's holds nest, and the read coalescing never resumes over them)."""
        self._state.holds += 1
        self.transport.pause_reading()

    def release_reading(self) -> None:
        state = self._state
        state.holds -= 1
        if state.holds == 0 and state.resume_timer is None and not self.transport.is_closing():
            self.transport.resume_reading()
