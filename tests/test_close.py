"""``wscli close``: the closing handshake, reported on stdout, and the close-code rules."""

import json
import signal

import pytest

from tests.conftest import TIMEOUT, run_wscli
from tests.processes import running_wscli
from tests.scenario import ScenarioServer


def _report(stdout: str) -> dict[str, str]:
    """The ``key: value`` report lines as a dict."""
    return dict(line.split(": ", 1) for line in stdout.splitlines())


def test_close_reports_the_handshake_on_stdout(server: ScenarioServer) -> None:
    """close sends 1000 and reports sent, received, wasClean and duration on stdout."""
    result = run_wscli("close", server.url("/echo"))
    report = _report(result.out)
    assert report["sent"] == "1000 (Normal Closure)"
    assert report["received"] == "1000 (Normal Closure)"
    assert report["wasClean"] == "true"
    assert report["initiatedBy"] == "client"
    assert report["duration"].endswith(" ms")
    float(report["duration"].removesuffix(" ms"))
    assert server.last().close_code == 1000


def test_close_code_and_reason_reach_the_server(server: ScenarioServer) -> None:
    """close --code 4000 --reason bye sends exactly that close frame."""
    result = run_wscli("close", server.url("/echo"), "--code", "4000", "--reason", "bye")
    connection = server.last()
    assert connection.close_code == 4000
    assert connection.close_reason == "bye"
    report = _report(result.out)
    assert report["sent"] == '4000 (Private Use) "bye"'
    assert report["received"] == '4000 (Private Use) "bye"'


def test_close_code_none_sends_an_empty_close_frame(server: ScenarioServer) -> None:
    """close --code none sends an empty close frame: the server sees 1005."""
    result = run_wscli("close", server.url("/echo"), "--code", "none")
    assert server.last().close_code == 1005
    report = _report(result.out)
    assert report["sent"] == "an empty close frame"
    assert report["wasClean"] == "true"


def test_expect_code_matching_exits_0(server: ScenarioServer) -> None:
    """close --expect-code exits 0 when the server answers with that code."""
    run_wscli("close", server.url("/echo"), "--code", "4000", "--expect-code", "4000")
    assert server.last().close_code == 4000


def test_expect_code_mismatch_exits_9(server: ScenarioServer) -> None:
    """close --expect-code 4001 exits 9 when the server answers 4000, naming both codes."""
    result = run_wscli(
        "close", server.url("/echo"), "--code", "4000", "--expect-code", "4001", expect=9
    )
    assert "4001" in result.stderr
    assert "4000" in result.stderr
    assert _report(result.out)["received"] == "4000 (Private Use)"


def test_server_that_never_answers_the_close_exits_7(server: ScenarioServer) -> None:
    """close exits 7 when the server never answers the close frame within --timeout."""
    result = run_wscli("close", server.url("/silent-close"), "--timeout", "0.5", expect=7)
    report = _report(result.out)
    assert report["wasClean"] == "false"
    assert "1006" in report["received"]
    assert "1006" in result.stderr


def test_send_messages_reach_the_server_before_the_close(server: ScenarioServer) -> None:
    """close --send sends each message, in order, before its close frame."""
    run_wscli("close", server.url("/sink"), "--send", "one", "--send", "two")
    connection = server.last()
    assert connection.messages == ["one", "two"]
    assert connection.close_code == 1000


def test_replies_to_sent_messages_stay_off_stdout(server: ScenarioServer) -> None:
    """close writes only its report on stdout, not the replies to --send messages."""
    result = run_wscli("close", server.url("/echo"), "--send", "hello")
    assert "hello" not in result.out
    assert set(_report(result.out)) == {"sent", "received", "wasClean", "initiatedBy", "duration"}


def test_send_messages_follow_the_input_format(server: ScenarioServer) -> None:
    """close --input-format hex --send 00ff sends a binary message."""
    run_wscli("close", server.url("/sink"), "--input-format", "hex", "--send", "00ff")
    assert server.last().messages == [b"\x00\xff"]


