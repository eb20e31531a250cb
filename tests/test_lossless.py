"""Lossless pipes (``--input-format jsonl``): what a server sent, captured with --jsonl and
fed back, reaches another server with the same types and bytes, in order; pings and closes
ride along; a bad line stops the input after everything before it was sent."""

import asyncio
import json
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from tests.background import BackgroundLoop
from tests.conftest import run_wscli
from tests.listening import Listening, listening
from tests.scenario import ScenarioServer
from tests.timing import TIMEOUT

#: What a careless pipe mangles: newlines, CR, NUL, escapes, empty messages, any scalar.
MIXED: list[str | bytes] = [
    "line one\nline two",
    b"binary ending in a newline\n",
    "tab\tand \x1b[31mescape\x1b[0m",
    "",
    b"",
    "nul \x00 inside\r\n",
    b"\x00\xff\xfe" * 1000,
    "\u2028\U0001f600 ünïcode",
]
TEXT = st.text(st.characters(codec="utf-8"), max_size=200)


class Sender(BackgroundLoop):
    """A server that sends its messages to each client, then closes with 1000."""

    def __init__(self, messages: Sequence[str | bytes]) -> None:
        super().__init__()
        self.messages = list(messages)
        self.url = ""

    async def _main(self) -> None:
        async def handle(ws: ServerConnection) -> None:
            for message in self.messages:
                await ws.send(message)
            await ws.close()

        async with serve(handle, "127.0.0.1", 0, max_size=None) as server:
            self.url = f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/"
            self._ready.set()
            assert self._stop is not None
            await self._stop.wait()


@pytest.fixture
def sender() -> Iterator[Sender]:
    with Sender(MIXED) as server:
        yield server


def _relayed(messages: Sequence[str | bytes], server: ScenarioServer) -> list[str | bytes]:
    """Capture ``messages`` from a Sender with --jsonl, feed that log as it is to the
    scenario server's /sink; what the sink got."""
    with Sender(messages) as source:
        log = run_wscli("connect", source.url, "--jsonl").stdout
    run_wscli("connect", server.url("/sink"), "--input-format", "jsonl", input=log)
    record = server.last()
    assert record.closed.wait(TIMEOUT)
    return record.messages


def test_mixed_messages_survive_a_jsonl_relay(server: ScenarioServer) -> None:
    assert _relayed(MIXED, server) == MIXED


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(TEXT, st.binary(max_size=70_000)), max_size=8))
def test_any_sequence_survives_a_jsonl_relay(
    server: ScenarioServer, messages: list[str | bytes]
) -> None:
    relayed = _relayed(messages, server)
    assert relayed == messages
    assert [type(m) for m in relayed] == [type(m) for m in messages]


@pytest.fixture(scope="module")
def jsonl_listener() -> Iterator[Listening]:
    with listening("--jsonl") as srv:
        yield srv


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(TEXT, st.binary(max_size=70_000)), min_size=1, max_size=6))
def test_listen_jsonl_output_replays_to_another_server(
    jsonl_listener: Listening, server: ScenarioServer, messages: list[str | bytes]
) -> None:
    """A client sends to listen; listen's --jsonl lines of what it received, fed to
    connect, reach a second server with the same types and bytes, in order."""

    async def client() -> None:
        async with connect(jsonl_listener.url, open_timeout=TIMEOUT, max_size=None) as ws:
            for message in messages:
                await ws.send(message)

    asyncio.run(client())
    lines = [jsonl_listener.stdout.wait_for('"direction":"in"') for _ in messages]
    run_wscli("connect", server.url("/sink"), "--input-format", "jsonl", input="".join(lines))
    assert server.last().closed.wait(TIMEOUT)
    assert server.last().messages == messages


