"""``wscli listen --script``: each connection plays the server's side of a script. Real
clients (``wscli run``, and the websockets library's where a client must misbehave) on
127.0.0.1: what the client received, how it was closed, what wscli printed, the exit
status with --once."""

import json
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import run_wscli
from tests.listening import listening
from tests.timing import TIMEOUT

FLOW = """\
# a login, a subscription, an echo of what the client sent, a ping, a close by the server
subprotocol chat.v1
timeout 5
> {"type":"login","user":"{{user}}"}
< {"type":"welcome","user":"{{user}}","motd":"{{motd}}"}
> /^subscribe (?P<topic>\\w+)$/
< subscribed to {{topic}}
>hex 00ff
<base64 AAEC
ping are-you-there
expect-close 4001 bye {{user}}
"""


def _script(tmp_path: Path, text: str, name: str = "flow.wscli") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_same_script_checks_the_server_it_mocks(tmp_path: Path) -> None:
    """listen --script FLOW --once & run FLOW: a self-test of both sides."""
    path = _script(tmp_path, FLOW)
    client_script = _script(
        tmp_path,
        FLOW.replace("> /^subscribe (?P<topic>\\w+)$/", "> subscribe news").replace(
            "{{topic}}", "news"
        ),
        "client.wscli",
    )
    with listening("--script", path, "--once", "--var", "motd=hi there") as server:
        result = run_wscli("run", client_script, "--url", server.url, "--var", "user=ann")
        assert server.wait() == 0
        stderr = server.stderr.rest()
    assert "1 script: 1 passed, 0 failed; 8 steps" in result.stderr
    assert f"client 1: followed {path} (8 steps" in stderr
    assert "protocol: chat.v1" in stderr  # the script's subprotocol, offered by both
    assert 'closed by wscli: 4001 (Private Use) "bye ann"' in stderr


def test_a_client_that_deviates_is_closed_with_1008_naming_the_line(tmp_path: Path) -> None:
    path = _script(tmp_path, FLOW)
    with listening("--script", path, "--once", "--var", "motd=m") as server:
        with connect(server.url, subprotocols=["chat.v1"], open_timeout=TIMEOUT) as ws:  # type: ignore[list-item]
            ws.send('{"type":"login","user":"bob"}')
            welcome = json.loads(ws.recv(timeout=TIMEOUT))
            ws.send("unsubscribe news")
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=TIMEOUT)
        assert server.wait() == 9
        stderr = server.stderr.rest()
    assert welcome == {"type": "welcome", "user": "bob", "motd": "m"}
    rcvd = closed.value.rcvd
    assert rcvd is not None and rcvd.code == 1008
    assert rcvd.reason.startswith("did not follow flow.wscli:6: > /^subscribe")
    assert f"client 1: FAIL {path}:6" in stderr
    assert 'expected a match of /^subscribe (?P<topic>\\w+)$/, got "unsubscribe news"' in stderr
    assert "error: the client did not follow the script" in stderr


def test_a_client_too_slow_is_closed_with_1008_after_the_timeout(tmp_path: Path) -> None:
    path = _script(tmp_path, "timeout 0.3\n> hello\n< hi\n")
    with listening("--script", path, "--once") as server:
        with (
            connect(server.url, open_timeout=TIMEOUT) as ws,
            pytest.raises(ConnectionClosed) as closed,
        ):
            ws.recv(timeout=TIMEOUT)
        assert server.wait() == 9
        stderr = server.stderr.rest()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "timed out after 0.3 s waiting for a message matching hello" in stderr


def test_the_close_a_script_expects_from_the_client_is_checked(tmp_path: Path) -> None:
    path = _script(tmp_path, "> hello\nclose 4000 done\n")
    with listening("--script", path, "--once", "--jsonl") as server:
        with connect(server.url, open_timeout=TIMEOUT) as ws:
            ws.send("hello")
            ws.close(4002, "other")
        assert server.wait() == 9
        stderr = server.stderr.rest()
        records = [json.loads(line) for line in server.stdout.rest().splitlines()]
    assert 'expected the client to close with 4000 "done", got 4002 (Private Use) "other"' in (
        stderr
    )
    [script] = [record for record in records if record["event"] == "script"]
    assert script["ok"] is False and script["line"] == 2 and script["id"] == 1
    assert script["details"] == [
        'expected the client to close with 4000 "done", got 4002 (Private Use) "other"'
    ]


def test_a_script_without_a_close_waits_for_the_clients_1000(tmp_path: Path) -> None:
    path = _script(tmp_path, "> a\n< b\n")
    with listening("--script", path, "--once") as server:
        with connect(server.url, open_timeout=TIMEOUT) as ws:
            ws.send("a")
            assert ws.recv(timeout=TIMEOUT) == "b"
        assert server.wait() == 0


def test_each_connection_plays_the_script_on_its_own(tmp_path: Path) -> None:
    path = _script(tmp_path, '> {"n":"{{n}}"}\n< {"twice":"{{n}}{{n}}"}\n')
    with listening("--script", path) as server:
        with (
            connect(server.url, open_timeout=TIMEOUT) as one,
            connect(server.url, open_timeout=TIMEOUT) as two,
        ):
            two.send('{"n":"b"}')
            one.send('{"n":"a"}')
            assert json.loads(two.recv(timeout=TIMEOUT)) == {"twice": "bb"}
            assert json.loads(one.recv(timeout=TIMEOUT)) == {"twice": "aa"}
        server.stderr.wait_for("client 2: followed")  # the inner connection closed first
        server.stderr.wait_for("client 1: followed")


def test_a_ping_step_waits_for_the_clients_ping(tmp_path: Path) -> None:
    path = _script(tmp_path, "ping knock\n< after the ping\n")
    with listening("--script", path, "--once") as server:
        with connect(server.url, open_timeout=TIMEOUT, ping_interval=None) as ws:
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.3)  # nothing before the ping
            ws.ping("knock").wait(TIMEOUT)
            assert ws.recv(timeout=TIMEOUT) == "after the ping"
        assert server.wait() == 0


@pytest.mark.parametrize(
    ("text", "args", "error"),
    [
        ("< {{secret}}\n", (), "{{secret}} is not captured before this line, nor given"),
        ("< /regex/\n", (), "listen --script cannot send a /regex/: /regex/"),
        ("> a\n", ("--echo",), "--script and --echo contradict each other"),
        ("> a\n", ("--exec", "cat"), "--script and --exec contradict each other"),
        ("bogus line\n", (), "unknown setting 'bogus'"),
        ("> a\nbogus line\n", (), "'bogus' after the first step"),
    ],
)
def test_a_script_the_server_cannot_play_exits_2_before_listening(
    tmp_path: Path, text: str, args: tuple[str, ...], error: str
) -> None:
    path = _script(tmp_path, text)
    result = run_wscli("listen", "0", "--script", path, *args, expect=2)
    assert error in result.stderr
    assert "listening" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
