"""Soak: wscli's memory and message count over long runs, connect in a pipe and listen --echo.

Run from the repository root (wscli installed; Node and tests/node's packages for the Node
``ws`` echo server, else a websockets echo server is used):

    python tests/bench/bench_soak.py        # 10,000,000 messages and 1,000,000 round trips
    python tests/bench/bench_soak.py --messages 200000 --round-trips 50000   # quicker

a. Pipe: MESSAGES distinct numbered lines of 100 bytes (``%099d``) through ``wscli connect
   URL --count MESSAGES --no-compression`` to the Node ``ws`` echo server (the fastest
   here). A thread writes them to wscli's stdin 10,000 at a time, generated as it goes;
   this script reads wscli's stdout as it comes and compares it with the lines sent,
   byte for byte and in order (nothing is kept: neither side of the bench grows).
b. listen: ``wscli listen 0 --echo`` (its port parsed from its stderr) and CLIENTS
   connections (from CLIENT_PROCESSES processes of tests/bench/_soak_clients.py: a raw
   minimal client, zero mask key, batched writes) doing ROUND_TRIPS round trips in all, of
   100 bytes, WINDOW in flight per connection (1: send, wait for the echo, send the
   next); every echo is compared with the message sent. Measured here on 2 cores (50
   connections): this raw client drives wscli at about 22,000 round trips/s with WINDOW
   1 (wscli ~95 % of a core, the client ~80 %), websockets' asyncio client at about
   18,000 (itself at 100 %: the bottleneck), two raw client processes more slowly than
   one (three busy processes on two cores); WINDOW 16 gives about 160,000/s.

For each, at every 10 % of the messages received, wscli's VmRSS and peak (VmHWM, or the
largest RSS seen so far when higher: the kernel updates VmHWM lazily) from
/proc/PID/status, and the time since wscli started. Targets (issue 13): RSS after 10 %
and at the end differ by under 5 %; zero messages lost (or wrong). Also reported:
messages/s, CPU use, wscli's exit status, and for listen any Traceback on its stderr.
It prints plain tables and exits 0 (a missed target is reported, not failed); 1 only
when the bench itself cannot run.
"""

import argparse
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _soak_clients import ENV, Clients, split
from bench_engine import PYTHON, ROOT, echo_server
from bench_listen import LISTENING, Lines, cpu_seconds
from bench_memory import status_kib as proc_status_kib

LINE = 100  # bytes per line, newline included
CHUNK = 10_000  # lines per write
TARGET = 0.05  # RSS at the end vs after 10 %


def status_kib(pid: int, field: str) -> int:
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM); 0 when the process is gone."""
    return proc_status_kib(pid, field) or 0


class Listen:
    """``wscli listen 0 --echo ARGS`` on 127.0.0.1, its stderr drained and kept (its lines
    in ``stderr.lines``); with ``nofile``, the child sets its soft RLIMIT_NOFILE to that
    before it starts (preexec_fn; up to the hard limit), and with ``hard`` its hard limit
    too (wscli raises its soft limit to the hard one)."""

    def __init__(self, *args: object, nofile: int | None = None, hard: bool = False) -> None:
        def limit() -> None:
            if nofile is not None:
                top = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                soft = nofile if top == resource.RLIM_INFINITY else min(nofile, top)
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, soft if hard else top))

        self.process = subprocess.Popen(
            [PYTHON, "-m", "wscli", "listen", "0", "--echo", *map(str, args)],
            stdin=subprocess.PIPE,  # open and silent (--echo does not read it)
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
            preexec_fn=limit,
        )
        assert self.process.stderr is not None
        self.stderr = Lines(self.process.stderr)
        index, deadline = 0, time.monotonic() + 30
        while (line := self.stderr.next_line(index, deadline - time.monotonic())) is not None:
            if match := LISTENING.search(line):
                self.url = f"ws://127.0.0.1:{match[1]}/"
                return
            index += 1
        self.stop()
        raise RuntimeError(f"wscli listen did not start:\n{self.stderr.tail()}")

    def kib(self, field: str = "VmRSS") -> int:
        return status_kib(self.process.pid, field)

    def tracebacks(self) -> int:
        return sum("Traceback" in line for line in self.stderr.lines)

    def stop(self) -> int:
        """SIGTERM, then its exit status (killed after 10 s: -9)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            assert self.process.stdin is not None
            self.process.stdin.close()


