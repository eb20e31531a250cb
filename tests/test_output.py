"""What wscli writes where: data on stdout, status on stderr, JSON Lines, colour, escaping."""

import base64
import json
import re
from typing import Any

import pytest

from tests.conftest import run_wscli, wscli_env
from tests.scenario import ScenarioServer

ESC = "\x1b"


def _records(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line parsed as JSON (fails on a line that is not an object)."""
    records = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(record, dict) for record in records)
    return records


# JSON Lines


def test_jsonl_writes_every_event_as_one_json_object(server: ScenarioServer) -> None:
    """--jsonl writes open, message out, message in and close, each one JSON object a line."""
    result = run_wscli("send", server.url("/echo"), "hello", "--count", "1", "--jsonl")
    records = _records(result.out)
    assert [(r["event"], r.get("direction")) for r in records] == [
        ("open", None),
        ("message", "out"),
        ("message", "in"),
        ("close", None),
    ]
    opened, sent, received, closed = records
    assert opened["url"] == server.url("/echo")
    assert opened["protocol"] == ""
    assert opened["extensions"].startswith("permessage-deflate")
    assert ["Upgrade", "websocket"] in opened["request_headers"]
    assert any(name.lower() == "sec-websocket-accept" for name, _ in opened["response_headers"])
    assert sent["type"] == received["type"] == "text"
    assert sent["text"] == received["text"] == "hello"
    assert closed["code"] == 1000
    assert closed["reason"] == ""
    assert closed["was_clean"] is True
    assert closed["initiated_by"] == "client"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", r["time"]) for r in records)


def test_jsonl_open_reports_the_chosen_subprotocol(server: ScenarioServer) -> None:
    """--jsonl's open event carries the subprotocol the server picked."""
    result = run_wscli(
        "send", server.url("/proto"), "x", "-s", "chat.v1", "--count", "1", "--jsonl"
    )
    assert _records(result.out)[0]["protocol"] == "chat.v1"
    assert server.last().subprotocol == "chat.v1"


def test_jsonl_binary_round_trip_is_lossless(server: ScenarioServer) -> None:
    """--jsonl carries binary as base64: 00ff10 sent as hex comes back as those three bytes."""
    result = run_wscli(
        "send",
        server.url("/echo"),
        "--input-format",
        "hex",
        "00ff10",
        "--count",
        "1",
        "--jsonl",
    )
    messages = [r for r in _records(result.out) if r["event"] == "message"]
    assert [m["direction"] for m in messages] == ["out", "in"]
    for message in messages:
        assert message["type"] == "binary"
        assert "text" not in message
        assert base64.b64decode(message["base64"]) == b"\x00\xff\x10"
    assert server.last().messages == [b"\x00\xff\x10"]


def test_jsonl_text_with_control_characters_is_lossless(server: ScenarioServer) -> None:
    """--jsonl keeps control characters and non-ASCII text exactly, JSON-escaped on one line."""
    text = "a\tb\x1b[31m\x00 é ✓"
    result = run_wscli(
        "connect", server.url("/echo"), "--count", "1", "--jsonl", input=text.encode() + b"\n"
    )
    assert ESC not in result.out
    received = [r for r in _records(result.out) if r.get("direction") == "in"]
    assert [r["text"] for r in received] == [text]


def test_jsonl_reports_ping_and_pong(server: ScenarioServer) -> None:
    """--jsonl writes the server's ping and wscli's pong with their payload."""
    result = run_wscli("send", server.url("/ping?data=srv"), "x", "--count", "1", "--jsonl")
    controls = [
        (r["event"], r["direction"], base64.b64decode(r["base64"]))
        for r in _records(result.out)
        if r["event"] in ("ping", "pong")
    ]
    assert controls == [("ping", "in", b"srv"), ("pong", "out", b"srv")]


def test_jsonl_close_from_the_server(server: ScenarioServer) -> None:
    """--jsonl's close event carries the server's code and reason and who closed."""
    result = run_wscli("send", server.url("/close?code=4001&reason=bye"), "x", "--jsonl", expect=8)
    closed = _records(result.out)[-1]
    assert closed["event"] == "close"
    assert (closed["code"], closed["reason"]) == (4001, "bye")
    assert closed["was_clean"] is True
    assert closed["initiated_by"] == "server"


def test_jsonl_close_after_tcp_drop(server: ScenarioServer) -> None:
    """--jsonl reports a TCP drop as close 1006 with was_clean false."""
    result = run_wscli("send", server.url("/abort"), "x", "--jsonl", expect=7)
    closed = _records(result.out)[-1]
    assert closed["event"] == "close"
    assert closed["code"] == 1006
    assert closed["was_clean"] is False


def test_jsonl_failed_connection_writes_error_then_close(server: ScenarioServer) -> None:
    """--jsonl writes an error event and a 1006 close event when the handshake is refused."""
    result = run_wscli("send", server.url("/reject?status=403"), "x", "--jsonl", expect=4)
    records = _records(result.out)
    assert [r["event"] for r in records] == ["error", "close"]
    assert "403" in records[0]["message"]
    assert records[1]["code"] == 1006
    assert records[1]["was_clean"] is False


def test_jsonl_protocol_violation_writes_an_error_event(server: ScenarioServer) -> None:
    """--jsonl writes an error event when the server sends invalid UTF-8, then close 1006."""
    result = run_wscli("send", server.url("/bad-utf8"), "x", "--jsonl", expect=7)
    records = _records(result.out)
    events = [r["event"] for r in records]
    assert events[0] == "open"
    assert events[-2:] == ["error", "close"]
    assert "UTF-8" in records[-2]["message"]
    assert records[-1]["code"] == 1006
    assert records[-1]["sent_code"] == 1007


# Timestamps, pings, quiet, verbose


def test_timestamps_prefix_iso_8601_utc(server: ScenarioServer) -> None:
    """-t prefixes each received message with an ISO 8601 UTC time ending in Z."""
    result = run_wscli("send", server.url("/echo"), "a", "b", "--count", "2", "-t")
    assert len(result.lines) == 2
    for line, text in zip(result.lines, ["a", "b"], strict=True):
        stamp, _, rest = line.partition(" ")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", stamp), line
        assert rest == text


def test_show_ping_pong_shows_server_ping_and_our_pong(server: ScenarioServer) -> None:
    """-P shows the server's ping and wscli's automatic pong on stderr, never on stdout."""
    result = run_wscli("send", server.url("/ping?data=srv"), "x", "--count", "1", "-P")
    assert "< ping 'srv'" in result.stderr
    assert "> pong 'srv'" in result.stderr
    assert result.lines == ["x"]


def test_show_ping_pong_shows_an_unsolicited_pong(server: ScenarioServer) -> None:
    """-P shows a pong the server sent without a ping."""
    result = run_wscli("send", server.url("/pong?data=unsolicited"), "x", "--count", "1", "-P")
    assert "< pong 'unsolicited'" in result.stderr


def test_show_ping_pong_shows_our_keepalive_pings(server: ScenarioServer) -> None:
    """-P shows wscli's own keepalive pings and the server's pongs."""
    result = run_wscli(
        "send",
        server.url("/delay?ms=600"),
        "x",
        "--count",
        "1",
        "--ping-interval",
        "0.1",
        "-P",
    )
    assert "> ping " in result.stderr
    assert "< pong " in result.stderr
    assert result.lines == ["x"]


def test_pings_are_hidden_without_show_ping_pong(server: ScenarioServer) -> None:
    """Without -P, pings and pongs are not shown."""
    result = run_wscli("send", server.url("/ping?data=srv"), "x", "--count", "1")
    assert "ping" not in result.stderr.replace("/ping", "")


def test_quiet_suppresses_status_lines(server: ScenarioServer) -> None:
    """-q writes no status lines: stderr stays empty on success, the data still comes."""
    result = run_wscli("send", server.url("/echo"), "x", "--count", "1", "-q")
    assert result.stderr == ""
    assert result.lines == ["x"]


def test_quiet_still_shows_errors(server: ScenarioServer) -> None:
    """-q keeps the one error line of a failed run."""
    result = run_wscli("send", server.url("/close?code=4001&reason=bye"), "x", "-q", expect=8)
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wscli: error:")
    assert "4001" in lines[0]


def test_verbose_shows_headers_and_masks_authorization(server: ScenarioServer) -> None:
    """-v shows the handshake headers on stderr with the Authorization value masked."""
    result = run_wscli(
        "send", server.url("/echo"), "x", "--count", "1", "-v", "--auth", "alice:s3cret"
    )
    assert "request headers:" in result.stderr
    assert "response headers:" in result.stderr
    assert "Authorization: Basic ***" in result.stderr
    assert "s3cret" not in result.stderr
    token = base64.b64encode(b"alice:s3cret").decode()
    assert token not in result.stderr
    assert ("Authorization", f"Basic {token}") in server.last().headers
    assert "Sec-WebSocket-Accept" in result.stderr


def test_verbose_masks_a_cookie_header(server: ScenarioServer) -> None:
    """-v masks the value of a Cookie header given with -H."""
    result = run_wscli(
        "send", server.url("/echo"), "x", "--count", "1", "-v", "-H", "Cookie: sid=topsecret"
    )
    assert "Cookie: ***" in result.stderr
    assert "topsecret" not in result.stderr
    assert ("Cookie", "sid=topsecret") in server.last().headers


def test_credentials_in_the_url_are_sent_and_masked(server: ScenarioServer) -> None:
    """User:pass in the URL become Basic auth, and -v masks them."""
    url = server.url("/echo").replace("ws://", "ws://bob:hunter2@")
    result = run_wscli("send", url, "x", "--count", "1", "-v")
    token = base64.b64encode(b"bob:hunter2").decode()
    assert ("Authorization", f"Basic {token}") in server.last().headers
    assert "hunter2" not in result.stderr
    assert token not in result.stderr


# stdout is data, stderr is status


def test_stdout_carries_only_data_when_piped(server: ScenarioServer) -> None:
    """Into a pipe, stdout has only the replies; connected/closed lines go to stderr."""
    result = run_wscli("send", server.url("/echo"), "a", "--count", "1")
    assert result.stdout == b"a\n"
    assert "wscli:" not in result.out
    assert ESC not in result.out
    assert f"connected to {server.url('/echo')}" in result.stderr
    assert "closed by wscli: 1000 (Normal Closure)" in result.stderr
    assert ESC not in result.stderr


def test_server_close_status_line_names_code_and_reason(server: ScenarioServer) -> None:
    """The closed status line on stderr gives the server's code, its name and reason."""
    result = run_wscli("send", server.url("/close?code=1001&reason=later"), "x")
    assert 'closed by the server: 1001 (Going Away) "later"' in result.stderr
    assert "wasClean=true" in result.stderr


COLOR_CASES = [
    # (--color, environment, colour on stderr?)
    ("always", {}, True),
    ("auto", {}, False),  # stderr is a pipe
    ("auto", {"FORCE_COLOR": "1"}, True),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ("always", {"NO_COLOR": "1"}, True),
    ("never", {"FORCE_COLOR": "1"}, False),
    ("always", {"TERM": "dumb"}, True),
]


@pytest.mark.parametrize(("color", "environment", "coloured"), COLOR_CASES)
def test_color_choice_and_environment(
    server: ScenarioServer, color: str, environment: dict[str, str], coloured: bool
) -> None:
    """--color always/never win over NO_COLOR/FORCE_COLOR, which decide for auto; colour
    goes to stderr only, never to stdout."""
    result = run_wscli(
        "send",
        server.url("/echo"),
        "a",
        "--count",
        "1",
        "--color",
        color,
        env=wscli_env(**environment),
    )
    assert (ESC in result.stderr) == coloured
    assert "connected to" in result.stderr
    assert result.stdout == b"a\n"


# Peer data on stderr is escaped


def test_close_reason_with_control_characters_is_escaped_on_stderr(
    server: ScenarioServer,
) -> None:
    """A close reason with an ESC sequence is shown escaped on stderr, never raw."""
    result = run_wscli("send", server.url("/close?code=4001&reason=%1b[31mred"), "x", expect=8)
    assert ESC not in result.stderr
    assert "\\x1b[31mred" in result.stderr


def test_close_reason_escaped_in_close_report(server: ScenarioServer) -> None:
    """close's stdout report shows a reason with control characters escaped, never raw."""
    result = run_wscli("close", server.url("/echo"), "--code", "4000", "--reason", "\x1b[2J")
    connection = server.last()
    assert connection.close_reason == "\x1b[2J"
    assert ESC not in result.out
    assert ESC not in result.stderr
    received = [line for line in result.lines if line.startswith("received:")]
    assert len(received) == 1
    assert "[2J" in received[0]


def test_received_text_is_raw_in_a_pipe_but_status_escaped(server: ScenarioServer) -> None:
    """Peer text goes to stdout unchanged in a pipe, while stderr never gets a raw ESC."""
    result = run_wscli(
        "connect", server.url("/echo"), "--count", "1", "-v", input=b"\x1b]0;title\x07\n"
    )
    assert result.stdout == b"\x1b]0;title\x07\n"
    assert ESC not in result.stderr


def test_count_and_until_stop_inside_one_read(server: ScenarioServer) -> None:
    """200 messages in one TCP write, so in one read (whose messages a pipe gets at once):
    --count prints exactly that many, --until stops at its match, a binary one among them
    shows as hex, and the messages are the same with --timestamps (one by one)."""
    burst = server.url("/one-write?n=200&binary=3")
    counted = run_wscli("connect", burst, "--count", "6", input=b"")
    assert counted.lines == ["m0", "m1", "m2", "6d33", "m4", "m5"]
    until = run_wscli("connect", server.url("/one-write?n=200"), "--until", "m7$", input=b"")
    assert until.lines == [f"m{index}" for index in range(8)]
    stamped = run_wscli("connect", burst, "--count", "6", "--timestamps", input=b"")
    assert [line.split(" ", 1)[1] for line in stamped.lines] == counted.lines


def test_jsonl_keeps_messages_that_arrive_after_count(server: ScenarioServer) -> None:
    """Plain output prints exactly --count messages, but --jsonl, being lossless, also
    records the ones that arrived before the close."""
    plain = run_wscli("send", server.url("/burst?n=50"), "x", "--count", "2")
    assert plain.lines == ["m0", "m1"]
    result = run_wscli("send", server.url("/burst?n=50"), "x", "--count", "2", "--jsonl")
    received = [
        record["text"]
        for record in map(json.loads, result.lines)
        if record["event"] == "message" and record["direction"] == "in"
    ]
    burst = [text for text in received if text != "x"]  # "x" is the echo of what we sent
    assert len(burst) > 2  # the burst arrives before wscli's close frame is answered
    assert burst == [f"m{i}" for i in range(len(burst))]