def test_close_with_jsonl_writes_a_close_report_object(server: ScenarioServer) -> None:
    """close --jsonl ends with a close_report object holding the codes and wasClean."""
    result = run_wscli("close", server.url("/echo"), "--code", "4000", "--reason", "r", "--jsonl")
    records = [json.loads(line) for line in result.lines]
    assert [record["event"] for record in records] == ["open", "close", "close_report"]
    report = records[-1]
    assert report["sent_code"] == 4000
    assert report["sent_reason"] == "r"
    assert report["code"] == 4000
    assert report["was_clean"] is True
    assert report["initiated_by"] == "client"


def test_status_lines_stay_on_stderr(server: ScenarioServer) -> None:
    """close writes only the report on stdout; connected/closed lines go to stderr."""
    result = run_wscli("close", server.url("/echo"))
    assert "wscli:" not in result.out
    assert "connected to" in result.stderr
    assert "closed by wscli" in result.stderr


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("1005", "may not be sent"),
        ("1006", "may not be sent"),
        ("1004", "may not be sent"),
        ("1015", "may not be sent"),
        ("5000", "not a valid close code"),
        ("999", "not a valid close code"),
        ("2999", "not a valid close code"),
        ("abc", "not a number"),
    ],
)
def test_refused_close_codes_exit_2_before_connecting(
    server: ScenarioServer, code: str, rule: str
) -> None:
    """close refuses codes RFC 6455 forbids on the wire: exit 2, one line naming the rule."""
    result = run_wscli("close", server.url("/echo"), "--code", code, expect=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wscli: error:")
    assert code in lines[0]
    assert rule in lines[0]
    assert server.connections == []


@pytest.mark.parametrize("code", ["1000", "1003", "1007", "1014", "3000", "4999"])
def test_sendable_close_codes_are_accepted(server: ScenarioServer, code: str) -> None:
    """close sends the codes RFC 6455 allows: 1000-1003, 1007-1014, 3000-4999."""
    run_wscli("close", server.url("/echo"), "--code", code)
    assert server.last().close_code == int(code)


def test_reason_of_124_bytes_is_refused(server: ScenarioServer) -> None:
    """A 124-byte close reason exits 2 with one line that names the 123-byte limit."""
    reason = "é" * 62  # 124 bytes of UTF-8
    result = run_wscli("close", server.url("/echo"), "--reason", reason, expect=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wscli: error:")
    assert "124" in lines[0]
    assert "123" in lines[0]
    assert server.connections == []


def test_reason_of_123_bytes_is_sent(server: ScenarioServer) -> None:
    """A close reason of exactly 123 UTF-8 bytes (61 x 'é' + 'a') is sent whole."""
    reason = "é" * 61 + "a"
    assert len(reason.encode()) == 123
    run_wscli("close", server.url("/echo"), "--code", "4000", "--reason", reason)
    assert server.last().close_reason == reason


def test_reason_with_code_none_is_refused(server: ScenarioServer) -> None:
    """close --code none --reason x exits 2: an empty close frame cannot carry a reason."""
    result = run_wscli("close", server.url("/echo"), "--code", "none", "--reason", "x", expect=2)
    assert "wscli: error:" in result.stderr
    assert server.connections == []


def test_expect_code_with_a_bad_value_is_a_usage_error(server: ScenarioServer) -> None:
    """close --expect-code that is not a number exits 2."""
    run_wscli("close", server.url("/echo"), "--expect-code", "soon", expect=2)
    assert server.connections == []


def test_sigint_while_waiting_for_the_close_frame_exits_130(server: ScenarioServer) -> None:
    """Ctrl-C while close waits for a server that never answers: exit 130 at once."""
    args = ("close", server.url("/silent-close"), "--timeout", "30")
    with running_wscli(*args) as (process, stderr):
        stderr.wait_for("connected to")
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT) == 130


def test_sigint_while_opening_exits_130_without_a_report(server: ScenarioServer) -> None:
    """Ctrl-C during a slow handshake: close gives up, prints no report and exits 130."""
    with running_wscli("close", server.url("/slow-open?ms=3000")) as (process, _):
        assert process.stdout is not None
        server.wait_requests(1)
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT) == 130
        assert process.stdout.read() == b""