def test_ping_and_close_events(server: ScenarioServer) -> None:
    """A ping goes out after the messages before it (its pong comes back); a close
    closes with its code and reason, and the lines after it are not read."""
    lines = [
        '"first"',
        '{"event": "ping", "base64": "aGk="}',
        '{"text": "second"}',
        '{"event": "close", "code": 4000, "reason": "done"}',
        '"never sent"',
    ]
    result = run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "jsonl",
        "--jsonl",
        input="\n".join(lines) + "\n",
    )
    events = [json.loads(line) for line in result.lines]
    kinds = [(e["event"], e.get("direction"), e.get("text", e.get("base64"))) for e in events]
    assert ("pong", "in", "aGk=") in kinds
    assert kinds.index(("message", "out", "first")) < kinds.index(("ping", "out", "aGk="))
    assert kinds.index(("ping", "out", "aGk=")) < kinds.index(("message", "out", "second"))
    record = server.last()
    assert record.closed.wait(TIMEOUT)
    assert (record.messages, record.close_code, record.close_reason) == (
        ["first", "second"],
        4000,
        "done",
    )


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ("not json", "stdin line 3 is not valid JSON"),
        ('{"text": "a", "base64": ""}', "stdin line 3 has both text and base64"),
        ('{"base64": "@@"}', "stdin line 3 has invalid base64"),
        ('"\\udc80"', "stdin line 3 has a lone surrogate in its text"),
        ('{"event": "shout"}', "stdin line 3 has an unknown event 'shout'"),
        ('{"event": "close", "code": 999}', "stdin line 3: close code 999"),
    ],
)
def test_a_bad_line_is_exit_2_after_what_came_before(
    server: ScenarioServer, bad: str, error: str
) -> None:
    lines = ['"one"', '{"base64": "AAE="}', bad, '"after"']
    result = run_wscli(
        "connect",
        server.url("/sink"),
        "--input-format",
        "jsonl",
        input="\n".join(lines) + "\n",
        expect=2,
    )
    assert result.stderr.splitlines()[-1].startswith(f"wscli: error: {error}")
    record = server.last()
    assert record.closed.wait(TIMEOUT)
    assert record.messages == ["one", b"\x00\x01"]


def test_send_arguments_in_jsonl(server: ScenarioServer) -> None:
    args = ("send", server.url("/echo"), '{"base64": "AAE="}', '"two\\nlines"', "--jsonl")
    result = run_wscli(*args, "--input-format", "jsonl", "--count", "2")
    received = [json.loads(line) for line in result.lines if '"direction":"in"' in line]
    assert [(r["type"], r.get("base64", r.get("text"))) for r in received] == [
        ("binary", "AAE="),
        ("text", "two\nlines"),
    ]
    bad = run_wscli(
        "send", server.url("/echo"), '{"event": "ping"}', "--input-format", "jsonl", expect=2
    )
    assert "MESSAGE argument 1 is not a message" in bad.stderr


def test_listen_stdin_in_jsonl_sends_binary_and_closes_every_client() -> None:
    with listening("--input-format", "jsonl") as srv:

        async def client() -> tuple[list[str | bytes], int | None, str | None]:
            async with connect(srv.url, open_timeout=TIMEOUT) as ws:
                srv.stderr.wait_for("connected from")
                srv.send_stdin('{"base64": "AAEC"}\n"multi\\nline"\n')
                srv.send_stdin('{"event": "close", "code": 4001, "reason": "bye"}\n')
                got = [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in range(2)]
                await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
                return got, ws.close_code, ws.close_reason

        assert asyncio.run(client()) == ([b"\x00\x01\x02", "multi\nline"], 4001, "bye")
        assert srv.process.poll() is None  # the server goes on


#: listen --exec's program in JSON Lines: echoes each message; "close" asks for 4001.
_PROGRAM = """
import json, sys
for line in sys.stdin:
    event = json.loads(line)
    if event["event"] != "message":
        continue
    if event.get("text") == "close":
        print(json.dumps({"event": "close", "code": 4001, "reason": "asked"}), flush=True)
    else:
        print(json.dumps({k: event[k] for k in ("text", "base64") if k in event}), flush=True)
"""


def test_listen_exec_speaks_jsonl_both_ways(tmp_path: Path) -> None:
    """With --input-format jsonl, a program behind listen receives and sends binary and
    multi-line text exactly (JSON Lines both ways), and closes with a code of its choice."""
    script = tmp_path / "program.py"
    script.write_text(_PROGRAM)
    command = shlex.join([sys.executable, str(script)])
    with listening("--exec", command, "--input-format", "jsonl") as srv:

        async def client() -> tuple[list[str | bytes], int | None, str | None]:
            async with connect(srv.url, open_timeout=TIMEOUT, max_size=None) as ws:
                got = []
                for message in MIXED:
                    await ws.send(message)
                    got.append(await asyncio.wait_for(ws.recv(), TIMEOUT))
                await ws.send("close")
                await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
                return got, ws.close_code, ws.close_reason

        assert asyncio.run(client()) == (MIXED, 4001, "asked")