class Marks:
    """A process's memory at each 10 % of ``total``: (percent, done, seconds, RSS, peak)."""

    def __init__(self, pid: int, total: int) -> None:
        self.pid, self.total, self.next, self.peak = pid, total, 1, 0
        self.start = time.perf_counter()
        self.rows: list[tuple[int, int, float, int, int]] = []

    def update(self, done: int) -> None:
        while self.next <= 10 and done * 10 >= self.next * self.total:
            elapsed = time.perf_counter() - self.start
            rss, peak = status_kib(self.pid, "VmRSS"), status_kib(self.pid, "VmHWM")
            self.peak = max(self.peak, rss, peak)  # the kernel updates VmHWM lazily
            self.rows.append((self.next * 10, done, elapsed, rss, self.peak))
            self.next += 1


def lines(first: int, stop: int) -> bytes:
    return b"".join([b"%099d\n" % number for number in range(first, stop)])


def chunks(total: int) -> Iterator[bytes]:
    for first in range(0, total, CHUNK):
        yield lines(first, min(first + CHUNK, total))


def feed(stdin: IO[bytes], total: int) -> None:
    try:
        for chunk in chunks(total):
            stdin.write(chunk)
        stdin.close()
    except BrokenPipeError:  # wscli exited early: the reader reports what is missing
        pass


