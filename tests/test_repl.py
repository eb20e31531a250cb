"""End-to-end tests of the interactive session: the real ``python -m wscli connect`` in a
pseudo-terminal (pexpect), against the scenario server.

The terminal here answers prompt-toolkit's cursor-position requests as a real terminal does
(without an answer prompt-toolkit never learns the screen height and hides the toolbar).
What the program writes is read as plain text: escape sequences are removed, so a line
printed above the prompt reads as printed, and each redraw of the prompt and the toolbar
reads as its text. prompt-toolkit may move the cursor instead of writing a space, so the
patterns allow for missing spaces where the screen shows one.
"""

import re
import signal
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.conftest import TIMEOUT, wscli_env
from tests.proxy import closed_port
from tests.scenario import ScenarioServer

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLUMNS = 30, 120
#: How long to wait for one thing to appear on the screen, or for wscli to exit.
WAIT = 0.4 * TIMEOUT

_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase, modes
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: title
    r"|[()][0-9A-Za-z]"  # character sets
    r"|[@-Z\\-_])"  # the other two-byte sequences
)
#: Erase below the cursor: prompt-toolkit erases its prompt this way before it prints above
#: it, and before it draws the prompt again.
_ERASE_BELOW = re.compile(r"\x1b\[0?J")
_CURSOR_POSITION_REQUEST = b"\x1b[6n"

CTRL_C, CTRL_D, UP, ENTER = "\x03", "\x04", "\x1b[A", "\r"


def plain(raw: bytes) -> str:
    """What the terminal was sent, without escape sequences or carriage returns; where the
    screen below the cursor was erased, a new line starts (so a line printed above the
    prompt starts a line, as on the screen)."""
    text = _ERASE_BELOW.sub("\n", raw.decode("utf-8", errors="replace"))
    return _ESCAPE.sub("", text).replace("\r", "")


class Terminal:
    """``wscli connect ARGS`` running in a pseudo-terminal of ROWS x COLUMNS."""

    def __init__(self, home: Path, *args: str) -> None:
        env = wscli_env(TERM="xterm-256color", HOME=str(home), XDG_STATE_HOME=str(home / "state"))
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "wscli", "connect", *args],
            env=env,
            cwd=str(ROOT),
            dimensions=(ROWS, COLUMNS),
        )
        # pexpect sleeps 50 ms before every send by default: a terminal does not, and
        # the sleep would delay the answers to prompt-toolkit's cursor-position requests.
        self.child.delaybeforesend = None
        self.raw = b""
        self.eof = False
        #: Where in :attr:`text` the next :meth:`expect` starts looking.
        self.position = 0
        self._answered = 0
        self._text = ""
        self._text_of = 0

    @property
    def text(self) -> str:
        """Everything shown so far, as plain text."""
        if self._text_of != len(self.raw):
            self._text, self._text_of = plain(self.raw), len(self.raw)
        return self._text

    def _read(self, timeout: float) -> None:
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            self.eof = True
        requests = self.raw.count(_CURSOR_POSITION_REQUEST)
        while self._answered < requests and not self.eof:
            self.child.send("\x1b[1;1R")  # row 1, column 1: the whole screen is below
            self._answered += 1

    def expect(self, pattern: str, timeout: float = WAIT) -> re.Match[str]:
        """Wait until ``pattern`` (a regex; ``^`` and ``$`` match at line ends) shows up after
        the previous match; return the match."""
        compiled = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            match = compiled.search(self.text, self.position)
            if match is not None:
                self.position = match.end()
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.eof:
                state = "exited" if self.eof else f"still running after {timeout} s"
                raise AssertionError(
                    f"{pattern!r} not shown ({state}); the screen since the last match:\n"
                    + self.text[self.position :][-3000:]
                )
            self._read(min(remaining, 0.2))

    def send(self, keys: str) -> None:
        """Type ``keys`` (control characters and escape sequences included)."""
        self.child.send(keys)

    def type_line(self, line: str) -> None:
        """Type ``line`` and press Enter."""
        self.send(line + ENTER)

    def ready(self) -> None:
        """Wait for the handshake and for the toolbar to show OPEN."""
        self.expect(r"connected to ws://")
        self.expect(r" OPEN \s*\|")

    def exit_status(self, timeout: float = WAIT) -> int:
        """Wait until wscli exits (its output read to the end); return its exit status."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if time.monotonic() > deadline:
                raise AssertionError("wscli did not exit; the screen:\n" + self.text[-3000:])
            self._read(0.2)
        self.child.wait()
        status = self.child.exitstatus
        assert status is not None, f"wscli ended by signal {self.child.signalstatus}"
        return status

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A temporary HOME (and XDG_STATE_HOME under it): the history never touches the real one."""
    return tmp_path


