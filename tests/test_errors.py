"""Bad input and connection faults: each gives one ``wscli: error:`` line on stderr, its
documented exit code, and no traceback (run_wscli fails on one unless --debug is given)."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.commands import COMMANDS, error_line, run_command
from tests.conftest import TIMEOUT, run_wscli, wscli_env
from tests.proxy import closed_port, silent_server
from tests.scenario import ScenarioServer
from tests.tls import make_tls

# Usage errors (exit 2): nothing is sent


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ws://", "no host"),
        ("ws://127.0.0.1:99999/", "port"),
        ("ws://127.0.0.1:{port}/echo#part", "#"),
        ("ws://[::1/", "malformed"),
        ("ftp://127.0.0.1/", "ws://"),
        ("", "empty"),
    ],
    ids=["no-host", "port-out-of-range", "fragment", "bad-ipv6", "ftp", "empty"],
)
def test_malformed_url_exits_2(server: ScenarioServer, command: str, url: str, said: str) -> None:
    """A malformed URL or a non-WebSocket scheme exits 2 before connecting."""
    result = run_command(command, url.format(port=server.port), expect=2)
    assert said in error_line(result)
    assert result.stdout == b""
    assert server.connections == []


@pytest.mark.parametrize(("scheme", "suggested"), [("http", "ws"), ("https", "wss")])
def test_http_url_suggests_the_websocket_scheme(
    server: ScenarioServer, scheme: str, suggested: str
) -> None:
    """http:// and https:// URLs exit 2 and suggest the same URL with ws:// or wss://."""
    result = run_command("send", f"{scheme}://127.0.0.1:{server.port}/echo", expect=2)
    assert f"{suggested}://127.0.0.1:{server.port}/echo" in error_line(result)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("X-No-Colon", "colon"),
        ("Bad Name: x", "'Bad Name'"),
        (": no name", "name"),
        ("Sec-WebSocket-Key: abc", "Sec-WebSocket-Key"),
        ("Sec-WebSocket-Protocol: chat", "--subprotocol"),
        ("X-Snow: \u2603", "ISO-8859-1"),
    ],
    ids=["no-colon", "space-in-name", "empty-name", "managed", "protocol", "not-latin-1"],
)
def test_bad_header_exits_2(server: ScenarioServer, command: str, header: str, said: str) -> None:
    """A -H without a colon, with a name that is not an HTTP token, for a header wscli sets
    itself, or with a value outside ISO-8859-1 exits 2 before connecting."""
    result = run_command(command, server.url("/echo"), "-H", header, expect=2)
    assert said in error_line(result)
    assert server.connections == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--proxy", "http://127.0.0.1:1", "--no-proxy"), "--no-proxy"),
        (("--max-size", "garbage"), "garbage"),
        (("--max-size", "-1k"), "size"),
        (("--auth", "alice"), "USER:PASS"),
        (("--open-timeout", "-1"), "--open-timeout"),
        (("--ping-interval", "soon"), "--ping-interval"),
    ],
    ids=["proxy-and-no-proxy", "max-size-garbage", "max-size-negative", "auth", "open", "ping"],
)
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_connection_option_exits_2(
    server: ScenarioServer, command: str, options: tuple[str, ...], said: str
) -> None:
    """Contradicting or malformed connection options exit 2 before connecting."""
    result = run_command(command, server.url("/echo"), *options, expect=2)
    assert said in error_line(result)
    assert server.connections == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--until", "(unclosed"), "regular expression"),
        (("--count", "0"), "--count"),
        (("--count", "many"), "--count"),
        (("--expect-close", "normal"), "normal"),
    ],
    ids=["until-regex", "count-0", "count-word", "expect-close"],
)
@pytest.mark.parametrize("command", ["send", "connect"])
def test_bad_wait_option_exits_2(
    server: ScenarioServer, command: str, options: tuple[str, ...], said: str
) -> None:
    """An invalid --until regex, --count 0 or a bad --expect-close exits 2 before
    connecting."""
    args = [command, server.url("/echo"), *options]
    result = run_wscli(*args, expect=2)
    assert said in error_line(result)
    assert server.connections == []


