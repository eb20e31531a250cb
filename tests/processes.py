"""Long-running wscli processes for tests that talk to them while they run (Ctrl-C, streaming)."""

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from tests.conftest import TIMEOUT, wscli_env


class LineReader:
    """Reads a process stream line by line in a thread, so a test can wait for one line."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._done = False
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._queue.put(raw.decode("utf-8", "replace"))
        self._queue.put(None)

    def wait_for(self, needle: str, timeout: float = TIMEOUT) -> str:
        """Wait until a line containing ``needle`` arrives; return that line."""
        while not self._done:
            line = self._queue.get(timeout=timeout)
            if line is None:
                self._done = True
                break
            self.lines.append(line)
            if needle in line:
                return line
        raise AssertionError(f"no line with {needle!r} in {self.lines!r}")

    def rest(self, timeout: float = TIMEOUT) -> str:
        """Everything up to the end of the stream."""
        while not self._done:
            line = self._queue.get(timeout=timeout)
            if line is None:
                self._done = True
            else:
                self.lines.append(line)
        return "".join(self.lines)


def start_wscli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``python -m wscli ARGS`` with stdin, stdout and stderr on pipes (``env``:
    variables added to wscli's environment)."""
    return subprocess.Popen(
        [sys.executable, "-m", "wscli", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=wscli_env(**(env or {})),
    )


@contextmanager
def running_wscli(*args: str) -> Iterator[tuple[subprocess.Popen[bytes], LineReader]]:
    """Start wscli, yield it with a reader of its stderr; kill it if the test left it running."""
    process = start_wscli(*args)
    assert process.stderr is not None and process.stdin is not None
    stderr = LineReader(process.stderr)
    try:
        yield process, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdin.close()
    assert "Traceback" not in stderr.rest()
