"""SECURITY.md's claims: each names the test that checks it; the claims no other test
file covers are checked here."""

import asyncio
import json
import re
import shlex
import sys
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.headers import build_authorization_basic

from tests.conftest import run_wscli
from tests.listening import listening
from tests.scenario import ScenarioServer
from tests.timing import TIMEOUT

ROOT = Path(__file__).resolve().parent.parent
_NAMED = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def test_every_claim_names_a_test_that_exists() -> None:
    """Each claim's "checked by" names a test file, and a test function in it, that exist:
    SECURITY.md cannot outlive the tests it relies on."""
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    named = _NAMED.findall(text)
    assert len(named) >= 25
    for path, function in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        if function:
            assert re.search(rf"^(async )?def {function}\(", source, re.M), f"{path}::{function}"


def test_listen_binds_loopback_by_default() -> None:
    with listening("--echo") as server:
        assert server.url.startswith("ws://127.0.0.1:")


#: Prints each stdin line back, unchanged.
_ECHO = "import sys\nfor line in sys.stdin: print(line, end='', flush=True)\n"


def test_exec_never_puts_peer_data_on_a_command_line(tmp_path: Path) -> None:
    """Messages built to break out of a shell command line reach the program's stdin as
    they are; nothing they name runs."""
    script = tmp_path / "echo.py"
    script.write_text(_ECHO)
    marker = tmp_path / "PWNED"
    hostile = [f"$(touch {marker})", f"`touch {marker}`", f"'; touch {marker}; '", "\\n"]
    command = shlex.join([sys.executable, str(script)])
    with listening("--exec", command) as server:

        async def scenario() -> list[str]:
            async with connect(server.url, open_timeout=TIMEOUT) as ws:
                replies = []
                for message in hostile:
                    await ws.send(message)
                    replies.append(str(await asyncio.wait_for(ws.recv(), TIMEOUT)))
                return replies

        assert asyncio.run(scenario()) == hostile
    assert not marker.exists()


def test_received_controls_are_escaped_on_a_terminal(server: ScenarioServer) -> None:
    """A message that would retitle the window and clear the screen is printed escaped
    when stdout is a terminal (and exact in a pipe: test_output)."""
    hostile = "\x1b]0;PWNED\x07\x1b[2J\x9b31m"
    args = ("send", server.url("/echo"), hostile, "--count", "1")
    result = run_wscli(*args, terminal=True)
    assert b"\x1b]" not in result.stdout and b"\x07" not in result.stdout
    assert b"\x1b[2J" not in result.stdout and "\x9b" not in result.out
    assert "PWNED" in result.out


def test_credentials_never_reach_jsonl_or_status_lines(server: ScenarioServer) -> None:
    url = server.url("/echo?access_token=T0K3N&room=1").replace("ws://", "ws://ann:PA55@")
    args = ("send", url, "hi", "-H", "Authorization: Bearer S3CR3T", "--count", "1")
    jsonl = run_wscli(*args, "--jsonl", "-v")
    for secret in ("T0K3N", "PA55", "S3CR3T"):
        assert secret not in jsonl.out and secret not in jsonl.stderr
    opened = json.loads(jsonl.lines[0])
    assert opened["url"].endswith("/echo?access_token=***&room=1")
    assert ["Authorization", "Bearer ***"] in opened["request_headers"]
    headers = dict(server.last().headers)  # what was sent is untouched
    assert headers["Authorization"] == "Bearer S3CR3T"
    assert server.last().path == "/echo"


def test_listen_jsonl_masks_the_clients_credentials() -> None:
    with listening("--echo", "--auth", "ann:PA55", "--jsonl", "-v") as server:

        async def scenario() -> str:
            headers = {"Authorization": build_authorization_basic("ann", "PA55")}
            async with connect(
                server.url + "/?token=T0K3N", additional_headers=headers, open_timeout=TIMEOUT
            ) as ws:
                await ws.send("hi")
                return str(await asyncio.wait_for(ws.recv(), TIMEOUT))

        assert asyncio.run(scenario()) == "hi"
        opened = json.loads(server.stdout.wait_for('"event":"open"'))
        server.stop()
        rest = server.stdout.rest() + server.stderr.rest()
    assert ["Authorization", "Basic ***"] in opened["request_headers"]
    assert opened["url"].endswith("/?token=***")
    for secret in ("T0K3N", build_authorization_basic("ann", "PA55").split()[1]):
        assert secret not in json.dumps(opened) and secret not in rest
