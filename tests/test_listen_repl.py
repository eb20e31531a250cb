"""The interactive ``wscli listen``: the real ``python -m wscli listen 0`` in a pseudo-terminal
(pexpect), with real ``wscli connect --keep-open`` clients on 127.0.0.1; and unit tests of its
pure parts (the command parser, the /clients table, the toolbar's fragments).

The terminal is tests/test_repl.py's: it answers prompt-toolkit's cursor-position requests
and reads the screen as plain text. Typed input is echoed, so every wait is for text that
cannot be the echo (``[1] < hello``, ``[2] > text``, an error line). While a test waits for
a client (a received line, an exit) the terminal keeps being read and answered, so the
prompt never stalls on a full pty or an unanswered cursor-position request.
"""

import asyncio
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pexpect
import pytest

from tests.conftest import TIMEOUT, wscli_env
from tests.processes import LineReader, start_wscli
from tests.test_repl import COLUMNS, CTRL_D, ROOT, ROWS, WAIT, Terminal
from wscli.errors import UsageError
from wscli.render import clients_table
from wscli.repl import inputs as c
from wscli.repl.commands import parse_listen_line
from wscli.repl.inputs import Kick, ListClients, PingClient, SetTarget
from wscli.repl.toolbar import listen_toolbar_fragments

_LISTENING = re.compile(r"listening on (ws://127\.0\.0\.1:\d+)")


class ListenTerminal(Terminal):
    """``wscli listen 0 ARGS`` running in a pseudo-terminal of ROWS x COLUMNS."""

    def __init__(self, home: Path, *args: str) -> None:
        env = wscli_env(TERM="xterm-256color", HOME=str(home), XDG_STATE_HOME=str(home / "state"))
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "wscli", "listen", "0", *args],
            env=env,
            cwd=str(ROOT),
            dimensions=(ROWS, COLUMNS),
        )
        self.child.delaybeforesend = None  # as Terminal: answer cursor requests at once
        self.raw = b""
        self.eof = False
        self.position = 0
        self._answered = 0
        self._text = ""
        self._text_of = 0
        self.url = ""

    def listening(self) -> str:
        """Wait for the listening line and the idle toolbar; return the ws:// URL."""
        self.url = self.expect(_LISTENING.pattern).group(1)
        self.expect_toolbar(clients=0)
        return self.url

    def expect_toolbar(self, *, clients: int, to: str = "all clients", view: str = "hex") -> None:
        """Wait for the toolbar drawn with these values."""
        self.expect(
            r" LISTENING \s*\|\s*"
            + re.escape(self.url)
            + rf"\s*\|\s*clients {clients}\s*\|\s*to {re.escape(to)}\s*\|\s*view {view}"
        )

    def wait_until(self, poll: Callable[[float], bool], what: str, timeout: float = WAIT) -> None:
        """Wait until ``poll(seconds)`` (which may block that long) is true, reading and
        answering the terminal meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            if poll(0.05 if self.eof else 0):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n" + self.text)
            if not self.eof:
                self._read(0.05)


class Client:
    """A real ``wscli connect URL --keep-open ARGS``: lines written to it are sent; the
    messages it receives are its stdout lines; its status lines are on stderr."""

    def __init__(self, url: str, *args: str) -> None:
        self.process = start_wscli("connect", url, "--keep-open", *args)
        assert self.process.stdout is not None and self.process.stderr is not None
        self._received: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()
        self.stderr = LineReader(self.process.stderr)

    def _pump(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._received.put(raw.decode("utf-8", "replace").rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def next_message(self, terminal: ListenTerminal) -> str:
        """The next message this client received (waits for it)."""
        got: list[str] = []

        def poll(seconds: float) -> bool:
            try:
                got.append(self._received.get(timeout=seconds or None, block=bool(seconds)))
            except queue.Empty:
                return False
            return True

        terminal.wait_until(poll, "a message at the client")
        return got[0]

    def exit_status(self, terminal: ListenTerminal) -> int:
        """Wait until the client exits; return its exit status."""

        def poll(seconds: float) -> bool:
            try:
                self.process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                return False
            return True

        terminal.wait_until(poll, "the client to exit")
        assert self.process.returncode is not None
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        assert self.process.stdin is not None
        self.process.stdin.close()


class Session:
    """The listen terminal of a test and its clients."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.terminal: ListenTerminal | None = None
        self.clients: list[Client] = []

    def start(self, *args: str) -> ListenTerminal:
        self.terminal = ListenTerminal(self.home, *args)
        self.terminal.listening()
        return self.terminal

    def connect(self, *args: str) -> Client:
        """A new client; returns once the prompt has shown it connected (as the next id)."""
        assert self.terminal is not None
        client = Client(self.terminal.url, *args)
        self.clients.append(client)
        conn_id = len(self.clients)
        self.terminal.expect(
            rf"^\[{conn_id}\] client {conn_id} connected from 127\.0\.0\.1:\d+ to / \("
        )
        self.terminal.expect_toolbar(clients=self.live_clients())
        return client

    def live_clients(self) -> int:
        return sum(client.process.poll() is None for client in self.clients)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        if self.terminal is not None:
            self.terminal.close()
            assert "Traceback" not in self.terminal.text, self.terminal.text
        for client in self.clients:
            assert "Traceback" not in client.stderr.rest()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A listen session in a temporary HOME (the history never touches the real one)."""
    running = Session(tmp_path)
    yield running
    running.close()


@pytest.fixture
def two(session: Session) -> tuple[ListenTerminal, Client, Client]:
    """``wscli listen 0`` on a terminal with clients 1 and 2 connected."""
    terminal = session.start()
    first = session.connect()
    second = session.connect()
    return terminal, first, second


# In a pseudo-terminal


def test_two_clients_connect_and_messages_are_labelled(session: Session) -> None:
    """Each client's connection prints a numbered line above the prompt and the toolbar
    counts them; each client's message shows as ``[N] < text`` with its own id."""
    terminal = session.start()
    first = session.connect()
    second = session.connect()  # both connect lines and "clients 2" in the toolbar
    first.send("hello from one")
    terminal.expect(r"^\[1\] < hello from one$")
    second.send("hello from two")
    terminal.expect(r"^\[2\] < hello from two$")
    terminal.expect(r"all>")