@pytest.fixture
def terminals(home: Path) -> Iterator[list[Terminal]]:
    """Terminals started by ``start``; killed at the end of the test if still running."""
    started: list[Terminal] = []
    yield started
    for terminal in started:
        terminal.close()


def start(terminals: list[Terminal], home: Path, *args: str) -> Terminal:
    terminal = Terminal(home, *args)
    terminals.append(terminal)
    return terminal


@pytest.fixture
def repl(server: ScenarioServer, home: Path, terminals: list[Terminal]) -> Terminal:
    """wscli connected to the server's /echo, with the prompt and toolbar up."""
    terminal = start(terminals, home, server.url("/echo"))
    terminal.ready()
    return terminal


def history_entries(home: Path) -> list[str]:
    """The lines in the persistent history file (prompt-toolkit's FileHistory format)."""
    text = (home / "state" / "wscli" / "history").read_text(encoding="utf-8")
    return [line[1:] for line in text.splitlines() if line.startswith("+")]


def quit_cleanly(terminal: Terminal, *, after_output: bool = False) -> None:
    """Ctrl-D on an empty line: wscli closes with 1000 and exits 0.

    ``after_output``: the last thing awaited was output that follows a typed line (an
    echo); wait for the prompt drawn after it first, so that Ctrl-D goes to a running
    prompt, as a person's would.
    """
    if after_output:
        terminal.expect(r"open>")
    terminal.send(CTRL_D)
    terminal.expect(r"closed by wscli: 1000 \(Normal Closure\), wasClean=true")
    assert terminal.exit_status() == 0


def test_message_echo_shows_above_the_prompt(repl: Terminal, server: ScenarioServer) -> None:
    """A typed line is sent as one text message: "> hello" and the echo "< hello" print above
    the prompt, which is drawn again below them; the server received exactly "hello"."""
    repl.type_line("hello")
    repl.expect(r"^> hello$")
    repl.expect(r"^< hello$")
    repl.expect(r"open>")
    quit_cleanly(repl)
    assert server.last().messages == ["hello"]


