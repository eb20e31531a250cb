"""Raw WebSocket client processes for bench_soak.py and bench_scale.py, and their handles.

The benches start ``python tests/bench/_soak_clients.py`` (never run by hand). Each such
process holds many connections, opened with a minimal handshake (no extensions: no
compression) on asyncio protocols, and drives them from commands on its stdin, one a
line, answering each with one JSON line on stdout. Its frames carry a zero mask key (a
server cannot tell, and nothing is computed per byte here) and its sends are batched, so
that one Python process keeps wscli busy; every echo is compared with the message sent.
Server pings are answered with pongs. Commands:

    open URL COUNT TIMEOUT   open COUNT more connections, GATE handshakes at a time, each
                             given TIMEOUT seconds: {"statuses": {"101": n, "503": n,
                             "timeout": n, "eof": n, ...}, "seconds": s, "open": n,
                             "times": [when each 101 came, s]}
    rt K N WINDOW EVERY LAT TIMEOUT
                             the first K open connections each do N round trips of 100
                             bytes, WINDOW messages in flight each; {"progress": echoes}
                             every EVERY echoes (0: never), then {"count", "bad", "lost",
                             "seconds", "cpu", "latencies_us" (with LAT 1)}
    close                    close every connection with 1000: {"closed": n}

At EOF of stdin it closes every connection and exits.
"""

import asyncio
import base64
import json
import os
import queue
import resource
import struct
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

GATE = 25  # handshakes in flight per process: 4 processes fill listen's backlog of 100
SIZE = 100  # bytes per message


def raise_nofile(need: int) -> str | None:
    """Raise this process's soft RLIMIT_NOFILE to ``need`` (at most the hard limit);
    a sentence saying so, or None when it was high enough."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return None
    new = need if hard == resource.RLIM_INFINITY else min(need, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return f"raised RLIMIT_NOFILE from {soft} to {new} (hard limit {hard})"


def frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame with a zero mask key: the payload goes as it is."""
    length = len(payload)
    if length < 126:
        return struct.pack("!BBI", 0x80 | opcode, 0x80 | length, 0) + payload
    return struct.pack("!BBHI", 0x80 | opcode, 0xFE, length, 0) + payload


def message(conn: int, seq: int) -> bytes:
    return (b"conn %06d message %09d " % (conn, seq)).ljust(SIZE, b".")


TEXT_HEAD = frame(1, b"x" * SIZE)[:-SIZE]


class Raw(asyncio.Protocol):
    """One connection: its handshake status, then its text and binary messages, in
    batches, to ``deliver`` (an empty batch when the connection is lost)."""

    def __init__(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.request = request
        self.status: asyncio.Future[str] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.buffer = bytearray()
        self.open = self.closing = False
        self.deliver: Callable[[list[bytes]], None] = lambda messages: None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.status.done():
            self.status.set_result("reset" if exc else "eof")
        if not self.lost.done():
            self.lost.set_result(None)
        self.deliver([])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.open and (self.status.done() or not self._handshake()):
            return
        messages = self._frames()
        if messages:
            self.deliver(messages)

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        status = self.buffer[9:12].decode("ascii", "replace")
        del self.buffer[: end + 4]
        self.open = status == "101"
        self.status.set_result(status)
        if not self.open and self.transport is not None:
            self.transport.close()
        return self.open

    def _frames(self) -> list[bytes]:
        buffer, pos, end, messages = self.buffer, 0, len(self.buffer), []
        while end - pos >= 2:
            opcode, length, head = buffer[pos] & 0x0F, buffer[pos + 1] & 0x7F, 2
            if length >= 126:
                head = 4 if length == 126 else 10
                if end - pos < head:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + head], "big")
            if end - pos < head + length:
                break
            payload = bytes(buffer[pos + head : pos + head + length])
            pos += head + length
            if opcode in (1, 2):
                messages.append(payload)
            elif opcode == 9:
                self.write(frame(10, payload))
            elif opcode == 8 and not self.closing:
                self.closing = True
                self.write(frame(8, payload[:2]))
        del buffer[:pos]
        return messages

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        if self.open and not self.closing:
            self.closing = True
            self.write(frame(8, struct.pack("!H", 1000)))