def test_typed_line_to_all_then_to_one_client(two: tuple[ListenTerminal, Client, Client]) -> None:
    """A typed line goes to every client; after ``/to 2`` (prompt ``#2>``, toolbar "to
    client 2") only client 2 gets the next one; after ``/all`` both get lines again, so the
    next message client 1 sees is the one sent after /all."""
    terminal, first, second = two
    terminal.type_line("to everyone")
    terminal.expect(r"^\[all \(2 clients\)\] > to everyone$")
    assert first.next_message(terminal) == "to everyone"
    assert second.next_message(terminal) == "to everyone"

    terminal.type_line("/to 2")
    terminal.expect(r"^sending to client 2$")
    terminal.expect(r"#2>")  # the prompt, then the toolbar below it
    terminal.expect_toolbar(clients=2, to="client 2")
    terminal.type_line("only two")
    terminal.expect(r"^\[2\] > only two$")
    assert second.next_message(terminal) == "only two"

    terminal.type_line("/all")
    terminal.expect(r"^sending to every client$")
    terminal.expect_toolbar(clients=2)
    terminal.type_line("both again")
    terminal.expect(r"^\[all \(2 clients\)\] > both again$")
    assert first.next_message(terminal) == "both again"  # "only two" never reached it
    assert second.next_message(terminal) == "both again"


def test_clients_lists_both_open(two: tuple[ListenTerminal, Client, Client]) -> None:
    """``/clients`` prints a table: a header, then one row per client with its address
    (as in its connect line), path, protocol, readyState OPEN, bufferedAmount and the
    messages in and out."""
    terminal, first, _second = two
    ports = re.findall(r"client \d connected from 127\.0\.0\.1:(\d+)", terminal.text)
    assert len(ports) == 2
    first.send("one")
    terminal.expect(r"^\[1\] < one$")
    terminal.type_line("/clients")
    terminal.expect(r"^id +address +path +protocol +readyState +buffered +in +out$")
    terminal.expect(rf"^1 +127\.0\.0\.1:{ports[0]} +/ +- +OPEN +0 +1 +0$")
    terminal.expect(rf"^2 +127\.0\.0\.1:{ports[1]} +/ +- +OPEN +0 +0 +0$")


def test_status_shows_address_clients_and_target(
    two: tuple[ListenTerminal, Client, Client],
) -> None:
    """``/status`` prints the address, the number of clients and the target."""
    terminal, _first, _second = two
    terminal.type_line("/to 1")
    terminal.expect(r"^sending to client 1$")
    terminal.type_line("/status")
    terminal.expect(rf"^listening on {re.escape(terminal.url)}$")
    terminal.expect(r"^clients: 2 connected, 2 so far$")
    terminal.expect(r"^sending to: client 1$")


