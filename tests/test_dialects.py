"""``--dialect``: wscli speaks the protocol, the user the application, against the
reference implementation of each (Node servers in tests/node, installed by tests/setup):
graphql-ws (graphql-transport-ws), rpc-websockets (JSON-RPC 2.0), socket.io (Engine.IO v4
/ Socket.IO v5). Plus the parsers' behaviour on random and malformed frames."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import run_wscli
from tests.node_server import node_script
from wscli.dialect.base import DialectSettings
from wscli.dialect.registry import NAMES, make_dialect

GRAPHQL = ("--dialect", "graphql", "--init-payload", '{"token":"t0k3n"}')


@pytest.fixture
def graphql_url() -> Iterator[str]:
    with node_script("graphql.js", "graphql-ws", "graphql") as port:
        yield f"ws://127.0.0.1:{port}/graphql"


@pytest.fixture
def jsonrpc_url() -> Iterator[str]:
    with node_script("jsonrpc.js", "rpc-websockets") as port:
        yield f"ws://127.0.0.1:{port}"


@pytest.fixture
def socketio_url() -> Iterator[str]:
    with node_script("socketio.js", "socket.io") as port:
        yield f"http://127.0.0.1:{port}"


def test_graphql_subscription_count_3_completes_it_before_closing(graphql_url: str) -> None:
    result = run_wscli(
        "send", graphql_url, "subscription { tick(to: 10) }", *GRAPHQL, "--count", "3", "-v"
    )
    assert result.lines == ['{"data":{"tick":1}}', '{"data":{"tick":2}}', '{"data":{"tick":3}}']
    assert "Sec-WebSocket-Protocol: graphql-transport-ws" in result.stderr  # offered itself
    records = run_wscli(
        "send", graphql_url, "subscription { tick(to: 10) }", *GRAPHQL, "--count", "1", "--jsonl"
    ).lines
    sent = [json.loads(r)["text"] for r in records if '"direction":"out"' in r]
    assert sent[-1] == '{"id":"1","type":"complete"}'  # completed before the close


def test_graphql_pings_are_answered_with_pongs() -> None:
    """The reference server does not ping; a server that does gets its pong."""
    dialect = make_dialect(DialectSettings("graphql"))
    assert dialect.decode('{"type":"ping"}').replies == ['{"type":"pong"}']
    pong = dialect.decode('{"type":"pong"}')
    assert (pong.shown, pong.replies, pong.errors) == ([], [], [])


def test_graphql_queries_from_a_pipe_end_when_every_operation_completed(
    graphql_url: str,
) -> None:
    lines = (
        '{ hello(name: "a") }\n'
        '{"query": "query($n: String) { hello(name: $n) }", "variables": {"n": "b"}}\n'
    )
    result = run_wscli("connect", graphql_url, *GRAPHQL, "--jsonl", "-v", input=lines)
    records = [json.loads(line) for line in result.lines]
    shown = [r["text"] for r in records if r["event"] == "message" and r["direction"] == "in"]
    assert '{"data":{"hello":"hello a"}}' in shown and '{"data":{"hello":"hello b"}}' in shown
    raw = [json.loads(r["text"])["type"] for r in records if r.get("raw")]
    assert raw[0] == "connection_ack" and raw.count("complete") == 2
    sent = [json.loads(r["text"]) for r in records if r.get("direction") == "out"]
    assert sent[0]["type"] == "connection_init" and sent[0]["payload"] == {"token": "t0k3n"}
    assert [s["payload"].get("variables") for s in sent[1:]] == [None, {"n": "b"}]


def test_graphql_errors_print_and_exit_9(graphql_url: str) -> None:
    result = run_wscli("send", graphql_url, "{ nope }", *GRAPHQL, expect=9)
    assert 'wscli: graphql: operation 1: Cannot query field "nope"' in result.stderr
    assert "the server reported 1 graphql protocol error" in result.stderr


def test_graphql_refused_init_closes_4403(graphql_url: str) -> None:
    bad = ("--dialect", "graphql", "--init-payload", '{"token":"wrong"}')
    result = run_wscli("send", graphql_url, "{ hello }", *bad, expect=8)
    assert "4403" in result.stderr


def test_graphql_legacy_protocol_against_subscriptions_transport_ws() -> None:
    """The older graphql-ws subprotocol: start/data/stop, keep-alives (every 100 ms)
    skipped and not counted, connection_error refusing the opening."""
    packages = ("graphql", "subscriptions-transport-ws")
    with node_script("graphql.js", *packages, args=("legacy",)) as port:
        url = f"ws://127.0.0.1:{port}/graphql"
        legacy = ("--dialect", "graphql-ws-legacy")
        result = run_wscli(
            "send",
            url,
            "subscription { tick(to: 20) }",
            *legacy,
            "--init-payload",
            '{"token":"t0k3n"}',
            "--count",
            "2",
            "-v",
        )
        assert result.lines == ['{"data":{"tick":1}}', '{"data":{"tick":2}}']
        assert "Sec-WebSocket-Protocol: graphql-ws" in result.stderr
        refused = run_wscli(
            "send", url, "{ hello }", *legacy, "--init-payload", '{"token":"x"}', expect=9
        )
        assert "graphql-ws-legacy: connection refused: Forbidden" in refused.stderr


def test_jsonrpc_calls_results_errors_and_notifications(jsonrpc_url: str) -> None:
    assert run_wscli("send", jsonrpc_url, "sum [1,2]", "--dialect", "jsonrpc").lines == ["3"]
    failed = run_wscli("send", jsonrpc_url, "fail", "--dialect", "jsonrpc", expect=9)
    assert "wscli: jsonrpc: fail (id 1): error -32000" in failed.stderr
    lines = 'rpc.on ["tick"]\n{"method": "sum", "params": [2, 3], "id": "x"}\nnotify_me\n'
    result = run_wscli(
        "connect", jsonrpc_url, "--dialect", "jsonrpc", "--count", "3", "--idle", "2", input=lines
    )
    # three responses counted; the notification shown, not counted
    assert result.lines[:3] == ['{"tick":"ok"}', "5", "true"]


def test_jsonrpc_bad_input_is_a_usage_error(jsonrpc_url: str) -> None:
    result = run_wscli("send", jsonrpc_url, "sum [1,", "--dialect", "jsonrpc", expect=2)
    assert "sum: params are not JSON" in result.stderr


def test_socketio_emit_receive_binary_and_ack(socketio_url: str) -> None:
    lines = '["hello",1,{"a":2}]\n["binary"]\n'
    result = run_wscli(
        "connect", socketio_url, "--dialect", "socketio", "--count", "3", input=lines
    )
    assert result.lines == [
        '["echo","hello",1,{"a":2}]',
        '["file",{"_placeholder":true,"num":0}]',
        '{"attachment":"000102"}',
    ]
    acked = run_wscli("send", socketio_url, '["x",5]', "--dialect", "socketio", "--ack")
    assert acked.lines == ['["ack",0,"ok",5]']


def test_socketio_namespace_with_auth_and_refused(socketio_url: str) -> None:
    chat = ("--dialect", "socketio", "--namespace", "/chat", "--count", "1")
    ok = run_wscli("send", socketio_url, *chat, "--auth-json", '{"token":"t0k3n"}')
    assert ok.lines == ['["welcome","t0k3n"]']
    refused = run_wscli("send", socketio_url, *chat, "--auth-json", '{"token":"x"}', expect=9)
    assert "the namespace refused the connection: not authorized" in refused.stderr


def test_socketio_heartbeats_keep_a_session_open_past_two_ping_intervals(
    socketio_url: str,
) -> None:
    """The server pings every 300 ms and drops a client that does not pong within
    700 ms; a session of ~2 s (five emits 0.4 s apart) stays open, and the pings
    neither show nor count."""
    result = run_wscli(
        "send",
        socketio_url,
        "--dialect",
        "socketio",
        "--every",
        "0.4",
        '["beat"]',
        "--count",
        "5",
        "--jsonl",
        "-v",
    )
    records = [json.loads(line) for line in result.lines]
    shown = [
        r["text"]
        for r in records
        if r["event"] == "message" and r["direction"] == "in" and not r.get("raw")
    ]
    assert shown == ['["echo","beat"]'] * 5
    pings = [r for r in records if r.get("raw") and r["text"] == "2"]
    pongs = [r for r in records if r.get("direction") == "out" and r["text"] == "3"]
    # every ping answered (the last may come while the session closes)
    assert len(pongs) >= 4 and len(pongs) >= len(pings) - 1


@pytest.fixture
def stomp_url() -> Iterator[str]:
    with node_script("stomp.js", "stomp-broker-js") as port:
        yield f"ws://127.0.0.1:{port}/stomp"


def test_stomp_subscribe_send_receive_and_heart_beats(stomp_url: str) -> None:
    """The broker closes a client whose heart-beats stop for 550 ms; a session of 1.5 s
    stays open, and the DISCONNECT gets its receipt."""
    lines = "SUBSCRIBE /queue/echo.reply\nSEND /queue/echo hello there\n"
    args = ("--dialect", "stomp", "--heart-beat", "400,0", "--idle", "1.5", "--jsonl", "-v")
    result = run_wscli("connect", stomp_url, *args, input=lines)
    records = [json.loads(line) for line in result.lines]
    shown = [
        r["text"]
        for r in records
        if r["event"] == "message" and r["direction"] == "in" and not r.get("raw")
    ]
    assert shown == ["HELLO THERE"]
    [message] = [r for r in records if r.get("text") == "HELLO THERE"]
    assert message["headers"]["subscription"] == "0"  # --jsonl: the MESSAGE's headers
    sent = [r["text"] for r in records if r.get("direction") == "out"]
    assert sent[0].startswith("CONNECT\naccept-version:1.2,1.1,1.0\nhost:127.0.0.1\n")
    assert sent[0].endswith("\n\n\0") and sent.count("\n") >= 5  # a beat per 200 ms
    assert sent[-1] == "DISCONNECT\nreceipt:wscli-disconnect\n\n\0"
    raw = [r["text"] for r in records if r.get("raw")]
    assert raw[-1].startswith("RECEIPT\nreceipt-id:wscli-disconnect")
    close = records[-1]
    assert close["event"] == "close" and close["initiated_by"] == "client"


def test_stomp_send_alone_ends_at_once_and_bad_commands_are_usage_errors(
    stomp_url: str,
) -> None:
    run_wscli("send", stomp_url, "SEND /queue/other hi", "--dialect", "stomp", "-q")
    result = run_wscli("send", stomp_url, "PUBLISH x", "--dialect", "stomp", expect=2)
    assert "not a STOMP command" in result.stderr


def test_a_dialect_option_needs_dialect() -> None:
    result = run_wscli("send", "ws://127.0.0.1:1/", "x", "--init-payload", "{}", expect=2)
    assert "--init-payload needs --dialect" in result.stderr


@pytest.mark.parametrize("name", NAMES)
@given(frame=st.one_of(st.text(max_size=60), st.binary(max_size=30)))
def test_any_frame_is_shown_skipped_or_a_clear_error(name: str, frame: str | bytes) -> None:
    """Random and malformed frames never raise: each is shown, skipped, answered, or
    reported as one error line."""
    dialect = make_dialect(DialectSettings(name))
    result = dialect.decode(frame)
    assert all(isinstance(line, str) and "\n" not in line for line in result.errors)


@pytest.mark.parametrize(
    ("name", "frames"),
    [
        ("socketio", ["4", "45", "45x-[]", "42/chat", "42[", "0{", "43abc", "1", "x"]),
        ("graphql", ["{", "[]", '{"type":"next"}', '{"type":"error","payload":5}', "null"]),
        ("jsonrpc", ["{", "[1]", '{"id":1}', '{"error":5}', "[]", "7"]),
        ("stomp", ["\n", "MESSAGE", "ERROR\n\n\0", "X\n\n\0", "CONNECTED\nheart-beat:a,b\n\n\0"]),
    ],
)
def test_malformed_frames(name: str, frames: list[str]) -> None:
    dialect = make_dialect(DialectSettings(name, namespace="/chat"))
    for frame in frames:
        result = dialect.decode(frame)
        assert all(isinstance(line, str) for line in result.errors)


def test_dialects_at_the_prompt(jsonrpc_url: str, socketio_url: str, tmp_path: Path) -> None:
    """At the prompt, typed lines are application messages and the replies show as
    such; Socket.IO's heartbeats are answered while the prompt waits (two intervals)."""
    from tests.test_repl import Terminal, quit_cleanly

    home = tmp_path / "home"
    home.mkdir()
    terminal = Terminal(home, jsonrpc_url, "--dialect", "jsonrpc")
    try:
        terminal.ready()
        terminal.type_line("sum [1, 2, 3]")
        terminal.expect(r"^< 6$")
        terminal.type_line("fail")
        terminal.expect(r"jsonrpc: fail \(id 2\): error -32000")
        quit_cleanly(terminal, after_output=True)
    finally:
        terminal.close()
    terminal = Terminal(home, socketio_url, "--dialect", "socketio", "-x", '["first"]')
    try:
        terminal.ready()
        terminal.expect(r'^< \[\s*"echo",\s*"first"\s*\]$')
        terminal.expect(r"> 3$")  # a pong to the server's ping (300 ms)
        terminal.expect(r"> 3$")  # and the next: the session outlived two intervals
        terminal.type_line('["hello"]')
        terminal.expect(r'^< \[\s*"echo",\s*"hello"\s*\]$')
        terminal.type_line('/emit chat "hi there" {"n": 1}')
        terminal.expect(r'"echo",\s*"chat",\s*"hi there",\s*\{\s*"n": 1\s*\}')
        quit_cleanly(terminal, after_output=True)
    finally:
        terminal.close()


