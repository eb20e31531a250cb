"""The interactive REPL's speed on a terminal: start-up, a burst of messages, typing.

Run from the repository root (wscli, websockets and pexpect installed):

    python tests/bench/bench_repl.py             # best of 3 (about half a minute)
    python tests/bench/bench_repl.py --runs 1    # a quick look

Each run starts ``python -m wscli connect URL`` in a pseudo-terminal of 40 x 120
(TERM=xterm-256color, a temporary HOME and XDG_STATE_HOME) that answers prompt-toolkit's
cursor-position requests as a terminal does, against the test suite's scenario server
(in this process, on its own thread). It measures:

a. Start-up: from spawning the REPL on /echo to its first prompt ("open>" drawn), next to
   the wall time of ``wscli send URL hello --count 1`` (a whole one-shot run).
b. Burst: from spawning the REPL on /burst?n=N (N text messages m0..m{N-1} right after the
   handshake) until "m{N-1}" is on the screen. Target: a few seconds.
c. Typing during the burst: as soon as the first prompt is drawn, type a few characters and
   measure until they are echoed at the prompt. Target: well under a second.
d. Binary: on /echo, type ``/file PATH`` of a 1 MiB file BINARY times in a row; from the
   first Enter until the last echo is shown in full (the hex dump's last row, or the note
   that the rest was left out), and how much the terminal was sent for it.

Every time is the best of RUNS. It prints a table and exits 0 (it reports, it does not judge).
It is not a pytest test (pytest only collects test_*.py).
"""

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.scenario import ScenarioServer  # noqa: E402

PYTHON = sys.executable
ROWS, COLUMNS = 40, 120
TIMEOUT = 120.0
_CPR = b"\x1b[6n"
_ESCAPE = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[@-Z\\-_])"
)
ENV = {
    name: value
    for name, value in os.environ.items()
    if name not in {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    and name.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
}


class Terminal:
    """``wscli connect URL`` in a pty; :attr:`started` is when it was spawned."""

    def __init__(self, url: str, home: Path) -> None:
        env = dict(ENV, TERM="xterm-256color", HOME=str(home), XDG_STATE_HOME=str(home / "st"))
        self.started = time.perf_counter()
        self.child = pexpect.spawn(
            PYTHON,
            ["-m", "wscli", "connect", url],
            env=env,
            cwd=str(ROOT),
            dimensions=(ROWS, COLUMNS),
        )
        # pexpect sleeps 50 ms before every send by default: a terminal does not, and
        # the sleep would delay the answers to prompt-toolkit's cursor-position requests.
        self.child.delaybeforesend = None
        self.raw = bytearray()
        self._answered = 0
        self._plain = bytearray()
        self._plain_of = 0

    def _read(self) -> None:
        with contextlib.suppress(pexpect.TIMEOUT):
            self.raw += self.child.read_nonblocking(1 << 20, timeout=0.05)
        requests = self.raw.count(_CPR)
        while self._answered < requests:
            self.child.send("\x1b[1;1R")
            self._answered += 1

    def plain(self) -> bytes:
        """The screen's text so far, escape sequences removed (incrementally: a sequence
        cut at the end of what was read waits for its rest)."""
        chunk = bytes(self.raw[self._plain_of :])
        cut = chunk.rfind(b"\x1b")
        if cut >= 0 and len(chunk) - cut < 16 and _ESCAPE.match(chunk, cut) is None:
            chunk = chunk[:cut]
        self._plain += _ESCAPE.sub(b"", chunk)
        self._plain_of += len(chunk)
        return bytes(self._plain)

    def wait_for(self, pattern: bytes, start: int = 0) -> tuple[float, int]:
        """Wait until ``pattern`` (a regex) is on the screen after ``start``; the time since
        spawning and where the match ends."""
        compiled = re.compile(pattern, re.MULTILINE)
        deadline = time.perf_counter() + TIMEOUT
        searched = start
        while True:
            text = self.plain()
            match = compiled.search(text, searched)
            if match is not None:
                return time.perf_counter() - self.started, match.end()
            searched = max(start, len(text) - 4096)
            if time.perf_counter() > deadline:
                raise SystemExit(f"{pattern!r} not shown; the end of the screen:\n{text[-2000:]!r}")
            self._read()

    def close(self) -> None:
        self.child.terminate(force=True)
        self.child.close()


def once(url: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "wscli", "send", url, "hello", "--count", "1"],
        stdout=subprocess.DEVNULL,
        check=True,
        cwd=ROOT,
        env=ENV,
        timeout=TIMEOUT,
    )
    return time.perf_counter() - start


