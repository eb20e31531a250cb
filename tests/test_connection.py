"""Connection options of send/connect/close, checked at a real server on 127.0.0.1.

-s/--subprotocol, -H/--header, -o/--origin, --auth and URL userinfo, --compression and
--no-compression, --max-size, --open-timeout, --ping-interval, --ping-timeout and
--unix-socket.
"""

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.commands import COMMANDS, error_line, replied, run_command
from tests.conftest import TIMEOUT, run_wscli
from tests.proxy import silent_server
from tests.scenario import Connection, ScenarioServer


def header_values(connection: Connection, name: str) -> list[str]:
    """Every value of header ``name`` (any case) in the request the server received."""
    return [value for key, value in connection.headers if key.lower() == name.lower()]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def open_event(stdout: str) -> dict[str, object]:
    """The ``open`` object of a --jsonl run."""
    events = [json.loads(line) for line in stdout.splitlines()]
    opened = [event for event in events if event["event"] == "open"]
    assert len(opened) == 1, events
    result: dict[str, object] = opened[0]
    return result


# -s/--subprotocol


@pytest.mark.parametrize("command", COMMANDS)
def test_server_picks_one_of_the_offered_subprotocols(server: ScenarioServer, command: str) -> None:
    """-s is repeatable: /proto picks chat.v2 from '-s chat.v1 -s chat.v2', and the
    connected line on stderr names the negotiated protocol."""
    result = run_command(command, server.url("/proto"), "-s", "chat.v1", "-s", "chat.v2")
    assert replied(command, result)
    connection = server.last()
    assert connection.subprotocol == "chat.v2"
    assert header_values(connection, "Sec-WebSocket-Protocol") == ["chat.v1, chat.v2"]
    connected = [line for line in result.stderr.splitlines() if "connected to" in line]
    assert len(connected) == 1 and "protocol: chat.v2" in connected[0], result.stderr


def test_long_subprotocol_option_offers_the_protocol(server: ScenarioServer) -> None:
    """--subprotocol is the long form of -s."""
    result = run_command("send", server.url("/proto"), "--subprotocol", "chat.v1", "--jsonl")
    assert open_event(result.out)["protocol"] == "chat.v1"
    assert server.last().subprotocol == "chat.v1"


def test_no_subprotocol_offered_to_a_server_that_needs_one_exits_4(
    server: ScenarioServer,
) -> None:
    """send without -s to /proto exits 4 and shows the server's HTTP 400."""
    result = run_command("send", server.url("/proto"), expect=4)
    line = error_line(result)
    assert "HTTP 400" in line and "subprotocol" in line
    assert result.stdout == b""


def test_no_subprotocol_header_without_s(server: ScenarioServer) -> None:
    """Without -s no Sec-WebSocket-Protocol header is sent."""
    run_command("send", server.url("/echo"))
    assert header_values(server.last(), "Sec-WebSocket-Protocol") == []


# -H/--header


def test_headers_are_accepted_in_any_position(server: ScenarioServer) -> None:
    """-H works before the URL, between URL and messages, after the messages, and as
    --header; every header reaches the server."""
    result = run_wscli(
        "send",
        "-H",
        "X-Before: 1",
        server.url("/echo"),
        "--header",
        "X-Middle: 2",
        "hello",
        "-H",
        "X-After: 3",
        "--count",
        "1",
    )
    assert result.lines == ["hello"]
    connection = server.last()
    assert connection.messages == ["hello"]
    assert header_values(connection, "X-Before") == ["1"]
    assert header_values(connection, "X-Middle") == ["2"]
    assert header_values(connection, "X-After") == ["3"]


@pytest.mark.parametrize("command", COMMANDS)
def test_repeated_headers_all_reach_the_server(server: ScenarioServer, command: str) -> None:
    """-H is repeatable, also with the same name: each one is sent, in order."""
    run_command(
        command, server.url("/echo"), "-H", "X-Tag: one", "-H", "X-Tag: two", "-H", "X-Id:42"
    )
    connection = server.last()
    assert header_values(connection, "X-Tag") == ["one", "two"]
    assert header_values(connection, "X-Id") == ["42"]


def test_host_header_overrides_host_but_connects_to_the_url(server: ScenarioServer) -> None:
    """-H 'Host: virtual.test' is the Host the server sees, while the TCP connection still
    goes to 127.0.0.1 and the port of the URL."""
    result = run_command("send", server.url("/echo"), "-H", "Host: virtual.test")
    assert result.lines == ["hello"]
    assert header_values(server.last(), "Host") == ["virtual.test"]


def test_user_agent_header_replaces_the_default(server: ScenarioServer) -> None:
    """-H 'User-Agent: probe/1' is sent instead of wscli's own User-Agent."""
    run_command("send", server.url("/echo"), "-H", "User-Agent: probe/1")
    assert header_values(server.last(), "User-Agent") == ["probe/1"]