# Could not connect (exit 3)


@pytest.mark.parametrize("command", COMMANDS)
def test_connection_refused_exits_3(command: str) -> None:
    """Connecting to a port where nothing listens exits 3 and names the address."""
    port = closed_port()
    result = run_command(command, f"ws://127.0.0.1:{port}/", expect=3)
    line = error_line(result)
    assert "refused" in line and f"127.0.0.1:{port}" in line
    assert result.stdout == b""


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_host_exits_3(command: str) -> None:
    """A host name that does not resolve exits 3 and names the host."""
    result = run_command(command, "ws://nonexistent.invalid/", expect=3)
    assert "nonexistent.invalid" in error_line(result)


# Handshake rejected (exit 4)


@pytest.mark.parametrize("command", COMMANDS)
def test_403_handshake_exits_4_with_status_and_body(server: ScenarioServer, command: str) -> None:
    """A 403 answer to the handshake exits 4 and shows the status and the body."""
    result = run_command(command, server.url("/reject?status=403&body=go+away"), expect=4)
    line = error_line(result)
    assert "403" in line and "go away" in line
    assert result.stdout == b""


@pytest.mark.parametrize("command", COMMANDS)
def test_500_handshake_exits_4(server: ScenarioServer, command: str) -> None:
    """A 500 answer to the handshake exits 4 and shows the status and the body."""
    result = run_command(command, server.url("/reject?status=500&body=oops"), expect=4)
    line = error_line(result)
    assert "500" in line and "oops" in line


def test_handshake_body_is_escaped_and_on_one_line(server: ScenarioServer) -> None:
    """A rejection body with a newline and an escape character stays on one line with the
    escape character shown as text."""
    result = run_command(
        "send", server.url("/reject?status=403&body=line1%0Aline2%1B[31m"), expect=4
    )
    line = error_line(result)
    assert "line1" in line and "line2" in line
    assert "\x1b" not in result.stderr


# TLS failure (exit 5)


@pytest.fixture(scope="module")
def self_signed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScenarioServer]:
    """A TLS server whose certificate is self-signed."""
    tls = make_tls(tmp_path_factory.mktemp("self-signed"))
    with ScenarioServer(ssl_context=tls.self_signed_context()) as running:
        yield running


@pytest.mark.parametrize("command", COMMANDS)
def test_self_signed_certificate_without_ca_exits_5(
    self_signed_server: ScenarioServer, command: str
) -> None:
    """A self-signed certificate without --ca exits 5, says it is self-signed, and hints at
    --ca and --insecure."""
    result = run_command(command, self_signed_server.url("/echo"), expect=5)
    line = error_line(result)
    assert "self-signed" in line and "--ca" in line and "--insecure" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_plain_server_behind_wss_exits_5(server: ScenarioServer, command: str) -> None:
    """wss:// to a plain WebSocket server exits 5 with a hint to use ws://."""
    result = run_command(command, server.url("/echo").replace("ws://", "wss://"), expect=5)
    assert "use ws://" in error_line(result)


# Timeout (exit 6)


@pytest.mark.parametrize("command", COMMANDS)
def test_server_that_never_answers_the_handshake_exits_6(command: str) -> None:
    """A TCP server that accepts and never answers exits 6 with --open-timeout 0.5."""
    with silent_server() as port:
        result = run_command(command, f"ws://127.0.0.1:{port}/", "--open-timeout", "0.5", expect=6)
    line = error_line(result)
    assert "0.5 s" in line and "--open-timeout" in line


# Closed abnormally (exit 7)


@pytest.mark.parametrize("command", ["send", "connect"])
def test_server_dropping_tcp_mid_stream_exits_7(server: ScenarioServer, command: str) -> None:
    """A server that drops TCP after the first message (no close frame), while wscli
    waits for --count 1, exits 7."""
    result = run_command(command, server.url("/abort?after=1"), expect=7)
    assert "1006" in error_line(result)
    assert server.last().messages == ["hello"]


