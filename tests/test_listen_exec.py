"""``wscli listen --exec CMD``: one process per connection, its stdin and stdout as messages.

The programs are small Python scripts written into tmp_path and run with ``sys.executable``,
so the tests depend on no shell utility. Clients are websockets' asyncio client.
"""

import asyncio
import base64
import json
import os
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.headers import build_authorization_basic

from tests.conftest import TIMEOUT
from tests.listening import Listening, listening

#: Answers every stdin line with "got: LINE".
LINES = """
import sys
for line in sys.stdin:
    print("got: " + line.rstrip("\\n"), flush=True)
"""

#: Echoes every stdin line as it is.
ECHO = """
import sys
for line in sys.stdin:
    print(line.rstrip("\\n"), flush=True)
"""

#: Prints its pid and environment as JSON, then answers each line with "LINE from CLIENT_ID".
ENVIRONMENT = """
import json, os, sys
print(json.dumps({"pid": os.getpid(), "env": dict(os.environ)}), flush=True)
for line in sys.stdin:
    print(line.rstrip("\\n") + " from " + os.environ["WSCLI_CLIENT_ID"], flush=True)
"""

#: Prints one line, then exits with the status given as its argument.
EXIT = """
import sys
print("bye", flush=True)
sys.exit(int(sys.argv[1]))
"""

#: Prints its pid, then reads stdin until EOF.
READER = """
import os, sys
print(os.getpid(), flush=True)
for line in sys.stdin:
    pass
"""

#: Prints its pid, then ignores both stdin's EOF and SIGTERM: only SIGKILL ends it.
STUBBORN = """
import os, signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(os.getpid(), flush=True)
while True:
    signal.pause()
"""

#: STUBBORN, that also closes its stdout: only the process group shows it still runs.
STUBBORN_SILENT = """
import os, signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(os.getpid(), flush=True)
os.close(1)
while True:
    signal.pause()
"""


def command(tmp_path: Path, source: str, *args: str) -> str:
    """A shell command running ``source`` (written to a file) with this Python."""
    script = tmp_path / f"script_{abs(hash(source))}.py"
    script.write_text(source)
    return shlex.join([sys.executable, str(script), *args])


async def receive(ws: ClientConnection) -> str | bytes:
    """The next message, within TIMEOUT."""
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


async def closed(ws: ClientConnection) -> tuple[int | None, str | None]:
    """Wait for the connection to close; its received close code and reason."""
    await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    return ws.close_code, ws.close_reason


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs (an unreaped zombie does not run)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie left to an init that does not reap: gone, though still listed
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_gone(pid: int) -> None:
    """Poll until process ``pid`` no longer runs; fail after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while running(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs after {TIMEOUT} s"
        time.sleep(0.05)


def port_of(server: Listening) -> int:
    return int(server.url.rsplit(":", 1)[1].split("/", 1)[0])


def loopback_url(server: Listening) -> str:
    """The server's URL on 127.0.0.1 (the listening line may name 0.0.0.0)."""
    return f"ws://127.0.0.1:{port_of(server)}"


def kill_if_running(pid: int) -> None:
    """Clean-up after a failed test: do not leave a stubborn script behind."""
    if running(pid):
        os.kill(pid, signal.SIGKILL)


# Lines both ways


def test_messages_and_stdout_lines_flow_both_ways(tmp_path: Path) -> None:
    """Each client message is a stdin line of the process; each stdout line a message, in order."""
    with listening("--exec", command(tmp_path, LINES)) as server:

        async def scenario() -> list[str | bytes]:
            async with connect(server.url) as ws:
                await ws.send("a")
                await ws.send("b")
                return [await receive(ws), await receive(ws)]

        assert asyncio.run(scenario()) == ["got: a", "got: b"]


def test_binary_messages_reach_the_process_as_hex_lines_by_default(tmp_path: Path) -> None:
    """A binary message becomes a hex line on stdin; stdout lines are text messages."""
    with listening("--exec", command(tmp_path, LINES)) as server:

        async def scenario() -> str | bytes:
            async with connect(server.url) as ws:
                await ws.send(b"\x00\xff\x10")
                return await receive(ws)

        assert asyncio.run(scenario()) == "got: 00ff10"


@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_binary_messages_round_trip_with_an_encoding(tmp_path: Path, encoding: str) -> None:
    """--input-format/--binary-as hex or base64: bytes reach the process encoded as a line,
    and its stdout line comes back as a binary message with the same bytes."""
    args = ("--input-format", encoding, "--binary-as", encoding)
    with listening("--exec", command(tmp_path, ECHO), *args) as server:

        async def scenario() -> list[str | bytes]:
            async with connect(server.url) as ws:
                await ws.send(b"\x00\xff\x10")
                await ws.send(b"\n\r wscli")
                return [await receive(ws), await receive(ws)]

        assert asyncio.run(scenario()) == [b"\x00\xff\x10", b"\n\r wscli"]