class Run:
    """The echoes of one ``rt`` command: their count, progress lines, latencies."""

    def __init__(self, every: int, record: bool) -> None:
        self.count = 0
        self.every, self.next = every, every
        self.latencies: list[float] | None = [] if record else None

    def echoed(self, count: int) -> None:
        self.count += count
        if self.every and self.count >= self.next:
            reply({"progress": self.count})
            self.next += self.every * ((self.count - self.next) // self.every + 1)


class Pipeline:
    """One connection's round trips: WINDOW messages in flight, each echo checked."""

    def __init__(self, raw: Raw, conn: int, total: int, window: int, run: Run) -> None:
        self.raw, self.conn, self.total, self.window, self.run = raw, conn, total, window, run
        self.sent = self.received = self.bad = 0
        self.times: deque[float] = deque()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        raw.deliver = self.deliver

    def start(self) -> None:
        if self.raw.open:
            self.send(min(self.window, self.total))
        else:
            self.done.set_result(None)

    def send(self, count: int) -> None:
        conn, first = self.conn, self.sent
        self.sent += count
        if self.run.latencies is not None:
            self.times.extend([time.perf_counter()] * count)
        self.raw.write(
            b"".join([TEXT_HEAD + message(conn, seq) for seq in range(first, first + count)])
        )

    def deliver(self, messages: list[bytes]) -> None:
        if self.done.done():
            return
        now, conn, received = time.perf_counter(), self.conn, self.received
        for seq, payload in enumerate(messages, received):
            if payload != message(conn, seq):
                self.bad += 1
        self.received = received + len(messages)
        if self.run.latencies is not None:
            pop = self.times.popleft
            self.run.latencies.extend([now - pop() for _ in messages])
        self.run.echoed(len(messages))
        if more := min(len(messages), self.total - self.sent):
            self.send(more)
        if self.received >= self.total or not self.raw.open:
            self.done.set_result(None)


def reply(obj: object) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def connect(url: str, timeout: float) -> tuple[str, Raw | None]:
    """One connection's handshake: its status ("101", "503", "timeout", ...) and it."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    raw = Raw(request.encode())
    try:
        async with asyncio.timeout(timeout):
            await asyncio.get_running_loop().create_connection(lambda: raw, host, port)
            status = await raw.status
    except TimeoutError:
        if raw.transport is not None:
            raw.transport.abort()
        return "timeout", None
    except OSError as exc:
        return f"{type(exc).__name__} errno {exc.errno}", None
    return status, raw if status == "101" else None


class Client:
    """The connections of this process and the commands on them."""

    def __init__(self) -> None:
        self.connections: list[Raw] = []

    async def open(self, url: str, count: str, timeout: str) -> dict[str, object]:
        raise_nofile(len(self.connections) + int(count) + 64)
        gate, statuses, times = asyncio.Semaphore(GATE), Counter[str](), []

        async def one() -> None:
            async with gate:
                status, raw = await connect(url, float(timeout))
            statuses[status] += 1
            if raw is not None:
                self.connections.append(raw)
                times.append(round(time.perf_counter() - start, 4))

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(int(count))))
        seconds, open_ = time.perf_counter() - start, len(self.connections)
        return {"statuses": statuses, "seconds": seconds, "open": open_, "times": times}

    async def rt(self, *words: str) -> dict[str, object]:
        k, n, window, every, record = map(int, words[:5])
        run = Run(every, bool(record))
        connections = [raw for raw in self.connections if raw.open][:k]
        pipelines = [Pipeline(raw, i, n, window, run) for i, raw in enumerate(connections)]
        cpu, start = time.process_time(), time.perf_counter()
        for pipeline in pipelines:
            pipeline.start()
        if pipelines:
            await asyncio.wait([p.done for p in pipelines], timeout=float(words[5]))
        result: dict[str, object] = {
            "connections": len(pipelines),
            "count": run.count,
            "bad": sum(p.bad for p in pipelines),
            "lost": sum(p.total - p.received for p in pipelines),
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
        }
        if run.latencies is not None:
            result["latencies_us"] = [round(latency * 1e6) for latency in run.latencies]
        for raw in connections:
            raw.deliver = lambda messages: None
        return result

    async def close(self) -> dict[str, object]:
        connections, self.connections = self.connections, []
        for raw in connections:
            raw.close()
        if connections:
            await asyncio.wait([raw.lost for raw in connections], timeout=10)
        for raw in connections:
            if raw.transport is not None and not raw.lost.done():
                raw.transport.abort()
        return {"closed": len(connections)}


async def serve_commands() -> None:
    client, loop = Client(), asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, *words = line.split()
        reply(await getattr(client, command)(*words))
    await client.close()


# The bench side: handles on client processes.

BENCH = Path(__file__).resolve().parent
ENV = {
    name: value
    for name, value in os.environ.items()
    if name not in {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    and name.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
}


class ClientProcess:
    """One client process; each JSON line it prints goes to ``inbox`` as ``(self, obj)``
    (``(self, None)`` at its EOF)."""

    def __init__(self, inbox: "queue.Queue[tuple[ClientProcess, dict | None]]") -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "_soak_clients.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        self.inbox = inbox
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.inbox.put((self, json.loads(line)))
        self.inbox.put((self, None))

    def send(self, *words: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(" ".join(map(str, words)) + "\n")
        self.process.stdin.flush()

    def finish(self) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.close()
            self.process.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


class Clients:
    """Several client processes: :meth:`command` gives each its words, gathers replies."""

    def __init__(self, count: int) -> None:
        self.inbox: queue.Queue[tuple[ClientProcess, dict | None]] = queue.Queue()
        self.processes = [ClientProcess(self.inbox) for _ in range(count)]

    def command(
        self,
        words: list[list[object]],
        timeout: float,
        progress: Callable[[int], None] | None = None,
    ) -> list[dict]:
        """Send ``words[i]`` to process i (none when empty); the replies, in order."""
        asked = [p for p, w in zip(self.processes, words, strict=False) if w]
        for process, each in zip(self.processes, words, strict=False):
            if each:
                process.send(*each)
        replies: dict[ClientProcess, dict] = {}
        counts: dict[ClientProcess, int] = {}
        deadline = time.monotonic() + timeout
        while len(replies) < len(asked):
            try:
                process, obj = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"client processes silent for {timeout:.0f} s") from None
            if obj is None:
                raise RuntimeError(f"a client process exited ({process.process.wait()})")
            if "progress" in obj:
                counts[process] = obj["progress"]
                if progress is not None:
                    progress(sum(counts.values()))
            else:
                replies[process] = obj
        return [replies[process] for process in asked]

    def finish(self) -> None:
        for process in self.processes:
            process.finish()


def split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` shares that differ by one at most."""
    return [total // parts + (i < total % parts) for i in range(parts)]


if __name__ == "__main__":
    asyncio.run(serve_commands())