def test_stop_completes_a_graphql_operation_at_the_prompt(graphql_url: str, tmp_path: Path) -> None:
    from tests.test_repl import Terminal, quit_cleanly

    home = tmp_path / "home"
    home.mkdir()
    terminal = Terminal(home, graphql_url, *GRAPHQL)
    try:
        terminal.ready()
        terminal.type_line("subscription { tick(to: 100000) }")
        terminal.expect(r'"tick": 2')
        terminal.type_line("/stop 1")
        terminal.expect(r'"type":\s*"complete"')  # the frame sent, shown pretty
        terminal.type_line("/stop 1")
        terminal.expect(r"no running operation 1")
        quit_cleanly(terminal, after_output=True)
    finally:
        terminal.close()


def test_a_script_speaks_a_dialect(graphql_url: str, tmp_path: Path) -> None:
    """wscli run with a dialect setting: > lines are application messages, < lines
    match the application's messages, a protocol error fails the step waiting (9)."""
    script = tmp_path / "graphql.wscli"
    script.write_text(
        "dialect graphql\n"
        'init-payload {"token":"t0k3n"}\n'
        "timeout 5\n"
        "> subscription { tick(to: 3) }\n"
        '< {"data":{"tick":1}}\n'
        '< {"data":{"tick":"{{second}}"}}\n'
        '> { hello(name: "{{second}}") }\n'
        '<~ {"data":{"hello":"hello 2"}}\n',
        encoding="utf-8",
    )
    result = run_wscli("run", str(script), "--url", graphql_url)
    assert "1 script: 1 passed, 0 failed; 6 steps" in result.stderr
    failing = tmp_path / "failing.wscli"
    failing.write_text(
        'dialect graphql\ninit-payload {"token":"t0k3n"}\n> { nope }\n< {"data":{}}\n',
        encoding="utf-8",
    )
    failed = run_wscli("run", str(failing), "--url", graphql_url, expect=9)
    assert f"FAIL {failing}:4" in failed.stderr
    assert 'graphql: operation 1: Cannot query field "nope"' in failed.stderr