class Checker:
    """wscli's stdout compared with the lines sent, as it arrives (nothing kept)."""

    def __init__(self) -> None:
        self.size = 0
        self.first_wrong: int | None = None

    def take(self, data: bytes) -> int:
        """Check ``data``, the next bytes; the whole lines received so far."""
        start, self.size = self.size, self.size + len(data)
        if self.first_wrong is None:
            first = start // LINE
            expected = lines(first, -(-self.size // LINE))[start - first * LINE :]
            if data != expected[: len(data)]:
                pairs = zip(data, expected, strict=False)
                offset = next((i for i, (a, b) in enumerate(pairs) if a != b), len(expected))
                self.first_wrong = (start + offset) // LINE
        return self.size // LINE


def pipe_soak(total: int) -> None:
    server, url, kind = echo_server()
    command = [PYTHON, "-m", "wscli", "connect", url, "--count", str(total), "--no-compression"]
    wscli = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
    )
    assert wscli.stdin and wscli.stdout and wscli.stderr
    marks, checker, errors = Marks(wscli.pid, total), Checker(), []
    threading.Thread(target=feed, args=(wscli.stdin, total), daemon=True).start()
    drain = threading.Thread(target=lambda: errors.append(wscli.stderr.read()), daemon=True)
    drain.start()
    own_cpu = time.process_time()
    try:
        while data := os.read(wscli.stdout.fileno(), 1 << 20):
            marks.update(checker.take(data))
        cpu, own_cpu = cpu_seconds(wscli.pid), time.process_time() - own_cpu
        code = wscli.wait(60)
    finally:
        wscli.kill()
        server.kill()
    received, elapsed = checker.size // LINE, time.perf_counter() - marks.start
    if len(marks.rows) == 10:
        elapsed = marks.rows[-1][2]  # the last echo, not wscli's exit
    print(f"a. pipe: {total:,} lines of 100 bytes through {' '.join(command[2:4])} ({kind})")
    report(marks.rows, total - min(received, total), checker.first_wrong)
    print(f"{received / elapsed:,.0f} messages/s; CPU: wscli {cpu / elapsed:.0%}", end="")
    print(f" of a core, this script {own_cpu / elapsed:.0%}; wscli exit status {code}")
    drain.join(5)
    if code != 0 or checker.first_wrong is not None:
        print("wscli stderr:\n" + b"".join(errors).decode(errors="replace")[-2000:])


def listen_soak(total: int, connections: int, processes: int, window: int) -> None:
    server, clients = Listen(), Clients(processes)
    shares, each = split(connections, processes), total // connections
    try:
        opened = clients.command([["open", server.url, k, 30] for k in shares], 120)
        statuses = sum((Counter(r["statuses"]) for r in opened), Counter())
        if statuses != Counter({"101": connections}):
            raise RuntimeError(f"opening {connections} connections: {dict(statuses)}")
        marks, cpu = Marks(server.process.pid, each * connections), cpu_seconds(server.process.pid)
        words = [["rt", k, each, window, max(1, k * each // 100), 0, 7200] for k in shares]
        results = clients.command(words, 7200, marks.update)
        marks.update(sum(r["count"] for r in results))
        cpu = cpu_seconds(server.process.pid) - cpu
        clients.command([["close"]] * processes, 60)
    finally:
        clients.finish()
        code = server.stop()
    wall = max(r["seconds"] for r in results)
    count, lost = sum(r["count"] for r in results), sum(r["lost"] for r in results)
    print(f"b. listen --echo: {connections} connections x {each:,} round trips", end="")
    print(f" of 100 bytes ({each * connections:,}), window {window},", end=" ")
    print(f"{processes} client process{'es' if processes > 1 else ''}")
    report(marks.rows, lost, None, wrong=sum(r["bad"] for r in results))
    client_cpu = sum(r["cpu"] for r in results) / wall
    print(f"{count / wall:,.0f} round trips/s; CPU: wscli {cpu / wall:.0%} of a core,", end="")
    print(f" clients {client_cpu:.0%}; wscli exit status {code} after SIGTERM,", end="")
    print(f" Tracebacks on its stderr: {server.tracebacks()}")


def report(rows: list, lost: int, first_wrong: int | None, wrong: int = 0) -> None:
    print(f"{'done':>6} {'messages':>12} {'elapsed s':>10} {'RSS MiB':>8} {'peak MiB':>9}")
    for percent, done, elapsed, rss, peak in rows:
        print(f"{percent:>4} % {done:>12,} {elapsed:>10.1f} {rss / 1024:>8.1f} {peak / 1024:>9.1f}")
    if len(rows) == 10 and rows[0][3]:
        ten, end = rows[0][3] / 1024, rows[-1][3] / 1024
        change = (end - ten) / ten
        verdict = "ok" if abs(change) < TARGET else "MISSED"
        print(f"RSS after 10 %: {ten:.1f} MiB, at end: {end:.1f} MiB,", end=" ")
        print(f"difference {change:+.1%} (target < 5 %: {verdict})")
    else:
        print(f"RSS: only {len(rows)} of the 10 marks reached")
    verdict = "ok" if lost == 0 and wrong == 0 and first_wrong is None else "MISSED"
    print(f"lost: {lost:,} (target 0: {verdict}); wrong or out of order: {wrong:,}", end="")
    print("" if first_wrong is None else f", the output differs from line {first_wrong:,} on")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000_000, help="pipe soak lines")
    parser.add_argument("--round-trips", type=int, default=1_000_000, help="listen, in all")
    parser.add_argument("--clients", type=int, default=50, help="listen soak connections")
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--window", type=int, default=1, help="messages in flight each")
    parser.add_argument("--skip-pipe", action="store_true")
    parser.add_argument("--skip-listen", action="store_true")
    args = parser.parse_args()
    print(f"soak benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs,", end=" ")
    print(f"load average {os.getloadavg()[0]:.2f} at the start\n")
    try:
        if not args.skip_pipe:
            pipe_soak(args.messages)
            print()
        if not args.skip_listen:
            listen_soak(args.round_trips, args.clients, args.client_processes, args.window)
    except RuntimeError as error:
        print(f"bench_soak: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
