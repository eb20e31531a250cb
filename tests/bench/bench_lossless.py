"""Lossless pipes against the plain text pipe, in one run.

Run from the repository root (wscli installed; Node and tests/node's packages for the Node
``ws`` echo server, else a websockets echo server is used):

    python tests/bench/bench_lossless.py              # 100,000 messages, best of 5
    python tests/bench/bench_lossless.py --lines 20000 --runs 3

The pipe workload of bench_engine (MESSAGES messages of 100 bytes through ``wscli connect
URL --count MESSAGES``, stdout to a file) in three framings:

- text: newline-delimited lines in and out (the yardstick);
- jsonl: ``{"text": ...}`` lines in with ``--input-format jsonl``, every event out with
  ``--jsonl``. Target (issue 16): at least 0.8 x the text pipe's rate;
- -0: NUL-delimited in and out. Target: at least 0.95 x.

Best wall time of RUNS, interleaved. It prints a table and exits 0 (a missed target is
reported, not failed).
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import PYTHON, best, echo_server


def inputs(directory: Path, count: int) -> dict[str, Path]:
    """The same messages in each framing."""
    lines = [f"{n:099d}" for n in range(count)]
    files = {
        "text": "".join(line + "\n" for line in lines),
        "jsonl": "".join(json.dumps({"text": line}) + "\n" for line in lines),
        "-0": "".join(line + "\0" for line in lines),
    }
    paths = {}
    for name, text in files.items():
        paths[name] = directory / f"in.{name.strip('-')}"
        paths[name].write_text(text)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server, url, kind = echo_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            paths = inputs(directory, args.lines)
            base = [PYTHON, "-m", "wscli", "connect", url, "--count", str(args.lines)]
            commands = {
                "text": (base, paths["text"]),
                "jsonl": ([*base, "--input-format", "jsonl", "--jsonl"], paths["jsonl"]),
                "-0": ([*base, "-0"], paths["-0"]),
            }
            results = best(args.runs, commands, directory / "out")
    finally:
        server.kill()
    print(
        f"lossless pipes: {args.lines:,} messages of 100 bytes, {kind} echo server, best of "
        f"{args.runs}"
    )
    print(f"{'framing':8}  {'wall s':>7}  {'cpu s':>6}  {'rate / text':>11}  target")
    targets = {"text": None, "jsonl": 0.8, "-0": 0.95}
    for name, (wall, cpu) in results.items():
        ratio = results["text"][0] / wall
        target = targets[name]
        verdict = "" if target is None else f">= {target} {'ok' if ratio >= target else 'MISSED'}"
        print(f"{name:8}  {wall:7.3f}  {cpu:6.3f}  {ratio:11.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