def test_server_dropping_tcp_before_the_close_exits_7(server: ScenarioServer) -> None:
    """close against a server that drops TCP right after the handshake exits 7: the
    closing handshake never completes."""
    result = run_command("close", server.url("/abort?after=0"), expect=7)
    assert "1006" in error_line(result)
    assert "wasClean: false" in result.lines


@pytest.mark.parametrize("command", ["send", "connect"])
def test_invalid_utf8_from_the_server_exits_7(server: ScenarioServer, command: str) -> None:
    """A text message that is not valid UTF-8 makes wscli fail the connection with 1007
    and exit 7; stderr says why."""
    result = run_wscli(command, server.url("/bad-utf8"), expect=7)
    assert "wscli: error:" in result.stderr
    reasons = [line for line in result.stderr.splitlines() if "not valid UTF-8" in line]
    assert len(reasons) == 1 and "1007" in reasons[0], result.stderr
    assert result.stdout == b""
    assert server.last().close_code == 1007


@pytest.mark.parametrize("command", ["send", "connect"])
def test_oversized_message_exits_7_with_1009(server: ScenarioServer, command: str) -> None:
    """A message over --max-size makes wscli fail the connection with 1009 and exit 7."""
    result = run_wscli(command, server.url("/big?size=5000"), "--max-size", "4k", expect=7)
    reasons = [line for line in result.stderr.splitlines() if "--max-size" in line]
    assert len(reasons) == 1 and "1009" in reasons[0] and "4096" in reasons[0], result.stderr
    assert server.last().close_code == 1009


def test_quiet_still_says_why_wscli_failed_the_connection(server: ScenarioServer) -> None:
    """-q hides status lines but not the reason wscli failed the connection (1007)."""
    result = run_wscli("send", server.url("/bad-utf8"), "-q", expect=7)
    assert "connected" not in result.stderr
    assert "not valid UTF-8" in result.stderr
    error_line(result)


# --debug


def test_debug_shows_the_traceback_of_an_error() -> None:
    """With --debug an error comes with its traceback, and still its one-line message and
    exit code."""
    result = run_command("send", f"ws://127.0.0.1:{closed_port()}/", "--debug", expect=3)
    assert "Traceback (most recent call last)" in result.stderr
    assert "ConnectionRefusedError" in result.stderr
    assert "refused" in error_line(result)


def test_no_traceback_without_debug(tmp_path: Path) -> None:
    """Without --debug the same error has no traceback: only the one error line."""
    missing = str(tmp_path / "none.sock")
    result = run_command("send", "ws://localhost/", "--unix-socket", missing, expect=3)
    assert "Traceback" not in result.stderr
    assert missing in error_line(result)


def test_closed_stdin_and_stdout_give_an_error_line_not_a_traceback() -> None:
    """wscli started with stdin or stdout closed (<&-, >&-) still reports a refused
    connection in one line and exits 3."""
    port = closed_port()
    for redirect in ("<&-", ">&-"):
        completed = subprocess.run(
            [
                "bash",
                "-c",
                f'"$0" -m wscli send ws://127.0.0.1:{port}/ hi {redirect}',
                sys.executable,
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=wscli_env(),
        )
        assert completed.returncode == 3, completed.stderr
        assert "Traceback" not in completed.stderr
        assert completed.stderr.count("wscli: error:") == 1


def test_no_arguments_prints_the_help_on_stderr() -> None:
    """`wscli` alone prints its usage and commands on stderr and exits 2."""
    result = run_wscli(expect=2)
    assert result.stdout == b""
    assert "Usage: wscli" in result.stderr and "connect" in result.stderr


def test_builtin_echo_server_is_never_reached_through_a_proxy() -> None:
    """`wscli connect` without a URL ignores proxy variables: its echo server is local."""
    proxy = f"http://127.0.0.1:{closed_port()}/"
    result = run_wscli("connect", input=b"hi\n", env=wscli_env(http_proxy=proxy, ws_proxy=proxy))
    assert result.lines == ["hi"]