def startup(url: str, home: Path) -> tuple[float, float]:
    """Seconds to the first prompt (connecting> or open>), and to the open> prompt."""
    terminal = Terminal(url, home)
    try:
        first, _ = terminal.wait_for(rb"(connecting|open)>")
        return first, terminal.wait_for(rb"open>")[0]
    finally:
        terminal.close()


def burst(url: str, home: Path, count: int) -> tuple[float, float, float]:
    """Seconds to the first prompt, until the typed keys are echoed, until m{count-1}."""
    terminal = Terminal(url, home)
    try:
        prompt, end = terminal.wait_for(rb"(connecting|open)>")
        typed_at = time.perf_counter()
        terminal.child.send("qwerty")
        echoed, _ = terminal.wait_for(rb"qwerty", end)
        echo = echoed - (typed_at - terminal.started)
        last, _ = terminal.wait_for(rf"<\s*m{count - 1}(?![0-9])".encode())
        return prompt, echo, last
    finally:
        terminal.close()


def binary(url: str, home: Path, path: Path, times: int) -> tuple[float, int]:
    """Seconds from the first /file Enter until the last echo is shown; bytes written."""
    terminal = Terminal(url, home)
    size = path.stat().st_size
    last_row = f"{(size - 1) // 16 * 16:08x}  ".encode()
    try:
        _, end = terminal.wait_for(rb" OPEN ")
        before = len(terminal.raw)
        sent_at = time.perf_counter() - terminal.started
        for _ in range(times):
            terminal.child.send(f"/file {path}\r")
        shown = end
        for _ in range(times):
            # the received message's header, then its last row or the cap's note
            _, shown = terminal.wait_for(rf"<\s*\[binary, {size} bytes\]".encode(), shown)
            _, shown = terminal.wait_for(rb"(" + re.escape(last_row) + rb"|more bytes)", shown)
        done = time.perf_counter() - terminal.started
        return done - sent_at, len(terminal.raw) - before
    finally:
        terminal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best is shown")
    parser.add_argument("--messages", type=int, default=10_000, help="messages in the burst")
    parser.add_argument("--binary", type=int, default=3, help="1 MiB messages in part d")
    args = parser.parse_args()
    n = args.messages
    load = os.getloadavg()[0]
    inf = float("inf")
    best = {
        "once": inf,
        "start": inf,
        "open": inf,
        "prompt": inf,
        "echo": inf,
        "last": inf,
        "bin": inf,
    }
    written = 0
    with ScenarioServer() as server, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        blob = home / "blob.bin"
        blob.write_bytes(os.urandom(1 << 20))
        for _ in range(args.runs):
            best["once"] = min(best["once"], once(server.url("/echo")))
            first, opened = startup(server.url("/echo"), home)
            best["start"] = min(best["start"], first)
            best["open"] = min(best["open"], opened)
            prompt, echo, last = burst(server.url(f"/burst?n={n}"), home, n)
            best["prompt"] = min(best["prompt"], prompt)
            best["echo"] = min(best["echo"], echo)
            best["last"] = min(best["last"], last)
            seconds, size = binary(server.url("/echo"), home, blob, args.binary)
            if seconds < best["bin"]:
                best["bin"], written = seconds, size

    print(f"wscli REPL benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs,", end=" ")
    print(f"load average {load:.2f} at the start; {ROWS}x{COLUMNS} pty; best of {args.runs}")
    print()
    print(f"{'measurement':<52} {'ms':>9}")
    rows = [
        ("a. wscli send URL hello --count 1 (whole run)", best["once"]),
        ("a. wscli connect URL: start to first prompt", best["start"]),
        ("a. wscli connect URL: start to open> prompt", best["open"]),
        (f"b. /burst?n={n}: start to first prompt", best["prompt"]),
        (f"b. /burst?n={n}: start until m{n - 1} shown", best["last"]),
        ("c. typing during the burst: keys to echo", best["echo"]),
        (f"d. /file 1 MiB x {args.binary} (echoed): Enter to last shown", best["bin"]),
    ]
    for name, seconds in rows:
        print(f"{name:<52} {seconds * 1000:>9.1f}")
    print(f"{'   terminal output for d (bytes)':<52} {written:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