# One process per connection, and its environment


def test_each_connection_gets_its_own_process(tmp_path: Path) -> None:
    """Two clients get two processes: WSCLI_CLIENT_ID 1 and 2, different pids, own streams."""
    with listening("--exec", command(tmp_path, ENVIRONMENT)) as server:

        async def scenario() -> list[Any]:
            async with connect(server.url) as first, connect(server.url) as second:
                start_first = json.loads(await receive(first))
                start_second = json.loads(await receive(second))
                await second.send("hi")
                await first.send("hi")
                return [start_first, start_second, await receive(first), await receive(second)]

        start_first, start_second, reply_first, reply_second = asyncio.run(scenario())
        assert start_first["env"]["WSCLI_CLIENT_ID"] == "1"
        assert start_second["env"]["WSCLI_CLIENT_ID"] == "2"
        assert start_first["pid"] != start_second["pid"]
        assert (reply_first, reply_second) == ("hi from 1", "hi from 2")


def test_the_process_environment_describes_the_request(tmp_path: Path) -> None:
    """The environment holds CGI variables, the request headers and the subprotocol."""
    with listening("--exec", command(tmp_path, ENVIRONMENT), "-s", "chat") as server:

        async def scenario() -> tuple[dict[str, str], int]:
            async with connect(
                server.url + "/path?q=1",
                subprotocols=["chat"],  # type: ignore[list-item]
                additional_headers={"X-Test": "yes"},
            ) as ws:
                local_port = ws.local_address[1]
                return json.loads(await receive(ws))["env"], local_port

        env, local_port = asyncio.run(scenario())
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["REMOTE_PORT"] == str(local_port)
    assert env["REQUEST_URI"] == "/path?q=1"
    assert env["QUERY_STRING"] == "q=1"
    assert env["SCRIPT_NAME"] == "/path"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(port_of(server))
    assert env["HTTPS"] == ""
    assert env["HTTP_USER_AGENT"]
    assert env["HTTP_X_TEST"] == "yes"
    assert env["WSCLI_SUBPROTOCOL"] == "chat"
    assert "REMOTE_USER" not in env


def test_with_auth_the_process_gets_the_user_but_not_the_password(tmp_path: Path) -> None:
    """--auth u:p: REMOTE_USER is u, AUTH_TYPE Basic, and there is no HTTP_AUTHORIZATION."""
    with listening("--exec", command(tmp_path, ENVIRONMENT), "--auth", "u:p") as server:

        async def scenario() -> dict[str, str]:
            headers = {"Authorization": build_authorization_basic("u", "p")}
            async with connect(server.url, additional_headers=headers) as ws:
                return json.loads(await receive(ws))["env"]

        env = asyncio.run(scenario())
    assert env["REMOTE_USER"] == "u"
    assert env["AUTH_TYPE"] == "Basic"
    assert "HTTP_AUTHORIZATION" not in env
    assert not any("dTpw" in value for value in env.values())  # base64 of u:p


# Who ends what


@pytest.mark.parametrize(("status", "reason"), [(0, ""), (3, "process exited with 3")])
def test_the_process_exiting_closes_the_connection_with_1000(
    tmp_path: Path, status: int, reason: str
) -> None:
    """The process's last line arrives, then close 1000, with its exit status as reason."""
    with listening("--exec", command(tmp_path, EXIT, str(status))) as server:

        async def scenario() -> tuple[str | bytes, tuple[int | None, str | None]]:
            async with connect(server.url) as ws:
                return await receive(ws), await closed(ws)

        assert asyncio.run(scenario()) == ("bye", (1000, reason))
        assert "closed by wscli: 1000" in server.stderr.wait_for("client 1 closed")


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(READER, id="reads-stdin"),  # ends at stdin's EOF
        pytest.param(STUBBORN, id="ignores-eof-and-sigterm"),  # needs SIGKILL
        # ignores SIGTERM and closed its stdout: the shell running it dies of the SIGTERM,
        # and SIGKILL must still reach the rest of the process group
        pytest.param(STUBBORN_SILENT, id="ignores-sigterm-without-stdout"),
    ],
)
def test_the_client_leaving_ends_the_process(tmp_path: Path, script: str) -> None:
    """When the client closes, the process's stdin is closed; a process that does not end
    then gets SIGTERM, and SIGKILL after the grace periods: it is gone in every case."""
    with listening("--exec", command(tmp_path, script)) as server:

        async def scenario() -> int:
            async with connect(server.url) as ws:
                return int(await receive(ws))

        pid = asyncio.run(scenario())
        try:
            wait_gone(pid)
        finally:
            kill_if_running(pid)


