"""``wscli listen`` off a terminal: readiness, stdout and stderr, its modes, and its lifecycle.

Every test runs the real ``wscli listen 0`` (tests/listening.py) and talks to it with
websockets' asyncio client over 127.0.0.1; stdout and stderr are pipes, so the server is in
pipe mode (no prompt, no ``[N] `` prefixes).
"""

import asyncio
import json
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from tests.conftest import TIMEOUT
from tests.listening import listening
from tests.processes import LineReader

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one test's client side, bounded by TIMEOUT."""

    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, TIMEOUT)

    return asyncio.run(bounded())


def client(url: str) -> Any:
    """A websockets client without compression (so status lines carry no extensions)."""
    return connect(url, compression=None, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


async def line(reader: LineReader, needle: str) -> str:
    """Wait (in a thread, so the event loop keeps running) for a line containing ``needle``."""
    return await asyncio.to_thread(reader.wait_for, needle)


def port_of(ws: ClientConnection) -> int:
    """The client's local port: what the server sees as its remote port."""
    return int(ws.local_address[1])


async def closed_code(ws: ClientConnection) -> int | None:
    """Wait until the server closes ``ws`` (no message may come first); its close code."""
    with pytest.raises(ConnectionClosed):
        message = await ws.recv()
        pytest.fail(f"expected the connection to close, got the message {message!r}")
    return ws.close_code


def json_events(reader: LineReader) -> list[dict[str, Any]]:
    """The JSON lines read so far."""
    return [json.loads(text) for text in reader.lines if text.startswith("{")]


# Readiness


def test_listening_line_and_jsonl_listening_event() -> None:
    """listen prints "listening on ws://127.0.0.1:PORT" on stderr and, with --jsonl, a
    listening event with the same URL as the first stdout line."""
    with listening("--jsonl") as server:
        assert server.stderr.lines[0] == f"wscli: listening on {server.url}\n"
        first = json.loads(server.stdout.wait_for(""))  # the very first stdout line
        assert first["event"] == "listening"
        assert first["url"] == server.url
        port = int(server.url.rsplit(":", 1)[1])
        assert 0 < port < 65536
        assert server.url == f"ws://127.0.0.1:{port}"
        assert first["time"]
        assert server.stop() == 0


def test_path_is_part_of_the_listening_url() -> None:
    """listen --path /chat announces ws://127.0.0.1:PORT/chat."""
    with listening("--path", "/chat", "--jsonl") as server:
        assert server.url.startswith("ws://127.0.0.1:")
        assert server.url.endswith("/chat")
        assert json.loads(server.stdout.wait_for("listening"))["url"] == server.url
        assert server.stop() == 0


def test_quiet_keeps_the_listening_line_and_drops_status_lines() -> None:
    """listen -q still prints the listening line, but no connect or close lines."""
    with listening("-q") as server:

        async def session() -> None:
            async with client(server.url) as ws:
                await ws.send("quiet hello")
                await line(server.stdout, "quiet hello")

        run(session())
        assert server.stop() == 0
        assert server.stderr.rest() == f"wscli: listening on {server.url}\n"
        assert server.stdout.rest() == "quiet hello\n"


# Many clients, --jsonl


def test_concurrent_clients_each_get_their_own_id() -> None:
    """With --jsonl, five concurrent clients get ids 1..5 in accept order; each message
    appears once with its sender's id, and each id has one open and one close event."""
    count, per_client = 5, 4
    with listening("--jsonl") as server:

        async def one(index: int) -> int:
            async with client(server.url) as ws:
                for number in range(per_client):
                    await ws.send(f"client {index} message {number}")
                return port_of(ws)

        async def session() -> list[int]:
            return await asyncio.gather(*(one(index) for index in range(count)))

        ports = run(session())
        for _ in range(count):
            server.stdout.wait_for('"event":"close"')
        events = json_events(server.stdout)
        assert server.stop() == 0

    opens = [event for event in events if event["event"] == "open"]
    assert [event["id"] for event in opens] == list(range(1, count + 1))
    id_of_port = {int(event["remote"].rsplit(":", 1)[1]): event["id"] for event in opens}
    assert sorted(id_of_port) == sorted(ports)
    for event in opens:
        assert event["remote"].startswith("127.0.0.1:")
        assert event["url"] == server.url + "/"

    messages = [event for event in events if event["event"] == "message"]
    assert all(event["direction"] == "in" for event in messages)
    texts = [event["text"] for event in messages]
    assert len(texts) == len(set(texts)) == count * per_client
    for index, port in enumerate(ports):
        mine = [event for event in messages if event["text"].startswith(f"client {index} ")]
        assert [event["text"] for event in mine] == [
            f"client {index} message {number}" for number in range(per_client)
        ]
        assert {event["id"] for event in mine} == {id_of_port[port]}

    closes = [event for event in events if event["event"] == "close"]
    assert sorted(event["id"] for event in closes) == list(range(1, count + 1))
    for event in closes:
        assert (event["code"], event["initiated_by"], event["was_clean"]) == (
            1000,
            "client",
            True,
        )


# Default mode: stdin to every client


def test_stdin_lines_reach_every_client_in_order() -> None:
    """In the default mode, each stdin line is sent to every connected client, in order."""
    with listening() as server:

        async def session() -> tuple[list[Any], list[Any]]:
            async with client(server.url) as first, client(server.url) as second:
                await line(server.stderr, "client 2 connected")
                server.send_stdin("a\nb\n")
                got_first = [await first.recv(), await first.recv()]
                got_second = [await second.recv(), await second.recv()]
                return got_first, got_second

        assert run(session()) == (["a", "b"], ["a", "b"])
        assert server.stop() == 0


def test_jsonl_shows_stdin_lines_as_out_messages() -> None:
    """With --jsonl, a stdin line sent to a client is a message event with direction "out"."""
    with listening("--jsonl") as server:

        async def session() -> Any:
            async with client(server.url) as ws:
                await line(server.stderr, "client 1 connected")
                server.send_stdin("to the client\n")
                return await ws.recv()

        assert run(session()) == "to the client"
        out = json.loads(server.stdout.wait_for('"direction":"out"'))
        assert out["event"] == "message"
        assert (out["id"], out["type"], out["text"]) == (1, "text", "to the client")
        assert out["size"] == len("to the client")
        assert server.stop() == 0


def test_stdin_line_without_clients_and_stdin_eof_keep_serving() -> None:
    """A stdin line with no client connected gives "stdin line 1 not sent"; stdin's EOF
    does not stop the server: a client connecting afterwards is still served."""
    with listening() as server:
        server.send_stdin("nobody hears this\n")
        assert (
            server.stderr.wait_for("not sent")
            == "wscli: stdin line 1 not sent: no client is connected\n"
        )
        server.close_stdin()

        async def session() -> None:
            async with client(server.url) as ws:
                await ws.send("after EOF")
                await line(server.stdout, "after EOF")

        run(session())
        assert server.process.poll() is None
        assert server.stop() == 0
        assert server.stdout.rest() == "after EOF\n"


def test_bad_hex_stdin_line_exits_2_after_sending_the_earlier_lines() -> None:
    """With --input-format hex, a line that is not hex exits 2 with an error line; the
    lines before it were sent, and connected clients are closed with 1001."""
    with listening("--input-format", "hex") as server:

        async def session() -> tuple[Any, int | None]:
            async with client(server.url) as ws:
                await line(server.stderr, "client 1 connected")
                server.send_stdin("6869\nnot hex\n")
                first = await ws.recv()
                return first, await closed_code(ws)

        assert run(session()) == (b"hi", 1001)
        assert server.wait() == 2
        errors = [text for text in server.stderr.rest().splitlines() if "error" in text]
        assert len(errors) == 1 and errors[0].startswith("wscli: error:"), errors
        assert "line 2" in errors[0], errors


# Plain output


@pytest.mark.parametrize(
    ("args", "shown"),
    [((), "00ff6162"), (("--binary-as", "base64"), "AP9hYg==")],
    ids=["hex", "base64"],
)
def test_plain_output_text_as_is_and_binary_encoded(args: tuple[str, ...], shown: str) -> None:
    """Without --jsonl, a text message is written as is and a binary one as hex (default)
    or base64 (--binary-as base64), one line each, with no "[N] " prefix on a pipe."""
    with listening(*args) as server:

        async def session() -> None:
            async with client(server.url) as ws:
                await ws.send("héllo wörld")
                await ws.send(b"\x00\xffab")
                await line(server.stdout, shown)

        run(session())
        assert server.stop() == 0
        assert server.stdout.rest() == f"héllo wörld\n{shown}\n"


# --echo and --broadcast


def test_echo_returns_text_and_exact_bytes_to_the_sender_only() -> None:
    """--echo sends a text message back as text and a binary one as the same bytes
    (non-UTF-8 included), to the sender only: another client receives nothing."""
    with listening("--echo") as server:

        async def session() -> tuple[list[Any], Any]:
            async with client(server.url) as sender, client(server.url) as other:
                await line(server.stderr, "client 2 connected")
                await sender.send("text ✓")
                await sender.send(b"\x80\xff\x00\xc3")
                echoed = [await sender.recv(), await sender.recv()]
                await other.send("other's own")
                return echoed, await other.recv()

        echoed, other_got = run(session())
        assert echoed == ["text ✓", b"\x80\xff\x00\xc3"]
        assert isinstance(echoed[0], str) and isinstance(echoed[1], bytes)
        assert other_got == "other's own"  # the first thing it received: not the sender's
        assert server.stop() == 0


def test_broadcast_relays_to_every_other_client() -> None:
    """--broadcast relays a message from one client to all the others, not to its sender."""
    with listening("--broadcast") as server:

        async def session() -> dict[str, list[Any]]:
            async with (
                client(server.url) as a,
                client(server.url) as b,
                client(server.url) as c,
            ):
                await line(server.stderr, "client 3 connected")
                await a.send("from a")
                got: dict[str, list[Any]] = {"b": [await b.recv()], "c": [await c.recv()]}
                await b.send(b"\x01from b")
                got["a"] = [await a.recv()]  # the first thing a receives: not its own
                got["c"].append(await c.recv())
                await c.send("from c")
                got["a"].append(await a.recv())
                got["b"].append(await b.recv())  # not its own "from b"
                return got

        assert run(session()) == {
            "a": [b"\x01from b", "from c"],
            "b": ["from a", "from c"],
            "c": ["from a", b"\x01from b"],
        }
        assert server.stop() == 0


# Shutdown


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_closes_clients_with_1001_and_exits_0(signum: int) -> None:
    """SIGTERM or SIGINT closes every connected client with 1001 (Going Away), and
    listen exits 0 after reporting each close on stderr."""
    with listening() as server:

        async def session() -> tuple[list[int | None], int]:
            async with client(server.url) as first, client(server.url) as second:
                await line(server.stderr, "client 2 connected")
                status = await asyncio.to_thread(server.stop, signum)
                return [await closed_code(first), await closed_code(second)], status

        codes, status = run(session())
        assert codes == [1001, 1001]
        assert status == 0
        stderr = server.stderr.rest()
        for conn_id in (1, 2):
            assert (
                f"wscli: client {conn_id} closed by wscli: 1001 (Going Away), wasClean=true\n"
                in stderr
            ), stderr


# --once


@pytest.mark.parametrize(("code", "status"), [(1000, 0), (1001, 0), (4000, 8), (1011, 8)])
def test_once_exits_with_the_status_of_the_close_code(code: int, status: int) -> None:
    """listen --once exits when its connection closes, with the close code's status:
    1000/1001 -> 0, an application or error code (4000, 1011) -> 8."""
    with listening("--once") as server:

        async def session() -> None:
            async with client(server.url) as ws:
                await ws.send("only one")
                await line(server.stdout, "only one")
                await ws.close(code)

        run(session())
        assert server.wait() == status, server.stderr.rest()
        assert f"client 1 closed by the client: {code} (" in server.stderr.rest()


def test_once_refuses_a_second_client_with_1013() -> None:
    """listen --once closes a second connection at once with 1013 "try again later",
    keeps serving the first, and exits 0 when the first closes with 1000."""
    with listening("--once") as server:

        async def session() -> tuple[int | None, str | None]:
            async with client(server.url) as first:
                await line(server.stderr, "client 1 connected")
                async with client(server.url) as second:
                    code = await closed_code(second)
                    reason = second.close_reason
                await first.send("first still served")
                await line(server.stdout, "first still served")
                return code, reason

        assert run(session()) == (1013, "try again later")
        assert server.wait() == 0
        stderr = server.stderr.rest()
        assert "client 1 closed by the client: 1000 (Normal Closure), wasClean=true" in stderr


def test_once_exits_7_when_the_client_drops_the_connection() -> None:
    """listen --once exits 7 when its client drops TCP without a close frame (1006)."""
    with listening("--once") as server:

        async def session() -> None:
            async with client(server.url) as ws:
                await ws.send("about to vanish")
                await line(server.stdout, "about to vanish")
                ws.transport.abort()

        run(session())
        assert server.wait() == 7
        stderr = server.stderr.rest()
        closed = [text for text in stderr.splitlines() if "client 1 closed" in text]
        assert len(closed) == 1 and "1006" in closed[0], stderr


# Status lines


def test_connect_and_close_status_lines() -> None:
    """The status lines name the client's id, remote address and path, and how it closed."""
    with listening("--path", "/chat") as server:

        async def session() -> int:
            async with client(server.url) as ws:
                await ws.send("hi")
                await line(server.stdout, "hi")
                return port_of(ws)

        port = run(session())
        closed = server.stderr.wait_for("closed")
        assert server.stop() == 0
        assert f"wscli: client 1 connected from 127.0.0.1:{port} to /chat\n" in (
            server.stderr.lines
        )
        assert closed == (
            "wscli: client 1 closed by the client: 1000 (Normal Closure), wasClean=true\n"
        )


def test_status_line_shows_subprotocol_and_query() -> None:
    """The connect line shows the request path with its query and the chosen subprotocol."""
    with listening("-s", "chat.v1") as server:

        async def session() -> int:
            async with connect(
                server.url + "/room?x=1", subprotocols=["chat.v1"], compression=None
            ) as ws:
                assert ws.subprotocol == "chat.v1"
                return port_of(ws)

        port = run(session())
        assert server.stderr.wait_for("connected") == (
            f"wscli: client 1 connected from 127.0.0.1:{port} to /room?x=1 (protocol: chat.v1)\n"
        )
        assert server.stop() == 0


# Output and connection options


def test_verbose_shows_each_clients_request_headers() -> None:
    """-v prints each client's request headers on stderr, its credentials masked."""
    with listening("-v", "--echo") as server:

        async def scenario() -> None:
            headers = {"X-Trace": "abc123", "Authorization": "Bearer s3cret"}
            async with connect(server.url, additional_headers=headers) as ws:
                await ws.send("hi")
                assert await ws.recv() == "hi"

        run(scenario())
        server.stderr.wait_for("client 1 closed")
        assert server.stop() == 0
    stderr = "".join(server.stderr.lines)
    assert "client 1 request headers:" in stderr
    assert "X-Trace: abc123" in stderr
    assert "s3cret" not in stderr


def test_timestamps_prefix_received_messages() -> None:
    """-t prefixes each received message on stdout with its UTC time."""
    with listening("-t") as server:

        async def scenario() -> None:
            async with client(server.url) as ws:
                await ws.send("stamped")

        run(scenario())
        out = server.stdout.wait_for("stamped")
        assert server.stop() == 0
    stamp, text = out.rstrip("\n").split(" ", 1)
    assert text == "stamped"
    assert stamp.endswith("Z") and "T" in stamp and stamp.startswith("20")


def test_no_compression_refuses_permessage_deflate() -> None:
    """--no-compression: a client offering permessage-deflate gets no extension; without
    it, the extension is negotiated."""

    async def extensions(url: str) -> str:
        async with connect(url) as ws:  # offers permessage-deflate
            assert ws.response is not None
            return ws.response.headers.get("Sec-WebSocket-Extensions", "")

    with listening("--no-compression") as server:
        assert run(extensions(server.url)) == ""
        assert server.stop() == 0
    with listening() as server:
        assert "permessage-deflate" in run(extensions(server.url))
        assert server.stop() == 0


def test_permessage_deflate_is_negotiated_as_websockets_server_does() -> None:
    """listen's permessage-deflate answers as websockets' server with compression on
    (window bits 12), and its zlib state, made at a connection's first message, carries
    a conversation over context takeover and without it."""
    offers = {
        "takeover": ClientPerMessageDeflateFactory(client_max_window_bits=True),
        "no takeover": ClientPerMessageDeflateFactory(
            client_max_window_bits=True,
            client_no_context_takeover=True,
            server_no_context_takeover=True,
        ),
    }

    async def conversation(
        url: str, offer: ClientPerMessageDeflateFactory
    ) -> tuple[str, list[str]]:
        async with connect(url, extensions=[offer], compression=None) as ws:
            assert ws.response is not None
            echoes = []
            for number in range(5):
                await ws.send("compressible " * 50 + str(number))
                echoes.append(await ws.recv())
            return ws.response.headers.get("Sec-WebSocket-Extensions", ""), echoes

    expected = ["compressible " * 50 + str(number) for number in range(5)]
    with listening("--echo") as server:
        header, echoes = run(conversation(server.url, offers["takeover"]))
        assert header == "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"
        assert echoes == expected
        header, echoes = run(conversation(server.url, offers["no takeover"]))
        assert "server_no_context_takeover" in header and "client_no_context_takeover" in header
        assert echoes == expected
        assert server.stop() == 0


def test_ping_interval_pings_clients_and_show_ping_pong_reports_it() -> None:
    """--ping-interval makes the server ping each client; -P shows the ping sent and the
    client's pong on stderr, labelled with the client's id."""
    with listening("--ping-interval", "0.2", "-P") as server:

        async def scenario() -> None:
            async with client(server.url):
                # The client answers pings by itself; wait until wscli reports a pong.
                await line(server.stderr, "client 1: < pong")

        run(scenario())
        assert server.stop() == 0
    stderr = "".join(server.stderr.lines)
    assert "client 1: > ping" in stderr