def test_kick_closes_one_client_with_code_and_reason(
    two: tuple[ListenTerminal, Client, Client],
) -> None:
    """``/kick 1 4000 bye`` closes client 1 with 4000 "bye": the close shows above the
    prompt, the wscli client exits 8 naming 4000, client 2 stays connected (the toolbar
    counts 1) and still gets typed lines."""
    terminal, first, second = two
    terminal.type_line("/kick 1 4000 bye")
    terminal.expect(r'^\[1\] closed by wscli: 4000 \(Private Use\) "bye", wasClean=true$')
    terminal.expect_toolbar(clients=1)
    assert first.exit_status(terminal) == 8
    assert 'closed by the server: 4000 (Private Use) "bye"' in first.stderr.rest()
    terminal.type_line("still here")
    terminal.expect(r"^\[all \(1 client\)\] > still here$")
    assert second.next_message(terminal) == "still here"


def test_ping_shows_round_trip(session: Session) -> None:
    """``/ping 1`` pings client 1; its pong prints the round-trip time."""
    terminal = session.start()
    session.connect()
    terminal.type_line("/ping 1 abc")
    terminal.expect(r"^\[1\] pong after \d+\.\d\d ms$")


def test_binary_message_and_view(session: Session) -> None:
    """A binary message shows as a hex dump; after ``/view base64`` (the toolbar follows)
    the next one shows as base64."""
    terminal = session.start()
    client = session.connect("--input-format", "hex")
    client.send("00ff41")
    terminal.expect(r"^\[1\] < \[binary, 3 bytes\]\n00000000  00 ff 41 +\.\.A$")
    terminal.type_line("/view base64")
    terminal.expect(r"^binary messages are shown as base64$")
    terminal.expect_toolbar(clients=1, view="base64")
    client.send("00ff41")
    terminal.expect(r"^\[1\] < \[binary, 3 bytes\] AP9B$")


def test_ctrl_d_closes_clients_with_1001_and_exits_0(session: Session) -> None:
    """Ctrl-D on an empty line closes every client with 1001 (Going Away) and exits 0; a
    wscli client takes 1001 as a normal end and exits 0."""
    terminal = session.start()
    client = session.connect()
    terminal.send(CTRL_D)
    assert client.exit_status(terminal) == 0
    assert "closed by the server: 1001 (Going Away)" in client.stderr.rest()
    assert terminal.exit_status() == 0


def test_sigterm_closes_clients_with_1001_and_exits_0(session: Session) -> None:
    """SIGTERM from outside closes every client with 1001 and exits 0."""
    terminal = session.start()
    first = session.connect()
    second = session.connect()
    terminal.child.kill(signal.SIGTERM)
    assert first.exit_status(terminal) == 0
    assert second.exit_status(terminal) == 0
    assert "closed by the server: 1001 (Going Away)" in first.stderr.rest()
    assert "closed by the server: 1001 (Going Away)" in second.stderr.rest()
    assert terminal.exit_status() == 0


def test_once_exits_8_when_the_client_closes_with_4000(session: Session) -> None:
    """``--once``: when the one client closes with 4000 the prompt ends, an error line names
    the code and wscli exits 8 (an application close code, as in the client's table)."""
    terminal = session.start("--once")
    close_now = threading.Event()
    problems: list[BaseException] = []

    async def client() -> None:
        from websockets.asyncio.client import connect

        async with connect(terminal.url, open_timeout=TIMEOUT) as ws:
            await asyncio.get_running_loop().run_in_executor(None, close_now.wait, TIMEOUT)
            await ws.close(4000, "bye")

    def run() -> None:
        try:
            asyncio.run(client())
        except BaseException as exc:
            problems.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    terminal.expect(r"^\[1\] client 1 connected from 127\.0\.0\.1:\d+ to / \(")
    close_now.set()
    terminal.expect(r'^\[1\] closed by the client: 4000 \(Private Use\) "bye", wasClean=true$')
    terminal.expect(r'^wscli: error: the client closed with 4000 \(Private Use\) "bye"$')
    assert terminal.exit_status() == 8
    thread.join(TIMEOUT)
    assert problems == []


