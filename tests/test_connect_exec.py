"""``connect --exec CMD``: a program holds the connection, JSON Lines both ways, byte-exact;
its exit closes (1000 or 1011, wscli exits with its status); the server's close ends its
stdin; a slow program slows the reading (memory stays bounded); a minimal environment."""

import asyncio
import base64
import json
import os
import shlex
import sys
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.background import BackgroundLoop
from tests.conftest import Result, run_wscli_process, wscli_env
from tests.scenario import ScenarioServer
from tests.timing import TIMEOUT

#: Echoes each received message back as JSON Lines; exits 0 at EOF (or ARGV[1] after
#: ARGV[2] messages).
JSON_ECHO = """
import json, sys
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
seen = 0
for line in sys.stdin:
    event = json.loads(line)
    if event["event"] == "message" and event["direction"] == "in":
        print(json.dumps({k: event[k] for k in ("text", "base64") if k in event}), flush=True)
        seen += 1
        if seen == limit:
            sys.exit(int(sys.argv[1]))
"""

#: Reads ARGV[1] lines slowly, then reports wscli's peak RSS (kB) as a message and exits.
SLOW = """
import os, sys, time
for _ in range(int(sys.argv[1])):
    sys.stdin.readline()
    time.sleep(0.002)
pid = os.getppid()
status = open(f"/proc/{pid}/status").read()
if "wscli" not in open(f"/proc/{pid}/cmdline").read():  # the shell between
    pid = int(status.split("PPid:")[1].split()[0])
    status = open(f"/proc/{pid}/status").read()
print("hwm " + status.split("VmHWM:")[1].split()[0], flush=True)
"""


def program(tmp_path: Path, source: str, *args: str) -> str:
    script = tmp_path / f"program_{abs(hash(source))}.py"
    script.write_text(source)
    return shlex.join([sys.executable, str(script), *args])


def mixed(count: int) -> list[str | bytes]:
    kinds: list[str | bytes] = ["a\nb", b"\x00\n", "\x1b[2J\t", "", b"", "\u2028\U0001f600"]
    return [
        kind + str(n) if isinstance(kind, str) else kind + n.to_bytes(4, "big")
        for n, kind in zip(range(count), kinds * (count // len(kinds) + 1), strict=False)
    ]


class Checker(BackgroundLoop):
    """Sends its messages, reads as many back (what came: ``got``), then closes 1000."""

    def __init__(self, messages: list[str | bytes], *, expect: int | None = None) -> None:
        super().__init__()
        self.messages = messages
        self.expect = len(messages) if expect is None else expect
        self.got: list[str | bytes] = []
        self.close_code: int | None = None
        self.url = ""

    async def _handle(self, ws: ServerConnection) -> None:
        async def reader() -> None:
            while len(self.got) < self.expect:
                self.got.append(await ws.recv())

        task = asyncio.create_task(reader())
        try:
            for message in self.messages:
                await ws.send(message)
            await task
            await ws.close()
        except ConnectionClosed:
            task.cancel()
        await ws.wait_closed()
        self.close_code = ws.close_code

    async def _main(self) -> None:
        async with serve(self._handle, "127.0.0.1", 0, max_size=None) as server:
            self.url = f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/"
            self._ready.set()
            assert self._stop is not None
            await self._stop.wait()


@pytest.fixture
def json_echo(tmp_path: Path) -> str:
    return program(tmp_path, JSON_ECHO)


def _exec(url: str, command: str, *args: str, expect: int | None = 0) -> Result:
    return run_wscli_process(
        "connect",
        url,
        "--exec",
        command,
        "--jsonl",
        "--input-format",
        "jsonl",
        *args,
        expect=expect,
        timeout=TIMEOUT * 3,
    )


def test_ten_thousand_mixed_messages_come_back_byte_exact(json_echo: str) -> None:
    """The server's close ends the program's stdin; it exits 0; so does wscli."""
    messages = mixed(10_000)
    with Checker(messages) as server:
        _exec(server.url, json_echo)
    assert server.got == messages
    assert [type(m) for m in server.got] == [type(m) for m in messages]


@pytest.mark.parametrize(("status", "code"), [(0, 1000), (3, 1011)])
def test_the_program_exiting_closes(tmp_path: Path, status: int, code: int) -> None:
    command = program(tmp_path, JSON_ECHO, str(status), "2")
    with Checker(["one", b"two", "three"]) as server:  # waits for 3: the program's exit ends
        result = _exec(server.url, command, expect=status)
    assert server.got == ["one", b"two"]
    assert server.close_code == code
    if status:
        assert "the program exited with 3" in result.stderr


def test_a_slow_program_slows_the_reading(tmp_path: Path) -> None:
    """A server floods 200 MB while the program reads 500 lines, 2 ms each: wscli stops
    reading the socket instead of holding the flood (its peak RSS stays far below)."""
    noise = base64.b64encode(os.urandom(1500 * 1000)).decode()  # incompressible
    flood: list[str | bytes] = [noise[n : n + 2000] for n in range(0, len(noise), 2000)] * 100
    with Checker(flood, expect=1) as server:  # (closes after the one message it waits for)
        run_wscli_process(
            "connect",
            server.url,
            "--exec",
            program(tmp_path, SLOW, "500"),
            expect=None,
            timeout=TIMEOUT * 3,
        )
    assert len(server.got) == 1 and isinstance(server.got[0], str)
    peak_kib = int(server.got[0].split()[1])
    assert peak_kib < 64 * 1024, f"wscli's peak RSS {peak_kib} KiB"


def test_the_program_gets_a_minimal_environment(tmp_path: Path, server: ScenarioServer) -> None:
    source = "import json, os\nprint(json.dumps(dict(os.environ)), flush=True)\n"
    env = wscli_env(AWS_SECRET_ACCESS_KEY="S3CR3T", GITHUB_TOKEN="T0K3N")
    result = run_wscli_process(
        "connect",
        server.url("/echo"),
        "--exec",
        program(tmp_path, source),
        "--pass-env",
        "GITHUB_TOKEN",
        "--input-format",
        "binary",
        env=env,
        expect=None,
    )
    record = server.last()
    assert record.closed.wait(TIMEOUT)
    environment = json.loads(record.messages[0])
    assert "AWS_SECRET_ACCESS_KEY" not in environment and environment["GITHUB_TOKEN"] == "T0K3N"
    assert environment["WSCLI_URL"] == server.url("/echo") and environment["PATH"]
    assert environment["HTTP_UPGRADE"] == "websocket"
    assert result.returncode == 0


def test_exec_refuses_x_and_reconnect(server: ScenarioServer) -> None:
    for extra in (("-x", "hi"), ("--reconnect",)):
        result = run_wscli_process(
            "connect", server.url("/echo"), "--exec", "cat", *extra, expect=2
        )
        assert "do not go together" in result.stderr


def test_the_programs_stderr_is_wscli_s(server: ScenarioServer) -> None:
    result = run_wscli_process(
        "connect", server.url("/echo"), "--exec", "echo to-stderr >&2; echo hi", expect=None
    )
    assert "to-stderr" in result.stderr
    assert server.last().closed.wait(TIMEOUT) and server.last().messages == ["hi"]