# -o/--origin and credentials


@pytest.mark.parametrize("flag", ["-o", "--origin"])
def test_origin_reaches_the_server(server: ScenarioServer, flag: str) -> None:
    """-o/--origin sets the Origin header; none is sent without it."""
    run_command("send", server.url("/echo"), flag, "https://app.test")
    assert header_values(server.last(), "Origin") == ["https://app.test"]
    run_command("send", server.url("/echo"))
    assert header_values(server.connections[-1], "Origin") == []


@pytest.mark.parametrize("command", COMMANDS)
def test_auth_option_sends_basic_credentials(server: ScenarioServer, command: str) -> None:
    """--auth USER:PASS sends an Authorization: Basic header."""
    run_command(command, server.url("/echo"), "--auth", "alice:s3cret:x")
    assert header_values(server.last(), "Authorization") == [basic("alice", "s3cret:x")]


def test_url_userinfo_sends_basic_credentials(server: ScenarioServer) -> None:
    """ws://alice:pw@host/ sends Authorization: Basic for alice:pw (percent-decoded), and
    the userinfo is not shown in the connected line."""
    url = server.url("/echo").replace("ws://", "ws://al%40ice:p%3Aw@")
    result = run_command("send", url)
    assert header_values(server.last(), "Authorization") == [basic("al@ice", "p:w")]
    assert "p%3Aw" not in result.stderr


def test_auth_option_wins_over_url_userinfo(server: ScenarioServer) -> None:
    """--auth replaces the URL's userinfo: one Authorization header, from --auth."""
    url = server.url("/echo").replace("ws://", "ws://alice:pw@")
    run_command("send", url, "--auth", "bob:other")
    assert header_values(server.last(), "Authorization") == [basic("bob", "other")]


def test_authorization_header_wins_over_auth(server: ScenarioServer) -> None:
    """-H 'Authorization: Bearer t' is sent as given; --auth adds no second header."""
    run_command("send", server.url("/echo"), "-H", "Authorization: Bearer t", "--auth", "a:b")
    assert header_values(server.last(), "Authorization") == ["Bearer t"]


# --compression / --no-compression


@pytest.mark.parametrize("flags", [(), ("--compression",)], ids=["default", "flag"])
def test_compression_is_offered_and_negotiated(
    server: ScenarioServer, flags: tuple[str, ...]
) -> None:
    """Compression is on by default and with --compression: the server sees the
    permessage-deflate offer and the open event reports the negotiated extension."""
    result = run_command("send", server.url("/echo"), "--jsonl", *flags)
    assert "permessage-deflate" in str(open_event(result.out)["extensions"])
    offers = header_values(server.last(), "Sec-WebSocket-Extensions")
    assert len(offers) == 1 and offers[0].startswith("permessage-deflate")


@pytest.mark.parametrize("command", COMMANDS)
def test_no_compression_offers_no_extension(server: ScenarioServer, command: str) -> None:
    """--no-compression sends no Sec-WebSocket-Extensions header and the connected line
    names no extension."""
    result = run_command(command, server.url("/echo"), "--no-compression")
    assert replied(command, result)
    assert header_values(server.last(), "Sec-WebSocket-Extensions") == []
    assert "extensions" not in result.stderr


def test_no_compression_reports_empty_extensions_in_jsonl(server: ScenarioServer) -> None:
    """With --no-compression the --jsonl open event has extensions ""."""
    result = run_command("send", server.url("/echo"), "--no-compression", "--jsonl")
    assert open_event(result.out)["extensions"] == ""


# --max-size


def test_message_over_max_size_fails_the_connection_with_1009(server: ScenarioServer) -> None:
    """A 2000-byte message with --max-size 1k: wscli fails the connection with 1009, exits
    7 (also while waiting for --count 1) and says so in one line naming the limit."""
    result = run_wscli(
        "send", server.url("/big?size=2000"), "--max-size", "1k", "--count", "1", expect=7
    )
    assert result.stdout == b""
    assert "wscli: error:" in result.stderr
    reasons = [line for line in result.stderr.splitlines() if "--max-size" in line]
    assert len(reasons) == 1 and "1009" in reasons[0] and "1024" in reasons[0], result.stderr
    assert server.last().close_code == 1009


def test_message_within_max_size_is_printed(server: ScenarioServer) -> None:
    """A 2000-byte message with --max-size 4k is received and printed (as hex)."""
    result = run_wscli("send", server.url("/big?size=2000"), "--max-size", "4k", "--count", "1")
    assert result.lines == ["00" * 2000]