def test_errors_keep_the_prompt(session: Session) -> None:
    """Mistakes print an ``error: ... (hint: ...)`` line and the prompt goes on: a line
    typed with no client connected, ``/to`` a client that is not there, a connect-only
    command; afterwards the session still works."""
    terminal = session.start()
    terminal.type_line("nobody hears")
    terminal.expect(r"^error: not sent: no client is connected \(hint: wait for a client\)$")
    terminal.type_line("/to 9")
    terminal.expect(r"^error: client 9 is not connected \(hint: /clients lists the clients\)$")
    terminal.type_line("/close")
    terminal.expect(r"^error: /close is a connect command \(hint: /help[^\n]*\)$")
    terminal.expect(r"all>")  # still sending to all: /to 9 changed nothing
    client = session.connect()
    terminal.type_line("hi")
    terminal.expect(r"^\[all \(1 client\)\] > hi$")
    assert client.next_message(terminal) == "hi"


def test_save_writes_the_events_as_json_lines(session: Session, tmp_path: Path) -> None:
    """``/save PATH`` writes the events so far as JSON Lines, each with the client's id: its
    open event and the message it sent."""
    terminal = session.start()
    client = session.connect()
    client.send("hello")
    terminal.expect(r"^\[1\] < hello$")
    path = tmp_path / "session.jsonl"
    terminal.type_line(f"/save {path}")
    terminal.expect(rf"^saved \d+ events to {re.escape(str(path))}$")
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(event["event"], event["id"]) for event in events] == [("open", 1), ("message", 1)]
    assert (events[1]["direction"], events[1]["text"]) == ("in", "hello")


def test_save_includes_the_typed_messages(session: Session, tmp_path: Path) -> None:
    """``/save`` saves the session: the messages typed at the prompt are in it too, as
    "out" messages (as connect's /save has them)."""
    terminal = session.start()
    client = session.connect()
    terminal.type_line("typed")
    terminal.expect(r"^\[all \(1 client\)\] > typed$")
    assert client.next_message(terminal) == "typed"
    path = tmp_path / "session.jsonl"
    terminal.type_line(f"/save {path}")
    terminal.expect(rf"^saved \d+ events to {re.escape(str(path))}$")
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    sent = [event for event in events if event["event"] == "message"]
    assert [(event["direction"], event["text"]) for event in sent] == [("out", "typed")]


# Pure parts


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/to 2", SetTarget(2)),
        ("/TO 12", SetTarget(12)),
        ("/all", SetTarget(None)),
        ("/clients", ListClients()),
        ("/kick 1", Kick(1, 1000, "")),
        ("/kick 3 4000 bye now", Kick(3, 4000, "bye now")),
        ("/ping 2", PingClient(2, b"")),
        ("/ping 2 abc", PingClient(2, b"abc")),
        ("/status", c.ShowStatus()),
        ("/help", c.ShowHelp(None)),
        ("/help kick", c.ShowHelp("/kick")),
        ("/quit", c.Quit()),
        ("/exit", c.Quit()),
        ("/view base64", c.SetView("base64")),
        ("/save out.jsonl", c.SaveSession("out.jsonl")),
        ("/binary 00ff", c.SendBinary(b"\x00\xff")),
        ("hello", c.SendText("hello")),
        ("//to 2", c.SendText("/to 2")),
    ],
)
def test_parse_listen_line(line: str, expected: object) -> None:
    """Each listen command parses to what it asks for; other lines are messages."""
    assert parse_listen_line(line) == expected


@pytest.mark.parametrize(
    ("line", "message", "hint"),
    [
        ("/to", "/to: no client id", "usage: /to N"),
        ("/to x", "/to: 'x' is not a client id", "usage: /to N"),
        ("/to 0", "/to: '0' is not a client id", "usage: /to N"),
        ("/all 2", "/all takes no arguments", "usage: /all"),
        ("/clients now", "/clients takes no arguments", "usage: /clients"),
        ("/kick", "/kick: no client id", "usage: /kick N [CODE] [REASON]"),
        ("/kick 1 abc", "/kick: close code 'abc' is not a number", "usage: /kick"),
        ("/kick 1 999", "/kick: close code 999 is not a valid close code", "3000-4999"),
        ("/kick 1 1000 " + "x" * 124, "/kick: close reason is 124 bytes", "shorten"),
        ("/ping", "/ping: no client id", "usage: /ping N [DATA]"),
        ("/close", "/close is a connect command", "/help"),
        ("/reconnect", "/reconnect is a connect command", "/help"),
        ("/ki", "unknown command /ki", "did you mean /kick?"),
        ("/nope", "unknown command /nope", "/help lists the commands"),
        ("/help nope", "unknown command /nope", "/help lists the commands"),
    ],
)
def test_parse_listen_line_errors(line: str, message: str, hint: str) -> None:
    """A bad command raises a usage error that says what is wrong and hints at what works."""
    with pytest.raises(UsageError) as caught:
        parse_listen_line(line)
    assert caught.value.message.startswith(message)
    assert hint in (caught.value.hint or "")