def test_partly_typed_input_survives_an_incoming_message(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """A message that arrives while a line is half typed prints above the prompt; the prompt
    and the half-typed text are drawn again below it, and typing goes on where it was."""
    terminal = start(terminals, home, server.url("/delay?ms=1000"))
    terminal.ready()
    terminal.type_line("first")
    terminal.expect(r"^> first$")
    terminal.send("hel")
    terminal.expect(r"hel")  # typed before the echo comes back
    terminal.expect(r"^< first$")
    terminal.expect(r"open> *hel")  # the prompt drawn again, "hel" still in it
    terminal.type_line("lo")
    terminal.expect(r"^< hello$")
    quit_cleanly(terminal, after_output=True)
    assert server.last().messages == ["first", "hello"]


def test_toolbar_then_server_close_exits_8(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """The toolbar shows OPEN, the URL and bufferedAmount; when the server closes with 4001
    "bye", the close event shows the code, its registry name, the reason and wasClean, and
    wscli exits 8 (the server closed with an error code)."""
    url = server.url("/close?code=4001&reason=bye&after=1")
    terminal = start(terminals, home, url)
    terminal.expect(r"connected to ws://")
    terminal.expect(r" OPEN \s*\|\s*" + re.escape(url) + r"\s*\|\s*bufferedAmount\s*0 B")
    terminal.type_line("one")
    terminal.expect(r'closed by the server: 4001 \(Private Use\) "bye", wasClean=true')
    assert terminal.exit_status() == 8
    record = server.last()
    assert record.messages == ["one"]
    assert (record.close_code, record.close_reason) == (4001, "bye")


def test_toolbar_shows_connecting_then_open(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """While the server delays its handshake answer the prompt is up and the toolbar says
    CONNECTING; once the handshake completes it says OPEN."""
    url = server.url("/slow-open?ms=1500")
    terminal = start(terminals, home, url)
    terminal.expect(r" CONNECTING \s*\|\s*" + re.escape(url))
    terminal.expect(r"connected to ws://")
    terminal.expect(r" OPEN \s*\|\s*" + re.escape(url))
    quit_cleanly(terminal)


def test_close_command_sends_code_and_reason(repl: Terminal, server: ScenarioServer) -> None:
    """``/close 4000 bye`` closes with 4000 "bye": the server saw that code and reason, the
    close completes cleanly and wscli exits 0 (wscli chose the code)."""
    repl.type_line("/close 4000 bye")
    repl.expect(r'closed by wscli: 4000 \(Private Use\) "bye", wasClean=true')
    assert repl.exit_status() == 0
    record = server.last()
    assert (record.close_code, record.close_reason) == (4000, "bye")
    assert record.messages == []


def test_binary_hex_dump_then_base64_view(repl: Terminal, server: ScenarioServer) -> None:
    """``/binary 00ff41`` sends those three bytes as a binary message; the echo shows as a
    hex dump (offset, hex, ASCII). ``/view base64`` switches the display of the next one."""
    repl.type_line("/binary 00ff41")
    repl.expect(r"^< \[binary, 3 bytes\]\n00000000  00 ff 41 +\.\.A$")
    repl.type_line("/view base64")
    repl.expect(r"binary messages are shown as base64")
    repl.expect(r"view\s*base64")  # the toolbar follows
    repl.type_line("/binary 00ff41")
    repl.expect(r"^< \[binary, 3 bytes\] AP9B$")
    quit_cleanly(repl, after_output=True)
    assert server.last().messages == [b"\x00\xffA", b"\x00\xffA"]


def test_json_message_is_pretty_printed(repl: Terminal, server: ScenarioServer) -> None:
    """A JSON text message is shown pretty-printed: one member per line, indented."""
    repl.type_line('{"a":1,"b":[true,null]}')
    repl.expect(r'^< \{\n  "a": 1,\n  "b": \[\n    true,\n    null\n  \]\n\}$')
    quit_cleanly(repl, after_output=True)
    assert server.last().messages == ['{"a":1,"b":[true,null]}']


def test_ping_shows_round_trip(repl: Terminal) -> None:
    """``/ping abc`` sends a ping; the server's pong shows the round-trip time."""
    repl.type_line("/ping abc")
    repl.expect(r"pong after \d+\.\d\d ms")
    repl.expect(r"ping\s*\d+(\.\d+)? ms")  # the toolbar's last ping round trip
    quit_cleanly(repl)


def test_ctrl_c_clears_the_line_and_keeps_the_session(
    repl: Terminal, server: ScenarioServer
) -> None:
    """Ctrl-C clears the typed line without sending it and without ending the session: only
    what is typed afterwards reaches the server."""
    repl.send("secret")
    repl.expect(r"secret")
    repl.send(CTRL_C)
    repl.type_line("after")
    repl.expect(r"^< after$")
    quit_cleanly(repl, after_output=True)
    assert server.last().messages == ["after"]
    assert "> secret" not in repl.text


def test_ctrl_d_closes_with_1000(repl: Terminal, server: ScenarioServer) -> None:
    """Ctrl-D on an empty line closes with 1000, waits for the server's close frame and
    exits 0."""
    quit_cleanly(repl)
    record = server.last()
    assert (record.close_code, record.close_reason) == (1000, "")
    assert record.messages == []


def test_sigint_from_outside_closes_with_1001(repl: Terminal, server: ScenarioServer) -> None:
    """SIGINT sent to wscli from outside (not Ctrl-C typed at the prompt) closes with 1001
    Going Away, waits for the server's close frame and exits 130."""
    repl.child.kill(signal.SIGINT)
    repl.expect(r"closed by wscli: 1001 \(Going Away\), wasClean=true")
    assert repl.exit_status() == 130
    assert server.last().close_code == 1001


def test_execute_messages_then_interactive(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """``-x hello -x world`` sends both right after the handshake; the session then stays
    interactive and a typed message is echoed too."""
    terminal = start(terminals, home, server.url("/echo"), "-x", "hello", "-x", "world")
    terminal.expect(r"^< hello$")
    terminal.expect(r"^< world$")
    terminal.expect(r" OPEN \s*\|")
    terminal.type_line("again")
    terminal.expect(r"^< again$")
    quit_cleanly(terminal, after_output=True)
    assert server.last().messages == ["hello", "world", "again"]


def test_history_persists_across_runs(
    server: ScenarioServer, home: Path, terminals: list[Terminal]
) -> None:
    """Lines typed in one run are in the next run's history (under XDG_STATE_HOME): Up
    recalls "remember-me" and Enter sends it again."""
    first = start(terminals, home, server.url("/echo"))
    first.ready()
    first.type_line("remember-me")
    first.expect(r"^< remember-me$")
    quit_cleanly(first, after_output=True)
    assert history_entries(home) == ["remember-me"]
    history = home / "state" / "wscli" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600  # typed messages are private

    second = start(terminals, home, server.url("/echo"))
    second.ready()
    second.send(UP)
    second.expect(r"remember-me")
    second.send(ENTER)
    second.expect(r"^< remember-me$")
    quit_cleanly(second, after_output=True)
    first_record, second_record = server.wait_connections(2)
    assert first_record.messages == ["remember-me"]
    assert second_record.messages == ["remember-me"]


def test_unknown_command_is_an_error_and_sends_nothing(
    repl: Terminal, server: ScenarioServer
) -> None:
    """``/nope`` is not a command: an error line that points to /help, and nothing is sent;
    the session goes on."""
    repl.type_line("/nope")
    line = repl.expect(r"error: unknown command /nope[^\n]*").group()
    assert "/help" in line
    repl.expect(r"open>")
    quit_cleanly(repl)
    assert server.last().messages == []


def test_invalid_json_asks_before_sending(
    repl: Terminal, server: ScenarioServer, home: Path
) -> None:
    """A line that starts with ``{`` but is not JSON asks first: "n" sends nothing, "y"
    sends it as typed. The answers do not go into the history."""
    question = r"looks like JSON but does not parse; send it anyway\? \[y/N\]"
    repl.type_line("{oops")
    repl.expect(question)
    repl.type_line("n")
    repl.expect(r"open>")
    repl.type_line("{oops")
    repl.expect(question)
    repl.type_line("y")
    repl.expect(r"^< \{oops$")
    quit_cleanly(repl, after_output=True)
    assert server.last().messages == ["{oops"]
    assert history_entries(home) == ["{oops"]  # the answers are not messages to recall


def test_refused_connection_exits_3(home: Path, terminals: list[Terminal]) -> None:
    """On a terminal too, a refused connection ends wscli with an error line and exit 3."""
    terminal = start(terminals, home, f"ws://127.0.0.1:{closed_port()}/")
    terminal.expect(r"wscli: error: [^\n]+")
    assert terminal.exit_status() == 3