@pytest.mark.parametrize(
    ("limit", "size", "accepted"),
    [
        ("2048", 2048, True),
        ("2048", 2049, False),
        ("2k", 2048, True),
        ("2K", 2049, False),
        ("1M", 1024 * 1024, True),
        ("1M", 1024 * 1024 + 1, False),
        ("1G", 2_000_000, True),
        ("0", 2_000_000, True),
    ],
)
def test_max_size_suffixes_are_powers_of_1024(
    server: ScenarioServer, limit: str, size: int, accepted: bool
) -> None:
    """--max-size takes bytes or k/M/G (1024-based) suffixes; 0 means no limit. A message
    of exactly the limit is accepted, one byte more fails with 1009 (exit 7)."""
    result = run_wscli(
        "send",
        server.url(f"/big?size={size}"),
        "--max-size",
        limit,
        "--count",
        "1",
        "--jsonl",
        expect=0 if accepted else 7,
    )
    sizes = [
        event["size"]
        for event in map(json.loads, result.lines)
        if event["event"] == "message" and event["direction"] == "in"
    ]
    assert sizes == ([size] if accepted else [])


def test_default_max_size_accepts_a_2_mb_message(server: ScenarioServer) -> None:
    """Without --max-size a 2,000,000-byte message (over websockets' 1 MiB default) is
    received whole."""
    result = run_wscli("send", server.url("/big?size=2000000"), "--count", "1")
    assert result.stdout == b"00" * 2_000_000 + b"\n"


# --open-timeout


def test_open_timeout_ends_a_handshake_that_never_completes() -> None:
    """--open-timeout 0.5 against a TCP server that never answers exits 6 soon after
    half a second, naming the deadline."""
    with silent_server() as port:
        started = time.monotonic()
        result = run_wscli(
            "send", f"ws://127.0.0.1:{port}/", "hello", "--open-timeout", "0.5", expect=6
        )
        elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT / 4
    assert "0.5 s" in error_line(result)
    assert result.stdout == b""


# --ping-interval, --ping-timeout


def test_ping_interval_sends_keepalive_pings(server: ScenarioServer) -> None:
    """--ping-interval 0.2 with -P shows outgoing pings and the server's pongs while a
    reply takes a second to come."""
    result = run_wscli(
        "send",
        server.url("/delay?ms=1000"),
        "hello",
        "--count",
        "1",
        "--ping-interval",
        "0.2",
        "-P",
    )
    assert result.lines == ["hello"]
    lines = result.stderr.splitlines()
    pings = [line for line in lines if line.startswith("wscli: > ping ")]
    pongs = [line for line in lines if line.startswith("wscli: < pong ")]
    assert pings, result.stderr
    assert [p.split()[-1] for p in pongs] == [p.split()[-1] for p in pings][: len(pongs)]
    assert pongs


def test_ping_interval_0_sends_no_keepalive_pings(server: ScenarioServer) -> None:
    """--ping-interval 0 disables keepalive pings."""
    result = run_wscli(
        "send",
        server.url("/delay?ms=600"),
        "hello",
        "--count",
        "1",
        "--ping-interval",
        "0",
        "-P",
    )
    assert result.lines == ["hello"]
    assert "ping" not in result.stderr


def test_ping_timeout_fails_a_connection_without_pongs(server: ScenarioServer) -> None:
    """A server that never answers pings: with --ping-interval 0.2 --ping-timeout 0.2 wscli
    fails the connection (1011 keepalive ping timeout) and exits 7, long before --timeout."""
    result = run_wscli(
        "send",
        server.url("/no-pong"),
        "--ping-interval",
        "0.2",
        "--ping-timeout",
        "0.2",
        "--keep-open",
        "--timeout",
        "15",
        "-q",
        expect=7,
    )
    assert "--ping-timeout" in result.stderr and "1011" in result.stderr
    assert server.last().close_code == 1011


# --unix-socket


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[ScenarioServer]:
    """The scenario server on a Unix-domain socket in a temporary directory."""
    with ScenarioServer(unix_path=str(tmp_path / "ws.sock")) as running:
        yield running


@pytest.mark.parametrize("command", COMMANDS)
def test_unix_socket_reaches_the_server(unix_server: ScenarioServer, command: str) -> None:
    """--unix-socket PATH connects through the socket; the URL gives path and Host."""
    assert unix_server.unix_path is not None
    result = run_command(command, "ws://app.test/echo?x=1", "--unix-socket", unix_server.unix_path)
    assert replied(command, result)
    connection = unix_server.last()
    assert connection.path == "/echo"
    assert connection.messages == ["hello"]
    assert header_values(connection, "Host") == ["app.test"]


def test_missing_unix_socket_exits_3(tmp_path: Path) -> None:
    """--unix-socket naming no socket exits 3 and names the path."""
    missing = str(tmp_path / "missing.sock")
    result = run_command("send", "ws://localhost/", "--unix-socket", missing, expect=3)
    assert missing in error_line(result)
