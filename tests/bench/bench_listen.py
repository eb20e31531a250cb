"""``wscli listen --echo`` against a minimal websockets echo server, measured in one run.

Run from the repository root (wscli and websockets installed):

    python tests/bench/bench_listen.py        # full run (about a minute on 2 cores)
    python tests/bench/bench_listen.py --clients 20 --round-trips 200 --runs 1 \\
        --idle-connections 200                # quicker, for a smoke check

The two servers are ``python -m wscli listen 0 --echo`` (stdout to /dev/null) and a
minimal websockets asyncio echo server in a ``python -c`` process with websockets'
defaults (compression on, default max_size). Both bind 127.0.0.1 on a free port and are
started the same way: this script reads their stderr, in a thread that keeps draining it
for as long as the server runs (wscli prints a status line per connection and per close),
until the line ``...: listening on ws://127.0.0.1:PORT`` (with a timeout, no sleeps). Only
one server runs at a time, next to one load-generator process (a websockets asyncio
client in a ``python -c`` process, the same code for both servers), so on a 2-core
machine each has a core; this script only waits on pipes in between. Each is stopped
with SIGTERM (a non-zero exit is reported under the table).

a. Round trips: CLIENTS connections (opened first, a few at a time), then each does
   ROUND_TRIPS sequential round trips (send a 32-byte text, await its echo) while the
   clock runs. Reported: round trips per second over all connections, the latency p50 and
   p99 of one round trip, the server's CPU time (user + system, from /proc) per round trip
   and the load generator's CPU use over the same interval (near 100 % means the client,
   not the server, sets the pace, and the ratio of round trips per second understates the
   difference between the servers: the CPU per round trip does not). RUNS runs, the
   servers' order alternating between runs; the row of each server is its best run (the
   most round trips per second); the rates of all runs are listed after it.
   Two load generators, each in its own table: (1) a client written for the load alone
   (the handshake and frames by hand in an asyncio.Protocol, one masked frame written
   per round trip straight from data_received, every echo checked; it does not offer
   permessage-deflate), which costs a few microseconds per round trip, so the server sets
   the pace; (2) the websockets asyncio client, offering permessage-deflate (its default,
   and a browser's), which on a 2-core VM runs at 80-100 % of its core and so sets the
   pace itself: there, read the CPU per round trip, not the rate. Target: wscli /
   baseline >= 1.5 round trips per second (issue 10), judged on the first table.
b. Idle connections, twice: the clients offering permessage-deflate (websockets' default:
   each connection then holds a zlib compressor and decompressor), then without. After
   one warm-up connection (opened, pinged, closed, so that what
   the first connection loads once is not counted per connection), the server's VmRSS,
   then IDLE_CONNECTIONS connections opened and each pinged (its pong proves the server
   has set the connection up), and for wscli its status line for each seen on stderr,
   then its VmRSS again. Reported: KiB per idle connection ((after - before) / count)
   and the ratio. One run per server; the holding process raises its RLIMIT_NOFILE (so
   does this script, which the servers inherit). Target: <= 16 KiB per connection
   without compression (issue 10). With permessage-deflate, shown: the websockets server
   makes a zlib compressor and decompressor (about 33 KiB) for each connection at its
   handshake, wscli at its first message (an idle connection holds none).

The processes run without PYTHONUNBUFFERED (it would make every write of wscli's
message log a system call), PYTHONDONTWRITEBYTECODE and proxy variables.

It prints a table and exits 0 (also when a target is missed: it reports, CI judges); it
exits 1 only when a server or the load generator fails. It is not a pytest test (pytest
only collects test_*.py).
"""

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
ENV = {
    name: value
    for name, value in os.environ.items()
    if name not in {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    and name.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
}
START_TIMEOUT = 30.0
LISTENING = re.compile(r"listening on ws://127\.0\.0\.1:(\d+)")
TARGET = 1.5  # round trips per second, wscli / baseline (issue 10)
MEMORY_TARGET = 16.0  # KiB per idle connection

WSCLI_SERVER = [PYTHON, "-m", "wscli", "listen", "0", "--echo"]

BASELINE_SERVER = """
import asyncio, signal, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"baseline: listening on ws://127.0.0.1:{port}", file=sys.stderr, flush=True)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.close)
        await server.wait_closed()

asyncio.run(main())
"""

# One process, two modes; it talks to this script in lines on stdin / stdout.
#   round-trips URL CLIENTS COUNT: opens CLIENTS connections, prints "ready", waits for a
#     line, runs the round trips, prints "result {json}", closes them at EOF of stdin.
#   hold URL COUNT: warm-up connection, prints "warm", waits for a line, opens COUNT
#     connections and pings each, prints "open SECONDS", closes them at EOF of stdin.
LOAD_GENERATOR = """
import asyncio, base64, json, os, resource, sys, time
from websockets.asyncio.client import connect
from websockets.frames import apply_mask

async def line():
    return await asyncio.to_thread(sys.stdin.readline)

async def open_connections(url, count, compression="deflate"):
    gate = asyncio.Semaphore(50)  # a few at a time: the listen backlog is finite

    async def open_one():
        async with gate:
            return await connect(url, open_timeout=60, compression=compression)

    return await asyncio.gather(*(open_one() for _ in range(count)))

async def close_all(connections):
    await asyncio.gather(*(ws.close() for ws in connections))

def print_result(latencies, wall, cpu):
    latencies.sort()
    last = len(latencies) - 1
    result = {
        "wall": wall,
        "cpu": cpu,
        "count": len(latencies),
        "p50": latencies[round(last * 0.50)],
        "p99": latencies[round(last * 0.99)],
    }
    print("result", json.dumps(result), flush=True)

async def round_trips(url, clients, count):
    connections = await open_connections(url, clients)
    print("ready", flush=True)
    await line()
    latencies = []

    async def client(index, ws):
        clock, record = time.perf_counter, latencies.append
        for n in range(count):
            message = f"client {index:04d} round trip {n:09d}"
            start = clock()
            await ws.send(message)
            reply = await ws.recv()
            record(clock() - start)
            if reply != message:
                raise SystemExit(f"echo of {message!r} was {reply!r}")

    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(index, ws) for index, ws in enumerate(connections)))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print_result(latencies, wall, cpu)
    await line()
    await close_all(connections)

async def hold(url, count, deflate=1):
    compression = "deflate" if deflate else None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = count + 64
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise SystemExit(f"RLIMIT_NOFILE hard limit {hard} < {need}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    warm = await connect(url, compression=compression)
    await (await warm.ping())
    await warm.close()
    print("warm", flush=True)
    await line()
    start = time.perf_counter()
    connections = await open_connections(url, count, compression)
    await asyncio.gather(*[await ws.ping() for ws in connections])
    print("open", f"{time.perf_counter() - start:.3f}", flush=True)
    await line()
    await close_all(connections)

# A client written for the load alone: the handshake and frames by hand, one frame
# written per round trip straight from the read callback (no task, no await per
# message), each frame masked with its own key; it checks every echo. It reads into one
# buffer (asyncio's recv() of 256 KiB costs mmap, mremap and munmap per read).
READ = memoryview(bytearray(65536))

class Raw(asyncio.BufferedProtocol):

    def __init__(self, index, count, latencies):
        loop = asyncio.get_running_loop()
        self.index, self.count, self.latencies = index, count, latencies
        self.opened, self.done, self.closed = (loop.create_future() for _ in range(3))
        self.buffer, self.upgraded, self.sent, self.expected = bytearray(), False, 0, b""
        self.clock = time.perf_counter

    def connection_made(self, transport):
        self.transport = transport
        host, port = transport.get_extra_info("peername")[:2]
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET / HTTP/1.1\\r\\nHost: {host}:{port}\\r\\nUpgrade: websocket\\r\\n"
            f"Connection: Upgrade\\r\\nSec-WebSocket-Key: {key}\\r\\n"
            "Sec-WebSocket-Version: 13\\r\\n\\r\\n".encode()
        )

    def frame(self, opcode, payload):
        key = os.urandom(4)
        head = bytes((0x80 | opcode, 0x80 | len(payload)))
        self.transport.write(head + key + apply_mask(payload, key))

    def next(self):
        self.expected = f"client {self.index:04d} round trip {self.sent:09d}".encode()
        self.sent += 1
        self.start = self.clock()
        self.frame(1, self.expected)

    def get_buffer(self, sizehint):
        return READ

    def buffer_updated(self, nbytes):
        buffer = self.buffer
        buffer += READ[:nbytes]
        if not self.upgraded:
            end = buffer.find(b"\\r\\n\\r\\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                raise SystemExit(f"handshake refused: {bytes(buffer[:end])!r}")
            del buffer[: end + 4]
            self.upgraded = True
            self.opened.set_result(None)
        while len(buffer) >= 2 and len(buffer) >= 2 + (buffer[1] & 0x7F):
            head, length = buffer[0], buffer[1] & 0x7F
            if length > 125 or buffer[1] & 0x80:
                raise SystemExit(f"unexpected frame header {bytes(buffer[:2])!r}")
            payload = bytes(buffer[2 : 2 + length])
            del buffer[: 2 + length]
            if head == 0x89:  # the server's keepalive ping
                self.frame(0xA, payload)
            elif head == 0x88:
                self.transport.close()
            elif head != 0x81 or payload != self.expected:
                raise SystemExit(f"echo of {self.expected!r} was {head:#x} {payload!r}")
            else:
                self.latencies.append(self.clock() - self.start)
                if self.sent < self.count:
                    self.next()
                else:
                    self.done.set_result(None)

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(None)


async def raw_round_trips(url, clients, count):
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    loop = asyncio.get_running_loop()
    latencies = []
    gate = asyncio.Semaphore(50)

    async def open_one(index):
        async with gate:
            _, client = await loop.create_connection(
                lambda: Raw(index, count, latencies), host, int(port)
            )
            await client.opened
            return client

    connections = await asyncio.gather(*(open_one(index) for index in range(clients)))
    print("ready", flush=True)
    await line()
    cpu, start = time.process_time(), time.perf_counter()
    for client in connections:
        client.next()
    await asyncio.gather(*(client.done for client in connections))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print_result(latencies, wall, cpu)
    await line()
    for client in connections:
        client.frame(8, b"\\x03\\xe8")
    await asyncio.wait_for(asyncio.gather(*(client.closed for client in connections)), 30)


mode, url, *numbers = sys.argv[1:]
modes = {"round-trips": round_trips, "raw-round-trips": raw_round_trips, "hold": hold}
asyncio.run(modes[mode](url, *map(int, numbers)))
"""


class BenchError(Exception):
    """A server or the load generator failed: the run stops (exit 1)."""


class Lines:
    """A child's text pipe, read line by line in a daemon thread so that it never fills."""

    def __init__(self, pipe: IO[str]) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(pipe,), daemon=True).start()

    def _read(self, pipe: IO[str]) -> None:
        for line in pipe:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``done()`` (called under the lock) or the pipe closed; ``done()``."""
        with self._changed:
            self._changed.wait_for(lambda: done() or self.closed, timeout)
            return done()

    def next_line(self, after: int, timeout: float) -> str | None:
        """Line number ``after`` (0-based) once it is read; None at EOF or timeout."""
        if self.wait(lambda: len(self.lines) > after, timeout):
            return self.lines[after]
        return None

    def tail(self, count: int = 10) -> str:
        with self._changed:
            return "\n".join(self.lines[-count:])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS in /proc/{pid}/status")


class Server:
    """A server process, started and read the same way whichever it is."""

    def __init__(self, name: str, command: Sequence[str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,  # open and silent, as a terminal nobody types into
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        assert self.process.stderr is not None
        self.stderr = Lines(self.process.stderr)
        self.url = ""
        deadline = time.monotonic() + START_TIMEOUT
        index = 0
        while not self.url:
            line = self.stderr.next_line(index, deadline - time.monotonic())
            if line is None:
                self.stop()
                raise BenchError(f"{name} did not start:\n{self.stderr.tail()}")
            match = LISTENING.search(line)
            if match:
                self.url = f"ws://127.0.0.1:{match[1]}/"
            index += 1
        self.started_rss = rss_kib(self.process.pid)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> str | None:
        """SIGTERM, then wait; a note when it did not exit 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return f"{self.name} did not exit within 10 s of SIGTERM (killed)"
        finally:
            assert self.process.stdin is not None
            self.process.stdin.close()
        if code != 0:
            return f"{self.name} exited {code} after SIGTERM; stderr ends:\n{self.stderr.tail(5)}"
        return None