def test_a_session_in_a_dialect_records_and_replays(graphql_url: str, tmp_path: Path) -> None:
    """--record with --dialect writes the application's messages and the dialect's
    settings (its payloads as names: they may hold tokens); run replays it."""
    record = tmp_path / "graphql.wscli"
    run_wscli(
        "connect",
        graphql_url,
        *GRAPHQL,
        "--record",
        str(record),
        input="subscription { tick(to: 2) }\n",
    )
    text = record.read_text(encoding="utf-8")
    assert "t0k3n" not in text
    steps = [line for line in text.splitlines() if not line.startswith("#")]
    assert steps[1:] == [
        "dialect graphql",
        "init-payload {{WSCLI_INIT_PAYLOAD}}",
        "> subscription { tick(to: 2) }",
        '< {"data":{"tick":1}}',
        '< {"data":{"tick":2}}',
        "close 1000",
    ]
    env = {"WSCLI_INIT_PAYLOAD": '{"token":"t0k3n"}'}
    result = run_wscli("run", str(record), env=env)
    assert "1 script: 1 passed" in result.stderr


def test_listen_speaks_socketio_to_the_reference_client(tmp_path: Path) -> None:
    """listen --dialect socketio: socket.io-client connects over WebSocket, its emit is
    acknowledged and echoed (--echo); in the default mode a stdin line is an emit to
    every client, and the client's events are printed as arrays."""
    import subprocess

    from tests.listening import listening
    from tests.node_server import NODE_DIR, require_node
    from tests.processes import LineReader
    from tests.timing import TIMEOUT

    node = require_node("socket.io-client")
    client = [node, "socketio-client.js"]
    with listening("--dialect", "socketio", "--echo", "--ping-interval", "0.1") as server:
        url = server.url.replace("ws://", "http://")
        done = subprocess.run(
            [*client, url, "hello", '[1, {"a": 2}]', "1"],
            cwd=NODE_DIR,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert server.stdout.wait_for('["hello",1,{"a":2}]')
    assert done.stdout.decode().splitlines() == ['["ack",1,{"a":2}]', '["hello",1,{"a":2}]']
    with listening("--dialect", "socketio") as server:
        url = server.url.replace("ws://", "http://")
        process = subprocess.Popen(
            [*client, url, "hi", "[]", "1"], cwd=NODE_DIR, stdout=subprocess.PIPE
        )
        try:
            assert process.stdout is not None
            assert server.stdout.wait_for('["hi"]')  # the client is in
            server.send_stdin('["news", "x"]\n')
            assert LineReader(process.stdout).wait_for("news") == '["news","x"]\n'
            assert process.wait(TIMEOUT) == 0
        finally:
            process.kill()
            process.wait()


def test_listen_speaks_graphql_and_jsonrpc_to_the_reference_clients() -> None:
    """listen --dialect graphql --echo answers graphql-ws's client (ack, a result, then
    complete); listen --dialect jsonrpc --echo answers rpc-websockets' call with its
    params; the client messages are printed as the application's."""
    import subprocess

    from tests.listening import listening
    from tests.node_server import NODE_DIR, require_node
    from tests.timing import TIMEOUT

    node = require_node("graphql-ws", "rpc-websockets")

    def client(*args: str) -> list[str]:
        done = subprocess.run(
            [node, *args], cwd=NODE_DIR, capture_output=True, timeout=TIMEOUT, check=False
        )
        assert done.returncode == 0, done.stdout
        return done.stdout.decode().splitlines()

    with listening("--dialect", "graphql", "--echo") as server:
        lines = client("graphql-client.js", server.url, "t", "subscription { tick }")
        assert lines == ['{"data":{"echo":{"query":"subscription { tick }"}}}', "complete"]
        assert server.stdout.wait_for('{"query":"subscription { tick }"}')
        assert "protocol: graphql-transport-ws" in server.stderr.wait_for("connected")
    with listening("--dialect", "jsonrpc", "--echo") as server:
        assert client("jsonrpc-client.js", server.url, "sum", "[1, 2]") == ["[1,2]"]
        assert server.stdout.wait_for("sum [1,2]")


def test_listen_speaks_stomp_to_the_reference_client() -> None:
    """listen --dialect stomp --echo: @stomp/stompjs connects, subscribes, sends, and
    gets its message back from its subscription."""
    import subprocess

    from tests.listening import listening
    from tests.node_server import NODE_DIR, require_node
    from tests.timing import TIMEOUT

    node = require_node("@stomp/stompjs")
    with listening("--dialect", "stomp", "--echo") as server:
        done = subprocess.run(
            [node, "stomp-client.js", server.url, "/queue/a", "hello stomp"],
            cwd=NODE_DIR,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert done.stdout.decode().splitlines() == ["hello stomp"]
        assert server.stdout.wait_for("SEND /queue/a hello stomp")
        assert "protocol: v12.stomp" in server.stderr.wait_for("connected")


def test_listen_dialect_with_another_mode_is_refused() -> None:
    result = run_wscli("listen", "0", "--dialect", "socketio", "--broadcast", expect=2)
    assert "listen --dialect works in the default mode, with --echo and with --script" in (
        result.stderr
    )


def test_listen_script_speaks_a_dialect(tmp_path: Path) -> None:
    """listen --script with --dialect socketio: > lines match the client's events, <
    lines are emitted; socket.io-client follows the script (exit 0 with --once)."""
    import subprocess

    from tests.listening import listening
    from tests.node_server import NODE_DIR, require_node
    from tests.timing import TIMEOUT

    node = require_node("socket.io-client")
    script = tmp_path / "mock.wscli"
    script.write_text(
        'timeout 5\n> ["hello",1]\n< ["welcome","{{who}}"]\nexpect-close 1000\n', encoding="utf-8"
    )
    args = ("--dialect", "socketio", "--script", str(script), "--once", "--var", "who=ann")
    with listening(*args) as server:
        url = server.url.replace("ws://", "http://")
        done = subprocess.run(
            [node, "socketio-client.js", url, "hello", "[1]", "1"],
            cwd=NODE_DIR,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert server.wait() == 0
        assert f"client 1: followed {script}" in server.stderr.rest()
    assert done.stdout.decode().splitlines() == ['["ack",1]', '["welcome","ann"]']  # acked


@pytest.mark.parametrize("name", ["graphql", "jsonrpc", "socketio", "stomp"])
@given(frame=st.one_of(st.text(max_size=60), st.binary(max_size=30)))
def test_the_servers_side_takes_any_frame(name: str, frame: str | bytes) -> None:
    """listen --dialect: random and malformed client frames never raise."""
    from wscli.dialect.serving import SERVER_DIALECTS

    result = SERVER_DIALECTS[name]().decode(frame)
    assert all(isinstance(line, str) for line in result.errors)


def test_socketio_path_and_base_urls() -> None:
    """--socketio-path picks the Engine.IO endpoint when the URL gives none."""
    moved = make_dialect(DialectSettings("socketio", socketio_path="/io/"))
    assert moved.url("http://h:1") == "ws://h:1/io/?EIO=4&transport=websocket"
    default = make_dialect(DialectSettings("socketio"))
    assert default.url("https://h/") == "wss://h/socket.io/?EIO=4&transport=websocket"
