"""``connect --exec CMD``: a program holds the connection (websocat's ``exec:``).

CMD (a shell command) starts once the handshake is done. It reads on its stdin what stdout
would show (``--jsonl``: JSON Lines events), and its stdout is read as stdin would be
(``--input-format``, with ``jsonl`` its pings and closes). Its stderr is wscli's. CMD
exiting closes the connection: 1000 for status 0, else 1011 (and wscli exits with CMD's
status). The server closing ends CMD's stdin; CMD then has :data:`GRACE` seconds to exit,
then SIGTERM, then SIGKILL, as long again.
"""

import asyncio
import contextlib
import os
import queue
import signal
import subprocess
import threading
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import IO, BinaryIO

from wscli.client.session import Session
from wscli.flows.program import add_header_variables, passed_environment
from wscli.flows.stdin import Item, stdin_source
from wscli.options import Framing, InputFormat
from wscli.protocol.jsonl_input import CloseRequest

__all__ = ["GRACE", "HIGH_WATER", "ClientProgram", "ProgramStdin"]

#: After the server closed: how long CMD has to exit once its stdin is closed, then
#: after SIGTERM, before SIGKILL.
GRACE = 2.0
#: Stop reading the server while this much waits to be written to CMD's stdin.
HIGH_WATER = 1024 * 1024


class ProgramStdin:
    """wscli's stdout under ``--exec``: what is written waits until CMD starts, then a
    thread writes it to CMD's stdin, so a slow CMD never blocks the event loop (which also
    reads CMD's stdout: blocking it could deadlock both). While more than
    :data:`HIGH_WATER` bytes wait, :meth:`room` tells the connection to stop reading. A CMD
    that stopped reading loses what follows (its exit decides the end)."""

    def __init__(self) -> None:
        self._waiting: list[bytes] = []
        self._chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._pending = 0  # bytes written here, not yet to the pipe
        self._lock = threading.Lock()
        self._below: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False

    def write(self, data: bytes) -> int:
        if data:
            with self._lock:
                self._pending += len(data)
            if self._started:
                self._chunks.put(bytes(data))
            else:
                self._waiting.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """(The thread flushes each chunk.)"""

    def isatty(self) -> bool:
        return False

    def attach(self, pipe: IO[bytes]) -> None:
        """CMD started: write to ``pipe`` from now on (what waited first)."""
        self._loop = asyncio.get_running_loop()
        for data in self._waiting:
            self._chunks.put(data)
        self._waiting.clear()
        self._started = True
        threading.Thread(target=self._pump, args=(pipe,), name="wscli-exec", daemon=True).start()

    def room(self, _data: object = None) -> "asyncio.Future[None] | None":
        """The session's ``on_message``: something to await while too much waits."""
        if self._pending <= HIGH_WATER or self._loop is None:
            return None
        if self._below is None or self._below.done():
            self._below = self._loop.create_future()
        return self._below

    def close(self) -> None:
        """No more data: CMD's stdin closes once what waits is written."""
        self._chunks.put(None)

    def _pump(self, pipe: IO[bytes]) -> None:
        broken = False
        while (data := self._chunks.get()) is not None:
            if not broken:
                try:
                    pipe.write(data)
                    pipe.flush()
                except (OSError, ValueError):
                    broken = True  # CMD closed its stdin or exited
            with self._lock:
                self._pending -= len(data)
                low = self._pending <= HIGH_WATER // 2
            if low and self._below is not None and self._loop is not None:
                with contextlib.suppress(RuntimeError):  # the loop is closed: wscli ends
                    self._loop.call_soon_threadsafe(self._wake)
        with contextlib.suppress(OSError, ValueError):
            pipe.close()

    def _wake(self) -> None:
        if self._below is not None and not self._below.done():
            self._below.set_result(None)


class ClientProgram:
    """CMD for one ``connect --exec`` run."""

    def __init__(
        self,
        command: str,
        *,
        environ: Mapping[str, str],
        pass_env: Iterable[str],
        stderr: BinaryIO,
    ) -> None:
        self.command = command
        self.stdin = ProgramStdin()
        self.status: int | None = None  # CMD's exit status, once it exited by itself
        self._environ = passed_environment(environ, pass_env)
        self._stderr = stderr
        self._process: subprocess.Popen[bytes] | None = None

    async def source(
        self, session: Session, fmt: InputFormat, framing: Framing
    ) -> AsyncIterator[list[Item]]:
        """CMD's stdout as input, from the handshake on; then the close its exit asks for."""
        if not await session.wait_open():
            return
        session.on_message = self.stdin.room  # a slow CMD slows the reading
        process = self._start(session)
        assert process.stdout is not None
        async for batch in stdin_source(process.stdout, fmt, framing):
            yield batch
        self.status = status = await asyncio.to_thread(process.wait)
        reason = "" if status == 0 else f"the program exited with {status}"
        yield [CloseRequest(1000 if status == 0 else 1011, reason)]

    def _start(self, session: Session) -> "subprocess.Popen[bytes]":
        environ = dict(self._environ)
        environ.update(WSCLI_URL=session.url, WSCLI_SUBPROTOCOL=session.protocol)
        environ["WSCLI_EXTENSIONS"] = session.extensions
        # A cookie the server set is a credential: it stays with wscli.
        add_header_variables(environ, session.response_headers, skip=("set-cookie",))
        try:
            stderr: int | None = self._stderr.fileno()
        except (AttributeError, OSError, ValueError):
            stderr = None  # (tests: a buffer) the process's own
        self._process = process = subprocess.Popen(
            self.command,
            shell=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=environ,
            start_new_session=True,  # Ctrl-C on wscli's terminal is wscli's to handle
        )
        assert process.stdin is not None
        self.stdin.attach(process.stdin)
        return process

    async def finish(self) -> None:
        """The connection is closed: end CMD's stdin, then its group if it lingers."""
        self.stdin.close()
        process = self._process
        if process is None:
            return
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = await asyncio.to_thread(process.wait, GRACE)
                if self.status is None and sig is None:
                    self.status = code
                return
