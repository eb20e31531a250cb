"""wscli's memory over a long bulk pipe: flat, whatever the length of the input.

Run from the repository root (wscli installed; Node and tests/node's packages for the
Node ``ws`` echo server, else a websockets echo server):

    python tests/bench/bench_memory.py                  # 1,000,000 lines of 100 bytes
    python tests/bench/bench_memory.py --load 2         # with two CPU-bound processes beside it
    python tests/bench/bench_memory.py --lines 200000   # quicker

``wscli connect URL --count LINES`` reads LINES lines from a file, the echo server sends
each back, wscli writes them to a file. Every 20 ms this script reads wscli's VmRSS (from
/proc) and how much of the output is written; it prints the RSS when the output passes
10 %, 20 % ... of the whole, the RSS at the end (the last sample before wscli exits) and
the peak (VmHWM). Target (issue 14): from 10 % to the end, RSS never more than 5 % above
RSS at 10 % (at the very end the queues are empty and RSS falls below it). Also
checked: exit status 0 and every echo written (nothing lost; no keepalive failure even
with ``--load``). It exits 0 and reports; it is not a test.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import ENV, PYTHON, echo_server


def status_kib(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--load", type=int, default=0, help="CPU-bound processes beside it")
    args = parser.parse_args()
    burners = [subprocess.Popen([PYTHON, "-c", "while True: pass"]) for _ in range(args.load)]
    server, url, kind = echo_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            lines = Path(tmp) / "lines.txt"
            with open(lines, "wb") as out:
                for start in range(0, args.lines, 100_000):
                    stop = min(start + 100_000, args.lines)
                    out.write(b"".join(b"%099d\n" % i for i in range(start, stop)))
            total = lines.stat().st_size
            output = Path(tmp) / "out"
            print(f"{args.lines:,} lines of 100 bytes through {kind}; {args.load} CPU burners")
            command = [PYTHON, "-m", "wscli", "connect", url, "--count", str(args.lines)]
            with open(lines, "rb") as stdin, open(output, "wb") as stdout:
                started = time.perf_counter()
                wscli = subprocess.Popen(
                    [*command, "--no-compression"],
                    stdin=stdin,
                    stdout=stdout,
                    env=ENV,
                    stderr=subprocess.PIPE,
                )
                marks: dict[int, int] = {}
                samples: list[tuple[int, int]] = []  # (percent written, RSS)
                last = peak = None
                while wscli.poll() is None:
                    rss = status_kib(wscli.pid, "VmRSS")
                    peak = status_kib(wscli.pid, "VmHWM") or peak
                    done = output.stat().st_size * 100 // total
                    if rss is not None:
                        last = rss
                        samples.append((done, rss))
                        for tenth in range(10, done + 1, 10):
                            marks.setdefault(tenth, rss)
                    time.sleep(0.02)
                elapsed = time.perf_counter() - started
            assert wscli.stderr is not None
            stderr = wscli.stderr.read().decode(errors="replace")
            intact = output.read_bytes() == lines.read_bytes()
    finally:
        server.kill()
        for burner in burners:
            burner.kill()
    print(f"exit status {wscli.returncode}; every echo written: {intact}; {elapsed:.1f} s")
    if wscli.returncode != 0:
        print(stderr)
    print("progress  RSS KiB")
    for tenth, rss in sorted(marks.items()):
        print(f"{tenth:>7} %  {rss:>7,}")
    print(f"    end    {last:>7,}" if last else "    end    (no sample)")
    print(f"   peak    {peak:>7,}" if peak else "   peak    (no sample)")
    if 10 in marks:
        # Growth is what the target bounds: at the end the queues are empty and RSS drops.
        highest = max(rss for done, rss in samples if done >= 10)
        change = (highest - marks[10]) / marks[10]
        verdict = "ok" if change < 0.05 else "ABOVE TARGET"
        print(
            f"highest RSS from 10 % to the end / RSS at 10 % = {highest / marks[10]:.3f}"
            f" ({change:+.1%}; target under +5 %: {verdict})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
