"""A running ``wscli listen`` for tests, and small websockets clients to talk to it."""

import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import TIMEOUT
from tests.processes import LineReader, start_wscli

_URL = re.compile(r"listening on (wss?://\S+)")


class Listening:
    """``wscli listen 0 ARGS`` in a process: its URL, and readers of stdout and stderr."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None and process.stderr is not None
        self.process = process
        self.stdout = LineReader(process.stdout)
        self.stderr = LineReader(process.stderr)
        line = self.stderr.wait_for("listening on")
        match = _URL.search(line)
        assert match is not None, line
        #: The ws:// (or wss://) URL, with --path when given.
        self.url = match.group(1)
        #: The same address over http(s):// (for plain GETs).
        self.http_url = self.url.replace("ws", "http", 1)

    def send_stdin(self, text: str) -> None:
        """Write ``text`` to wscli's stdin and flush it."""
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def close_stdin(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and wait for the exit status."""
        self.process.send_signal(signum)
        return self.process.wait(timeout=TIMEOUT)

    def wait(self) -> int:
        """Wait for wscli to exit by itself; return its exit status."""
        return self.process.wait(timeout=TIMEOUT)


@contextmanager
def listening(*args: str, env: dict[str, str] | None = None) -> Iterator[Listening]:
    """Start ``wscli listen 0 ARGS`` (a free port on 127.0.0.1) and wait until it listens.

    ``env``: variables added to wscli's environment. Afterwards, the process is killed if
    the test left it running, and its stderr must hold no traceback.
    """
    process = start_wscli("listen", "0", *args, env=env)
    try:
        server = Listening(process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdin is not None and not process.stdin.closed:
            process.stdin.close()
    assert "Traceback" not in server.stderr.rest()