def test_sigterm_closes_clients_with_1001_and_ends_their_processes(tmp_path: Path) -> None:
    """SIGTERM to wscli: the client gets 1001, wscli exits 0, and the process is gone."""
    with listening("--exec", command(tmp_path, READER)) as server:

        async def scenario() -> tuple[int, tuple[int | None, str | None], int]:
            async with connect(server.url) as ws:
                pid = int(await receive(ws))
                # Stop in a thread: the client must keep answering the closing handshake.
                status, close = await asyncio.gather(
                    asyncio.to_thread(server.stop, signal.SIGTERM), closed(ws)
                )
                return pid, close, status

        pid, (code, _reason), status = asyncio.run(scenario())
        try:
            assert code == 1001
            assert status == 0
            wait_gone(pid)
        finally:
            kill_if_running(pid)


def test_wscli_stdin_is_not_read_with_exec(tmp_path: Path) -> None:
    """In --exec mode a line on wscli's stdin reaches neither the client nor the process."""
    with listening("--exec", command(tmp_path, LINES)) as server:

        async def scenario() -> list[str | bytes]:
            async with connect(server.url) as ws:
                await asyncio.to_thread(server.stderr.wait_for, "client 1 connected")
                server.send_stdin("from stdin\n")
                await ws.send("a")
                first = await receive(ws)
                await ws.close()
                rest = [message async for message in ws]
                return [first, *rest]

        assert asyncio.run(scenario()) == ["got: a"]
        server.stderr.wait_for("client 1 closed")
        assert server.stop(signal.SIGTERM) == 0
        assert "stdin line" not in server.stderr.rest()


# Who may connect


@pytest.mark.parametrize(
    ("extra", "origin", "admitted"),
    [
        ((), "http://evil.test", False),
        ((), None, True),
        ((), "own", True),
        (("--origin", "http://evil.test"), "http://evil.test", True),
        (("--origin", "http://evil.test"), "http://other.test", False),
    ],
    ids=["foreign-403", "no-origin", "own-origin", "allowed-origin", "not-allowed-403"],
)
def test_origin_policy_with_exec(
    tmp_path: Path, extra: tuple[str, ...], origin: str | None, admitted: bool
) -> None:
    """--exec admits clients without Origin and the own origin; others only by --origin."""
    with listening("--exec", command(tmp_path, LINES), *extra) as server:
        sent = f"http://127.0.0.1:{port_of(server)}" if origin == "own" else origin

        async def scenario() -> str | bytes | int:
            try:
                async with connect(server.url, origin=sent) as ws:  # type: ignore[arg-type]
                    await ws.send("a")
                    return await receive(ws)
            except InvalidStatus as exc:
                return exc.response.status_code

        assert asyncio.run(scenario()) == ("got: a" if admitted else 403)


@pytest.mark.parametrize("with_auth", [False, True], ids=["no-auth-warns", "auth-silent"])
def test_exec_on_all_interfaces_without_auth_warns(tmp_path: Path, with_auth: bool) -> None:
    """--exec --host 0.0.0.0 warns on stderr unless --auth is given; it serves either way."""
    extra = ("--auth", "u:p") if with_auth else ()
    with listening("--exec", command(tmp_path, LINES), "--host", "0.0.0.0", *extra) as server:
        assert "://0.0.0.0:" in server.url
        before_listening = "".join(server.stderr.lines)

        async def scenario() -> str | bytes:
            headers = {"Authorization": build_authorization_basic("u", "p")} if with_auth else {}
            async with connect(loopback_url(server), additional_headers=headers) as ws:
                await ws.send("a")
                return await receive(ws)

        assert asyncio.run(scenario()) == "got: a"
        assert server.stop(signal.SIGTERM) == 0
        stderr = before_listening + server.stderr.rest()
    warned = "WARNING: --exec on 0.0.0.0 without --auth" in stderr
    assert warned is not with_auth, stderr


def test_a_connection_closed_before_any_output_is_not_an_error(tmp_path: Path) -> None:
    """A client leaving before the process wrote anything: no error line, wscli keeps serving."""
    with listening("--exec", command(tmp_path, LINES)) as server:

        async def scenario() -> str | bytes:
            async with connect(server.url):
                pass
            async with connect(server.url) as ws:
                await ws.send("again")
                return await receive(ws)

        assert asyncio.run(scenario()) == "got: again"
        assert server.stop(signal.SIGTERM) == 0
        assert "client 1:" not in server.stderr.rest()