def test_clients_table_aligns_columns() -> None:
    """``/clients``' table: a header, one row per client, columns padded to the widest
    value and two spaces apart, no trailing spaces."""
    table = clients_table(
        [
            (1, "127.0.0.1:5000", "/", "-", "OPEN", 0, 3, 12, ""),
            (12, "127.0.0.1:60001", "/chat?x=1", "chat", "CLOSING", 1024, 0, 0, ""),
        ]
    )
    assert table.splitlines() == [
        "id  address          path       protocol  readyState  buffered  in  out",
        "1   127.0.0.1:5000   /          -         OPEN        0         3   12",
        "12  127.0.0.1:60001  /chat?x=1  chat      CLOSING     1024      0   0",
    ]
    assert clients_table([]) == "no clients connected"
    with_certificate = clients_table(
        [
            (1, "127.0.0.1:5000", "/", "-", "OPEN", 0, 3, 12, "CN=alice,O=Example"),
            (2, "127.0.0.1:5001", "/", "-", "OPEN", 0, 0, 0, "CN=bob"),
        ]
    )
    assert with_certificate.splitlines()[0].endswith("in  out  certificate")
    assert with_certificate.splitlines()[1].endswith("3   12   CN=alice,O=Example")


def _toolbar(width: int = 200, **state: object) -> str:
    arguments: dict = {"clients": 2, "target": None, "view": "hex", **state}
    fragments = listen_toolbar_fragments("ws://127.0.0.1:8765", width=width, **arguments)
    return "".join(text for _, text in fragments)


def test_listen_toolbar_text() -> None:
    """The toolbar: LISTENING, the address, the client count, the target and the view; the
    bufferedAmount only when some bytes wait."""
    assert _toolbar() == (
        " LISTENING  | ws://127.0.0.1:8765 | clients 2 | to all clients | view hex"
    )
    assert _toolbar(target=3, view="base64", clients=1) == (
        " LISTENING  | ws://127.0.0.1:8765 | clients 1 | to client 3 | view base64"
    )
    assert _toolbar(buffered_amount=2048) == (
        " LISTENING  | ws://127.0.0.1:8765 | clients 2 | to all clients"
        " | bufferedAmount 2.0 KiB | view hex"
    )


def test_listen_toolbar_gives_way_by_importance() -> None:
    """A toolbar wider than the terminal drops the view first, then bufferedAmount and the
    URL; the state, the client count and the target stay; only then is the text cut, to
    exactly the width, ending with "…". One that fits is whole; control characters from
    the URL are escaped."""
    full = _toolbar(buffered_amount=2048, target=3)
    assert _toolbar(buffered_amount=2048, target=3, width=len(full)) == full
    assert _toolbar(buffered_amount=2048, target=3, width=len(full) - 1) == (
        " LISTENING  | ws://127.0.0.1:8765 | clients 2 | to client 3 | bufferedAmount 2.0 KiB"
    )
    assert _toolbar(buffered_amount=2048, target=3, width=70) == (
        " LISTENING  | ws://127.0.0.1:8765 | clients 2 | to client 3"
    )
    assert _toolbar(buffered_amount=2048, target=3, width=50) == (
        " LISTENING  | clients 2 | to client 3"
    )
    cut = _toolbar(target=3, width=30)
    assert cut == " LISTENING  | clients 2 | to …"
    assert len(cut) == 30
    escaped = "".join(
        text
        for _, text in listen_toolbar_fragments(
            "ws://127.0.0.1:8765/\x1b[31m", clients=0, target=None, view="hex", width=200
        )
    )
    assert "\x1b" not in escaped


def test_clients_table_escapes_what_the_client_sent() -> None:
    """A path or subprotocol with control characters (peer data is hostile) is shown
    escaped in /clients: no escape sequence reaches the terminal."""
    table = clients_table(
        [
            (
                1,
                "127.0.0.1:5000",
                "/\x1b]0;PWNED\x07\x1b[2J",
                "p\x1b[31m",
                "OPEN",
                0,
                0,
                0,
                "CN=\x1b[2J",
            )
        ]
    )
    assert "\x1b" not in table and "\x07" not in table
    assert "PWNED" in table
