"""Reconnection in the interactive session: ``/reconnect`` and ``--reconnect``, end to end
in a pseudo-terminal (the helpers of tests/test_repl.py), and the pure backoff delays."""

from pathlib import Path

import pytest

from tests import test_repl
from tests.scenario import ScenarioServer
from tests.test_repl import WAIT, Terminal, quit_cleanly, start
from wscli.errors import HandshakeRejected, TLSFailed, is_permanent
from wscli.protocol.backoff import backoff_delays, backoff_limit

home = test_repl.home  # fixtures: a temporary HOME, and the terminals started in a test
terminals = test_repl.terminals


def test_reconnect_command_opens_a_second_connection(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """``/reconnect`` closes the connection with 1000, opens a new one with the same
    options and sends the -x messages again; the session goes on over the new one."""
    terminal = start(terminals, home, server.url("/echo"), "-x", "hello")
    terminal.expect(r"connected to ws://")
    terminal.expect(r"^< hello$")
    terminal.type_line("/reconnect")
    terminal.expect(r"reconnecting\.\.\.")
    terminal.expect(r"closed by wscli: 1000 \(Normal Closure\), wasClean=true")
    terminal.expect(r"connected to ws://")
    terminal.expect(r"^< hello$")
    terminal.expect(r" OPEN \s*\|")
    terminal.type_line("again")
    terminal.expect(r"^< again$")
    quit_cleanly(terminal)
    first, second = server.wait_connections(2)
    assert (first.messages, first.close_code) == (["hello"], 1000)
    assert (second.messages, second.close_code) == (["hello", "again"], 1000)


def test_reconnect_flag_follows_a_server_restart(home: Path, terminals: list[Terminal]) -> None:
    """With --reconnect, when the server goes away the REPL stays, shows the backoff wait
    in the output and the toolbar, and connects again once a server listens on the same
    port; the -x message is sent again and a typed message reaches the new server."""
    with ScenarioServer() as first:
        port = first.port
        terminal = start(terminals, home, first.url("/echo"), "--reconnect", "-x", "hi")
        terminal.expect(r"connected to ws://")
        terminal.expect(r"^< hi$")
    # The first server is gone (its connections dropped without a close frame).
    terminal.expect(r"closed without a closing handshake: 1006 ")
    terminal.expect(r"reconnecting in \d+\.\d s \(attempt 1\)")
    terminal.expect(r"reconnecting: (in \d+\.\d s \(attempt \d+\)|attempt \d+)")  # toolbar
    with ScenarioServer(port=port) as second:
        terminal.expect(r"connected to ws://", timeout=WAIT * 2)
        terminal.expect(r"^< hi$")
        terminal.expect(r" OPEN \s*\|")
        terminal.type_line("after restart")
        terminal.expect(r"^< after restart$")
        quit_cleanly(terminal)
        assert second.last().messages == ["hi", "after restart"]
    assert first.connections[0].messages == ["hi"]


def test_reconnect_flag_does_not_retry_a_4xx(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """A 403 answer to the handshake is not retried, --reconnect or not: wscli exits 4 and
    the server saw exactly one handshake request."""
    terminal = start(terminals, home, server.url("/reject?status=403"), "--reconnect")
    terminal.expect(r"wscli: error: [^\n]*HTTP 403")
    assert terminal.exit_status() == 4
    assert server.requests == ["/reject?status=403"]
    assert "reconnecting" not in terminal.text


def test_ctrl_d_during_the_backoff_wait_exits_0(home: Path, terminals: list[Terminal]) -> None:
    """Ctrl-D while waiting to reconnect ends wscli with 0: the user chose to stop."""
    with ScenarioServer() as first:
        terminal = start(terminals, home, first.url("/echo"), "--reconnect")
        terminal.ready()
    terminal.expect(r"reconnecting in \d+\.\d s \(attempt \d+\)")
    terminal.send("\x04")
    assert terminal.exit_status() == 0


def test_backoff_delays_full_jitter() -> None:
    """Attempt n waits random() * min(30, 0.5 * 2 ** (n - 1)) seconds."""
    delays = backoff_delays(random=lambda: 0.5)
    assert [next(delays) for _ in range(9)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    top = backoff_delays(random=lambda: 1.0)
    assert [next(top) for _ in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    values = iter([0.0, 0.1, 0.9])
    jittered = backoff_delays(base=1.0, factor=3.0, cap=5.0, random=lambda: next(values))
    assert [next(jittered) for _ in range(3)] == pytest.approx([0.0, 0.3, 4.5])
    assert backoff_limit(10_000) == 30.0  # no overflow far past the cap
    with pytest.raises(ValueError):
        backoff_limit(0)


def test_permanent_failures() -> None:
    """TLS failures and 4xx handshake answers are never retried; 5xx and others are."""
    assert is_permanent(TLSFailed("bad cert"))
    assert is_permanent(HandshakeRejected("HTTP 403", http_status=403))
    assert not is_permanent(HandshakeRejected("HTTP 503", http_status=503))
    assert not is_permanent(HandshakeRejected("closed before answering"))
