"""The REPL's toolbar against real servers: CLOSED with the server's code and reason, and
bufferedAmount growing while the server does not read (pseudo-terminal, as test_repl)."""

from pathlib import Path

from tests import test_repl
from tests.scenario import ScenarioServer
from tests.test_repl import Terminal, start

home = test_repl.home  # fixtures: a temporary HOME, and the terminals started in a test
terminals = test_repl.terminals

CTRL_D = "\x04"


def test_toolbar_shows_closed_with_the_servers_code_and_reason(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """With --reconnect the session outlives the close, and meanwhile the toolbar reads
    CLOSED with the code, its name and the reason the server sent, wasClean and who
    closed; Ctrl-D then ends the session with 0.

    The server closes every connection at once, so the jittered waits grow (a connection
    shorter than 5 s does not restart the backoff) until one is long enough to show."""
    url = server.url("/close?code=4001&reason=bye&after=0")
    terminal = start(terminals, home, url, "--reconnect")
    terminal.expect(
        r' CLOSED \s*\|.*\| 4001 \(Private Use\) "bye" \| wasClean true \| closed by the server'
    )
    terminal.send(CTRL_D)
    assert terminal.exit_status() == 0
    assert server.connections[0].close_code == 4001


def test_buffered_amount_grows_while_the_server_does_not_read(
    server: ScenarioServer, home: Path, terminals: list[Terminal], tmp_path: Path
) -> None:
    """Sending a 64 MiB file to a server that stopped reading: what the kernel cannot take
    stays queued, and the toolbar's bufferedAmount shows it (in MiB)."""
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (64 * 4096))  # 64 MiB
    terminal = start(
        terminals, home, server.url("/silent-close"), "--no-compression", "--max-size", "0"
    )
    terminal.expect(r" OPEN \s*\|")
    terminal.type_line(f"/file {big}")
    terminal.expect(r"bufferedAmount\s+[1-9][0-9.]* MiB")


def test_quitting_while_connecting_exits_130(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """Ctrl-D while the handshake is still pending abandons the attempt: nothing was
    exchanged and nothing failed on the wire, so wscli exits 130 (interrupted)."""
    terminal = start(terminals, home, server.url("/slow-open?ms=3000"))
    terminal.expect(r" CONNECTING \s*\|")
    terminal.send(CTRL_D)
    assert terminal.exit_status() == 130


def test_ctrl_c_while_messages_stream_in_only_clears_the_line(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """Ctrl-C pressed while a burst of messages prints above the prompt clears the line and
    nothing more: the session stays OPEN, and Ctrl-D then closes with 1000 and exits 0.
    (Printing above the prompt must not hand the keyboard to the terminal driver, where
    Ctrl-C would be a SIGINT: close with 1001, exit 130.)"""
    terminal = start(terminals, home, server.url("/burst?n=30000"))
    terminal.expect(r"(connecting|open)>")  # the prompt runs (drawn before any message)
    terminal.expect(r"^< m\d+$")  # and the burst prints above it
    for _ in range(40):
        terminal.send("x\x03")  # type something, then Ctrl-C, while output streams
    terminal.expect(r"^< m29999$")
    terminal.expect(r"open>")
    terminal.send(CTRL_D)
    assert terminal.exit_status() == 0
    assert server.connections[0].close_code == 1000


def test_history_that_cannot_be_kept_is_a_warning_not_a_failure(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """When the history's folder cannot be created (here a file stands in its way), the
    session says so and goes on without history; Ctrl-D still exits 0."""
    (home / "state").write_text("not a folder")
    terminal = start(terminals, home, server.url("/echo"))
    terminal.expect(r"history not kept: cannot create")
    terminal.expect(r"open>")
    terminal.send(CTRL_D)
    assert terminal.exit_status() == 0
