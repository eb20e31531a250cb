"""The Node ``ws`` interop server (tests/node/server.js) run as a child process.

``node tests/node/server.js`` listens on 127.0.0.1 with a random port, prints ``PORT n`` first,
then one JSON line per connection event (see server.js for the paths and the format). This
module starts it, reads those lines in a thread and records each connection as a
:class:`tests.scenario.Connection`, so tests assert on both servers the same way.

Node and the ``ws`` package (``npm ci`` in tests/node) are needed: without them the tests
that use the server are skipped locally and fail when the ``CI`` environment variable is
set, because CI installs them.
"""

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import TIMEOUT
from tests.scenario import Connection, Recorder

NODE_DIR = Path(__file__).parent / "node"
SERVER_JS = NODE_DIR / "server.js"


def require_node(*packages: str) -> str:
    """The node executable; skip (fail under CI) when node or a package (``ws``, and
    ``packages``) is missing."""
    node = shutil.which("node")
    problem = None
    missing = [
        name
        for name in ("ws", *packages)
        if not (NODE_DIR / "node_modules" / name / "package.json").is_file()
    ]
    if node is None:
        problem = "node is not installed"
    elif missing:
        problem = f"the {missing[0]} package is not installed (run `npm ci` in tests/node)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"Node interop server unavailable under CI: {problem}")
        pytest.skip(f"Node interop server unavailable: {problem}")
    assert node is not None
    return node


class NodeServer(Recorder):
    """Start with ``with NodeServer() as server:``; ``server.url("/echo")``."""

    def __init__(self) -> None:
        super().__init__()
        self.port = 0
        self._by_id: dict[int, Connection] = {}
        self._first_line: queue.Queue[str | None] = queue.Queue()
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._reader: threading.Thread | None = None

    def url(self, path: str = "/echo") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "NodeServer":
        node = require_node()
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [node, str(SERVER_JS)],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            line = self._first_line.get(timeout=TIMEOUT)
        except queue.Empty:
            line = None
        if line is None or not line.startswith("PORT "):
            self.__exit__()
            raise AssertionError(f"node server did not start: {line!r}\n{self._errors()}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the server's stdin (it exits on EOF); kill it if it does not."""
        process = self._process
        assert process is not None and process.stdin is not None
        process.stdin.close()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join(TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()

    def _errors(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        lines = iter(self._process.stdout)
        first = next(lines, None)
        self._first_line.put(None if first is None else first.decode().strip())
        for raw in lines:
            self._record(json.loads(raw))

    def _record(self, event: dict[str, object]) -> None:
        with self._changed:
            ident = event["id"]
            assert isinstance(ident, int)
            if event["event"] == "open":
                connection = Connection(path=str(event["path"]), headers=[], subprotocol=None)
                self._by_id[ident] = connection
                self.connections.append(connection)
            elif event["event"] == "closed":
                connection = self._by_id[ident]
                messages = event["messages"]
                assert isinstance(messages, list)
                connection.messages = [
                    bytes.fromhex(m["hex"]) if isinstance(m, dict) else m for m in messages
                ]
                code = event["code"]
                connection.close_code = code if isinstance(code, int) else None
                connection.close_reason = str(event["reason"])
                connection.closed.set()
            self._changed.notify_all()


@contextmanager
def node_script(name: str, *packages: str, args: tuple[str, ...] = ()) -> Iterator[int]:
    """``node tests/node/NAME`` (a server that prints ``PORT n`` first and exits when its
    stdin closes): its port. Skips (fails under CI) without node or ``packages``."""
    from tests.processes import LineReader

    node = require_node(*packages)
    process = subprocess.Popen(
        [node, str(NODE_DIR / name), *args],
        cwd=NODE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        line = LineReader(process.stdout).wait_for("PORT ")
        yield int(line.split()[1])
        process.stdin.close()
        process.wait(TIMEOUT)
    finally:
        process.kill()
        process.wait()
