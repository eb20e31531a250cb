"""wscli against a Node ``ws`` server, and no loss for 100,000 piped lines on both servers.

The Node server is tests/node/server.js (see tests/node_server.py); the Python one is the
scenario server. The delayed no-loss variant uses ``/delay-each?ms=300`` on both: every reply
is sent 300 ms after its own message arrived (a constant latency), so 100,000 lines still
finish in seconds while replies keep arriving long after stdin has ended.
"""

from collections.abc import Iterator

import pytest

from tests.conftest import TIMEOUT, run_wscli, run_wscli_process
from tests.node_server import NodeServer
from tests.scenario import ScenarioServer

LINES = 100_000


@pytest.fixture
def node_server() -> Iterator[NodeServer]:
    """A fresh Node ``ws`` server on 127.0.0.1 (skipped locally without node, fails in CI)."""
    with NodeServer() as running:
        yield running


@pytest.fixture(params=["python", "node"])
def any_server(request: pytest.FixtureRequest) -> Iterator[ScenarioServer | NodeServer]:
    """The Python scenario server, then the Node server."""
    with ScenarioServer() if request.param == "python" else NodeServer() as running:
        yield running


def test_send_text_is_echoed_as_text(node_server: NodeServer) -> None:
    """Text messages reach the Node server as text, and its text echoes are printed."""
    result = run_wscli("send", node_server.url("/echo"), "hello", "wörld", "--count", "2")
    assert result.lines == ["hello", "wörld"]
    assert node_server.last().messages == ["hello", "wörld"]
    assert node_server.last().close_code == 1000


def test_binary_round_trip_with_hex(node_server: NodeServer) -> None:
    """--input-format hex sends binary frames; the binary echo is printed as hex."""
    result = run_wscli(
        "send",
        node_server.url("/echo"),
        "00ff10",
        "deadbeef",
        "--input-format",
        "hex",
        "--binary-as",
        "hex",
        "--count",
        "2",
    )
    assert result.lines == ["00ff10", "deadbeef"]
    assert node_server.last().messages == [b"\x00\xff\x10", b"\xde\xad\xbe\xef"]


def test_pipe_mode_echo(node_server: NodeServer) -> None:
    """connect in a pipe: each stdin line is one message, each echo one stdout line."""
    result = run_wscli("connect", node_server.url("/echo"), input="one\ntwo\r\n\nthree")
    assert result.lines == ["one", "two", "", "three"]
    assert node_server.last().messages == ["one", "two", "", "three"]
    assert node_server.last().close_code == 1000


def test_compression_is_negotiated_with_ws(node_server: NodeServer) -> None:
    """permessage-deflate works with ws: a large compressible message comes back intact."""
    document = '{"key": "value", "list": [1, 2, 3]} ' * 20_000
    result = run_wscli("connect", node_server.url("/echo"), "--count", "1", input=document)
    assert "permessage-deflate" in result.stderr
    assert result.out == document + "\n"
    assert node_server.last().messages == [document]


def test_no_compression_offers_no_extension(node_server: NodeServer) -> None:
    """--no-compression: no extension is negotiated and messages still flow."""
    result = run_wscli("send", node_server.url("/echo"), "plain", "--no-compression", "-n", "1")
    assert result.lines == ["plain"]
    assert "permessage-deflate" not in result.stderr


def test_default_idle_waits_for_a_slow_server(node_server: NodeServer) -> None:
    """The default idle rule waits for a server answering each message 300 ms after the last."""
    result = run_wscli("connect", node_server.url("/delay?ms=300"), input="a\nb\nc\n")
    assert result.lines == ["a", "b", "c"]
    assert node_server.last().close_code == 1000


def test_server_close_4001_exits_8(node_server: NodeServer) -> None:
    """The server closing with 4001 "bye" after one message: exit 8, code and reason on stderr."""
    result = run_wscli(
        "send", node_server.url("/close?code=4001&reason=bye&after=1"), "hi", expect=8
    )
    assert "4001" in result.stderr
    assert "bye" in result.stderr
    assert result.stdout == b""
    assert node_server.last().messages == ["hi"]


def test_server_close_1000_exits_0(node_server: NodeServer) -> None:
    """The server closing normally right after the handshake: exit 0."""
    run_wscli("connect", node_server.url("/close?code=1000&after=0"), input="")
    assert node_server.last().close_code == 1000


def test_close_command_reports_the_handshake(node_server: NodeServer) -> None:
    """wscli close --code 4000 --reason bye: the report shows what was sent and answered."""
    result = run_wscli("close", node_server.url("/echo"), "--code", "4000", "--reason", "bye")
    report = result.out
    assert "sent: 4000" in report
    assert "received: 4000" in report
    assert report.count('"bye"') == 2
    assert "wasClean: true" in report
    assert node_server.last().close_code == 4000
    assert node_server.last().close_reason == "bye"


def test_close_command_expect_code_holds(node_server: NodeServer) -> None:
    """ws answers a close with the same code, so --expect-code 4000 holds (exit 0)."""
    run_wscli("close", node_server.url("/echo"), "--code", "4000", "--expect-code", "4000")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", ["/echo", "/delay-each?ms=300"], ids=["instant", "delayed"])
def test_no_loss_for_100000_piped_lines(any_server: ScenarioServer | NodeServer, path: str) -> None:
    """100,000 piped lines all reach the server in order, every echo is printed in order,
    and wscli closes with 1000 only after the last reply (the Python server stops echoing
    once it answers a close, so an early close would lose replies)."""
    lines = [f"line-{index:06d}" for index in range(1, LINES + 1)]
    data = ("\n".join(lines) + "\n").encode()
    # A process of its own: the Python test server runs in this one, and would share the
    # interpreter (and its lock) with wscli.
    result = run_wscli_process("connect", any_server.url(path), input=data, timeout=3 * TIMEOUT)
    output = result.stdout.split(b"\n")
    assert output.pop() == b""
    assert len(output) == LINES
    assert output == data.split(b"\n")[:-1]
    connection = any_server.last()
    assert len(connection.messages) == LINES
    assert connection.messages == lines
    assert connection.close_code == 1000
