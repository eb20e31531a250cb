"""wscli's performance against minimal websockets clients, measured in one run.

Run from the repository root (wscli and websockets installed):

    python tests/bench/bench_pipe.py                # full run (about a minute on 2 cores)
    python tests/bench/bench_pipe.py --lines 20000  # quicker, for a smoke check

What it measures (all processes on 127.0.0.1; the echo server is a minimal websockets
server with default settings, compression included, in its own process):

a. Pipe: LINES lines of 100 bytes from a file through ``wscli connect URL --count LINES``
   (stdout to /dev/null) vs a minimal websockets asyncio client doing the same job (read
   stdin lines, send each, write each reply to stdout, stop after LINES replies, close).
   Best of 3, interleaved. Target: wscli / baseline <= 1.1.
b. One-shot: ``wscli send URL hello --count 1`` vs a minimal client that connects, sends
   hello, prints the first reply and exits. Best of 10, interleaved. Target <= 1.15.
c. Startup: wall time of ``wscli --help`` and ``wscli send --help`` (best of 10, next to a
   bare ``python -c pass``), and which of websockets, rich, prompt_toolkit each imports
   (must be none).

Each time is the best wall time; next to it, the best CPU time (user + system) of the
client process, which moves less than wall time when the machine is busy (the load
average is printed first). The clients run without PYTHONUNBUFFERED and
PYTHONDONTWRITEBYTECODE, as on a user's machine: the first makes every stdout write a
system call, the second makes an editable checkout recompile wscli on every start while
websockets, installed from a wheel, uses its cached bytecode.

It prints a table and exits 0 (also when a target is missed: it reports, CI judges).
It is not a pytest test (pytest only collects test_*.py); tests/test_startup.py checks
the import rule in the suite.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
HEAVY = ("websockets", "rich", "prompt_toolkit")
ENV = {
    name: value
    for name, value in os.environ.items()
    if name not in {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
}

ECHO_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0) as server:
        print("PORT", next(iter(server.sockets)).getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""

BASELINE_PIPE = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url, count):
    async with connect(url) as ws:
        async def feed():
            for line in sys.stdin.buffer:
                await ws.send(line.rstrip(b"\\n").decode())
        feeder = asyncio.create_task(feed())
        write = sys.stdout.write
        for _ in range(count):
            write(await ws.recv() + "\\n")
        sys.stdout.flush()
        await feeder

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""

BASELINE_ONCE = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url):
    async with connect(url) as ws:
        await ws.send("hello")
        print(await ws.recv(), flush=True)

asyncio.run(main(sys.argv[1]))
"""

HEAVY_PROBE = """
import contextlib, io, json, sys
from wscli.cli import run
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):
    run(json.loads(sys.argv[1]))
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


Times = tuple[float, float]


def timed(command: Sequence[str], *, stdin_path: Path | None = None, timeout: float = 300) -> Times:
    """Run ``command`` (stdout to /dev/null), check exit 0; its wall and CPU seconds."""
    with open(stdin_path or os.devnull, "rb") as stdin:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        completed = subprocess.run(
            command,
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            cwd=ROOT,
            env=ENV,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stderr.decode()}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def best_interleaved(runs: int, *commands: Callable[[], Times]) -> list[Times]:
    """Run each command in turn, ``runs`` rounds; the best wall and best CPU time of each."""
    best = [(float("inf"), float("inf"))] * len(commands)
    for _ in range(runs):
        for index, command in enumerate(commands):
            wall, cpu = command()
            best[index] = (min(best[index][0], wall), min(best[index][1], cpu))
    return best


def start_echo_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [PYTHON, "-c", ECHO_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        sys.exit(f"the echo server did not start: {line!r}")
    return server, f"ws://127.0.0.1:{int(line.split()[1])}/"


def heavy_modules(args: list[str]) -> list[str]:
    probe = HEAVY_PROBE.format(heavy=HEAVY)
    completed = subprocess.run(
        [PYTHON, "-c", probe, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return list(json.loads(completed.stdout.strip().splitlines()[-1]))


def row(name: str, wscli: Times, baseline: Times, target: float) -> str:
    """One comparison: wall ms, CPU ms and ratios; the wall ratio is judged."""
    wall_ratio, cpu_ratio = wscli[0] / baseline[0], wscli[1] / baseline[1]
    verdict = "ok" if wall_ratio <= target else "ABOVE TARGET"
    return (
        f"{name:<24} {wscli[0] * 1000:>9.1f} {baseline[0] * 1000:>9.1f} {wall_ratio:>6.3f}"
        f" {wscli[1] * 1000:>9.1f} {baseline[1] * 1000:>9.1f} {cpu_ratio:>6.3f}"
        f"  <= {target:.2f} {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines for the pipe test")
    parser.add_argument("--pipe-runs", type=int, default=3, help="rounds of the pipe test")
    parser.add_argument("--once-runs", type=int, default=10, help="rounds of the one-shot test")
    args = parser.parse_args()
    lines = args.lines
    load = os.getloadavg()[0]

    server, url = start_echo_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "lines.txt"
            with data.open("w") as file:
                for index in range(lines):
                    file.write(f"line-{index:06d}-".ljust(100, "x") + "\n")
            wscli_pipe = [PYTHON, "-m", "wscli", "connect", url, "--count", str(lines)]
            base_pipe = [PYTHON, "-c", BASELINE_PIPE, url, str(lines)]
            pipe = best_interleaved(
                args.pipe_runs,
                lambda: timed(wscli_pipe, stdin_path=data),
                lambda: timed(base_pipe, stdin_path=data),
            )
        wscli_once = [PYTHON, "-m", "wscli", "send", url, "hello", "--count", "1"]
        base_once = [PYTHON, "-c", BASELINE_ONCE, url]
        once = best_interleaved(args.once_runs, lambda: timed(wscli_once), lambda: timed(base_once))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)

    helps = {
        "python -c pass": None,
        "wscli --help": ["--help"],
        "wscli send --help": ["send", "--help"],
    }
    startup = {
        name: best_interleaved(
            10,
            lambda argv=argv: timed(
                [PYTHON, "-c", "pass"] if argv is None else [PYTHON, "-m", "wscli", *argv]
            ),
        )[0]
        for name, argv in helps.items()
    }

    print(f"wscli benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs,", end=" ")
    print(f"load average {load:.2f} at the start (above ~0.5: expect noisy numbers)")
    print()
    print(
        f"{'measurement':<24} {'wscli ms':>9} {'base ms':>9} {'ratio':>6}"
        f" {'wscli CPU':>9} {'base CPU':>9} {'ratio':>6}  target (wall)"
    )
    print(row(f"pipe {lines:,} x 100 B", pipe[0], pipe[1], 1.10))
    print(row("one-shot send hello", once[0], once[1], 1.15))
    print(f"{'  pipe messages/s':<24} {lines / pipe[0][0]:>9,.0f} {lines / pipe[1][0]:>9,.0f}")
    print()
    print(f"{'start-up':<24} {'wall ms':>9} {'CPU ms':>9}  heavy modules imported")
    for name, argv in helps.items():
        wall, cpu = startup[name]
        imported = "" if argv is None else ", ".join(heavy_modules(argv)) or "none (ok)"
        print(f"{name:<24} {wall * 1000:>9.1f} {cpu * 1000:>9.1f}  {imported}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
