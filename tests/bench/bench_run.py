"""``wscli run`` on a long script, against ``wscli connect`` piping the same lines.

Run from the repository root (wscli and websockets installed):

    python tests/bench/bench_run.py                # 10,000 send/expect pairs, best of 3
    python tests/bench/bench_run.py --pairs 2000   # quicker

What it measures (all processes on 127.0.0.1; the echo server is Node ``ws`` when
tests/node is installed, else a websockets server):

a. ``wscli connect URL --count N`` piping N lines of 100 bytes (the issue's yardstick).
b. ``wscli run`` of a script of N ``>``/``<`` pairs (the same lines), as written: each
   send waits for the expectation before it (lock-step, a round trip per pair).
c. The same script with ``pipeline yes``: sends go out without waiting for the
   expectations before them (unless they use a name captured there); the expectations
   are still checked in order. Target: c / a <= 1.5.
d. For scale: a minimal websockets client in lock-step (``await send``; ``await recv``).

It prints a table and exits 0 (also when a target is missed: it reports, CI judges).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench_engine import ENV, PYTHON, best, echo_server

LOCKSTEP = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url, path):
    lines = open(path).read().splitlines()
    async with connect(url, compression=None) as ws:
        for line in lines:
            await ws.send(line)
            if await ws.recv() != line:
                sys.exit("wrong echo")

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000, help="send/expect pairs")
    parser.add_argument("--runs", type=int, default=3, help="rounds of each command")
    args = parser.parse_args()
    n = args.pairs
    assert ENV is not None
    print(f"run benchmark: {n:,} pairs of 100-byte lines, best of {args.runs};", end=" ")
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    wscli = [PYTHON, "-m", "wscli"]
    with tempfile.TemporaryDirectory() as tmp:
        lines = [b"%099d" % i for i in range(n)]
        text = Path(tmp) / "lines.txt"
        text.write_bytes(b"".join(line + b"\n" for line in lines))
        pairs = "".join(f"> {line.decode()}\n< {line.decode()}\n" for line in lines)
        lockstep = Path(tmp) / "lockstep.wscli"
        lockstep.write_text("compression no\n" + pairs, encoding="utf-8")
        pipelined = Path(tmp) / "pipelined.wscli"
        pipelined.write_text("compression no\npipeline yes\n" + pairs, encoding="utf-8")
        out = Path(tmp) / "out"
        server, url, kind = echo_server()
        try:
            commands = {
                "connect (pipe)": (
                    [*wscli, "connect", url, "--count", str(n), "--no-compression"],
                    text,
                ),
                "run, lock-step": ([*wscli, "run", "-q", "--url", url, str(lockstep)], None),
                "run, pipeline yes": ([*wscli, "run", "-q", "--url", url, str(pipelined)], None),
                "raw client, lock-step": ([PYTHON, "-c", LOCKSTEP, url, str(text)], None),
            }
            results = best(args.runs, commands, out)
        finally:
            server.kill()
    pipe = results["connect (pipe)"][0]
    print(f"\necho server: {kind}")
    print(f"  {'command':<24} {'wall s':>8} {'cpu s':>8} {'/ pipe':>7}")
    for name, (wall, cpu) in results.items():
        print(f"  {name:<24} {wall:>8.3f} {cpu:>8.3f} {wall / pipe:>7.2f}")
    ratio = results["run, pipeline yes"][0] / pipe
    verdict = "ok" if ratio <= 1.5 else "ABOVE TARGET"
    print(f"  run (pipeline yes) / pipe = {ratio:.2f} (target <= 1.5: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