class LoadGenerator:
    """The load-generator process; :meth:`expect` reads its next reply line."""

    def __init__(self, *args: object) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-c", LOAD_GENERATOR, *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        assert self.process.stdout is not None
        self.stdout = Lines(self.process.stdout)
        self._read = 0

    def expect(self, word: str, timeout: float) -> str:
        """The rest of the next line, which must start with ``word``."""
        line = self.stdout.next_line(self._read, timeout)
        self._read += 1
        if line is None or line.split(" ", 1)[0] != word:
            self.process.kill()
            self.process.wait()
            raise BenchError(f"the load generator sent {line!r}, not {word!r}")
        return line[len(word) + 1 :]

    def tell(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self) -> None:
        """Let it close its connections and exit; it must exit 0."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            code = self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise BenchError("the load generator did not exit") from None
        if code != 0:
            raise BenchError(f"the load generator exited {code}")


@dataclass
class RoundTrips:
    rate: float  # round trips per second
    p50: float  # seconds
    p99: float
    server_cpu: float  # seconds per round trip
    client_cpu: float  # share of the wall time, 1.0 = one core


@dataclass
class Idle:
    started: int  # KiB when listening
    before: int  # KiB after the warm-up connection
    after: int  # KiB with all connections open
    count: int
    open_seconds: float
    status_lines: int | None  # wscli's stderr lines seen while they opened

    @property
    def per_connection(self) -> float:
        return (self.after - self.before) / self.count


@dataclass
class Subject:
    name: str
    command: list[str]
    prints_status: bool
    runs: list[RoundTrips] = field(default_factory=list)  # the raw load generator
    runs_deflate: list[RoundTrips] = field(default_factory=list)  # the websockets client
    idle: Idle | None = None  # the clients offer permessage-deflate (websockets' default)
    idle_plain: Idle | None = None  # they do not


def measure_round_trips(
    subject: Subject, clients: int, count: int, notes: list[str], *, raw: bool
) -> None:
    server = Server(subject.name, subject.command)
    try:
        mode = "raw-round-trips" if raw else "round-trips"
        client = LoadGenerator(mode, server.url, clients, count)
        client.expect("ready", 120)
        cpu = cpu_seconds(server.pid)
        client.tell()
        result = json.loads(client.expect("result", max(120.0, clients * count / 500)))
        cpu = cpu_seconds(server.pid) - cpu
        client.finish()
    finally:
        note = server.stop()
    if note:
        notes.append(note)
    (subject.runs if raw else subject.runs_deflate).append(
        RoundTrips(
            rate=result["count"] / result["wall"],
            p50=result["p50"],
            p99=result["p99"],
            server_cpu=cpu / result["count"],
            client_cpu=result["cpu"] / result["wall"],
        )
    )


def measure_idle(subject: Subject, count: int, notes: list[str], *, deflate: bool) -> None:
    server = Server(subject.name, subject.command)
    try:
        holder = LoadGenerator("hold", server.url, count, int(deflate))
        holder.expect("warm", 60)
        before = rss_kib(server.pid)
        mark = len(server.stderr.lines)
        holder.tell()
        open_seconds = float(holder.expect("open", 120 + count / 10))
        status_lines = None
        if subject.prints_status:
            server.stderr.wait(lambda: len(server.stderr.lines) - mark >= count, 10)
            status_lines = len(server.stderr.lines) - mark
        after = rss_kib(server.pid)
        holder.finish()
    finally:
        note = server.stop()
    if note:
        notes.append(note)
    if status_lines is not None and status_lines < count:
        notes.append(f"{subject.name} printed {status_lines} stderr lines for {count} connections")
    idle = Idle(server.started_rss, before, after, count, open_seconds, status_lines)
    if deflate:
        subject.idle = idle
    else:
        subject.idle_plain = idle


def raise_nofile(need: int) -> None:
    """Raise this process's soft RLIMIT_NOFILE to ``need`` if it is lower (and can be)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    limit = need if hard == resource.RLIM_INFINITY else min(need, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def report_round_trips(args: argparse.Namespace, subjects: Sequence[Subject], *, raw: bool) -> None:
    """One table of round trips: the raw load generator's (judged) or the websockets
    client's (shown)."""
    total = args.clients * args.round_trips
    generator = (
        "load generator written for it, no compression"
        if raw
        else "websockets client offering permessage-deflate"
    )
    print(
        f"round trips ({generator}): {args.clients} connections x {args.round_trips:,}"
        f" sequential round trips of 32 B ({total:,}), best of {args.runs} by round trips/s"
    )
    print(
        f"{'server':<14} {'rt/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'srv CPU us/rt':>13}"
        f" {'client CPU':>10}  rt/s of each run"
    )
    best = {}
    for subject in subjects:
        runs = subject.runs if raw else subject.runs_deflate
        top = best[subject.name] = max(runs, key=lambda run: run.rate)
        each = " ".join(f"{run.rate:,.0f}" for run in runs)
        print(
            f"{subject.name:<14} {top.rate:>9,.0f} {top.p50 * 1000:>8.2f} {top.p99 * 1000:>8.2f}"
            f" {top.server_cpu * 1e6:>13.1f} {top.client_cpu:>10.0%}  {each}"
        )
    mine, theirs = (best[subject.name] for subject in subjects)
    if raw:
        verdict = "ok" if mine.rate / theirs.rate >= TARGET else "BELOW TARGET"
        judged = f"rt/s >= {TARGET:.2f} {verdict}"
    else:
        judged = "shown (the client sets the pace: compare the CPU per round trip)"
    print(
        f"{'wscli / base':<14} {ratio(mine.rate, theirs.rate):>9} {ratio(mine.p50, theirs.p50):>8}"
        f" {ratio(mine.p99, theirs.p99):>8} {ratio(mine.server_cpu, theirs.server_cpu):>13}"
        f" {'':>10}  {judged}"
    )
    print()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--clients", type=int, default=100, help="concurrent connections")
    parser.add_argument("--round-trips", type=int, default=1000, help="round trips each")
    parser.add_argument("--runs", type=int, default=3, help="runs of the round-trip test")
    parser.add_argument(
        "--idle-connections", type=int, default=1000, help="connections held for memory"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    raise_nofile(args.idle_connections + 256)  # inherited by the servers

    wscli = Subject("wscli listen", WSCLI_SERVER, prints_status=True)
    baseline = Subject("baseline", [PYTHON, "-c", BASELINE_SERVER], prints_status=False)
    notes: list[str] = []
    try:
        for run in range(args.runs):
            order = (wscli, baseline) if run % 2 == 0 else (baseline, wscli)
            for subject in order:
                for raw in (True, False):
                    measure_round_trips(subject, args.clients, args.round_trips, notes, raw=raw)
        for subject in (wscli, baseline):
            measure_idle(subject, args.idle_connections, notes, deflate=True)
            measure_idle(subject, args.idle_connections, notes, deflate=False)
    except BenchError as error:
        print(f"bench_listen: {error}", file=sys.stderr)
        return 1

    version = sys.version.split()[0]
    print(f"wscli listen benchmark: Python {version}, {os.cpu_count()} CPUs,", end=" ")
    print(f"load average {load:.2f} at the start (above ~0.5: expect noisy numbers)")
    print()
    for raw in (True, False):
        report_round_trips(args, (wscli, baseline), raw=raw)
    print()

    def judged(subject: Subject) -> Idle | None:
        return subject.idle_plain  # the target (issue 10) is without compression

    for title, pick in (
        ("clients offer permessage-deflate", lambda subject: subject.idle),
        ("clients without compression", judged),
    ):
        print(f"idle connections: {args.idle_connections:,}, {title} (RSS in KiB)")
        print(
            f"{'server':<14} {'listening':>9} {'before':>8} {'after':>8} {'KiB/conn':>13}"
            f" {'open s':>10}"
        )
        mine, theirs = pick(wscli), pick(baseline)
        assert mine is not None and theirs is not None
        for subject, idle in ((wscli, mine), (baseline, theirs)):
            print(
                f"{subject.name:<14} {idle.started:>9,} {idle.before:>8,} {idle.after:>8,}"
                f" {idle.per_connection:>13.1f} {idle.open_seconds:>10.2f}"
            )
        print(
            f"{'wscli / base':<14} {ratio(mine.started, theirs.started):>9} {'':>8} {'':>8}"
            f" {ratio(mine.per_connection, theirs.per_connection):>13}"
        )
        if pick is judged:
            verdict = "ok" if mine.per_connection <= MEMORY_TARGET else "ABOVE TARGET"
            verdict = f"target <= 16: {verdict}"
        else:  # websockets makes each connection's zlib state at the handshake
            verdict = "shown: wscli makes a connection's zlib state at its first message"
        print(f"wscli: {mine.per_connection:.1f} KiB per connection ({verdict})")
        print()
    if notes:
        print()
        for note in notes:
            print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