def test_base64_binary_as_feeds_the_process_base64(tmp_path: Path) -> None:
    """--binary-as base64 alone: a binary message is a base64 line; the answer is text."""
    with listening("--exec", command(tmp_path, LINES), "--binary-as", "base64") as server:

        async def scenario() -> str | bytes:
            async with connect(server.url) as ws:
                await ws.send(b"\x00\xff\x10")
                return await receive(ws)

        expected = "got: " + base64.b64encode(b"\x00\xff\x10").decode()
        assert asyncio.run(scenario()) == expected


#: Prints its pid, closes its stdout and sleeps: it ends only when told to.
SILENT_SLEEPER = """
import os, time
print(os.getpid(), flush=True)
os.close(1)
time.sleep(600)
"""


def test_a_process_that_closed_stdout_is_still_stopped_when_the_client_leaves(
    tmp_path: Path,
) -> None:
    """A process that closed its stdout but runs on is still ended when its client
    leaves, and its --max-connections slot is free again for the next client."""
    with listening("--exec", command(tmp_path, SILENT_SLEEPER), "--max-connections", "1") as (
        server
    ):

        async def first() -> int:
            async with connect(server.url) as ws:
                return int(await receive(ws))

        pid = asyncio.run(first())
        try:
            wait_gone(pid)
        finally:
            kill_if_running(pid)
        server.stderr.wait_for("client 1 closed")

        async def second() -> int:
            async with connect(server.url) as ws:  # admitted: the slot was freed
                return int(await receive(ws))

        kill_if_running(asyncio.run(second()))


def test_the_process_gets_no_proxy_header_and_no_wscli_settings(tmp_path: Path) -> None:
    """A client's "Proxy" header does not become HTTP_PROXY for the process (httpoxy), and
    wscli's own WSCLI_ variables (WSCLI_AUTH holds a password) are not passed on."""
    script = "import json, os\nprint(json.dumps(dict(os.environ)), flush=True)\n"
    options = ("--exec", command(tmp_path, script))
    with listening(*options, env={"WSCLI_AUTH": "u:s3cret"}) as server:

        async def scenario() -> str | bytes:
            headers = {
                "Proxy": "http://evil.test:8080",
                "Authorization": build_authorization_basic("u", "s3cret"),
            }
            async with connect(server.url, additional_headers=headers) as ws:
                return await receive(ws)

        environment = json.loads(asyncio.run(scenario()))
    assert "HTTP_PROXY" not in environment
    assert "WSCLI_AUTH" not in environment and "WSCLI_CONFIG" not in environment
    assert "s3cret" not in json.dumps(environment)


def test_only_a_minimal_environment_and_pass_env_reach_the_process(tmp_path: Path) -> None:
    """wscli's environment is not the program's: PATH, LANG, LC_* and the like pass, a
    cloud credential does not, unless --pass-env names it."""
    script = "import json, os\nprint(json.dumps(dict(os.environ)), flush=True)\n"
    secrets = {"AWS_SECRET_ACCESS_KEY": "S3CR3T", "GITHUB_TOKEN": "T0K3N", "LC_TIME": "C"}
    options = ("--exec", command(tmp_path, script), "--pass-env", "GITHUB_TOKEN")
    with listening(*options, env=secrets) as server:

        async def scenario() -> str | bytes:
            async with connect(server.url) as ws:
                return await receive(ws)

        environment = json.loads(asyncio.run(scenario()))
    assert "AWS_SECRET_ACCESS_KEY" not in environment
    assert environment["GITHUB_TOKEN"] == "T0K3N"
    assert environment["PATH"] and environment["LC_TIME"] == "C"
    assert environment["WSCLI_CLIENT_ID"] == "1" and environment["REMOTE_ADDR"] == "127.0.0.1"


def test_an_over_long_stdout_line_is_dropped_whole(tmp_path: Path) -> None:
    """A stdout line longer than --max-size is not sent, nor is any piece of it; the lines
    after it are."""
    script = (
        'import sys\nsys.stdout.write("A" * 100 + "TAIL\\n" + "short\\n")\nsys.stdout.flush()\n'
    )
    with listening("--max-size", "16", "--exec", command(tmp_path, script)) as server:

        async def scenario() -> str | bytes:
            async with connect(server.url) as ws:
                return await receive(ws)

        assert asyncio.run(scenario()) == "short"
