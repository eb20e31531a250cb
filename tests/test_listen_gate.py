"""wscli listen's HTTP gate and options: the console page, /healthz, --path, --auth, --origin,
--max-connections, subprotocols, --max-size, TLS, start-up errors, and robustness against
clients that misbehave. Real wscli processes, real sockets on 127.0.0.1."""

import asyncio
import base64
import http.client
import json
import re
import signal
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import TIMEOUT, Result, run_wscli
from tests.listening import Listening, listening
from tests.tls import TlsFiles, make_tls

# Helpers


@dataclass
class Reply:
    """A plain HTTP response."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


def http_get(
    url: str,
    path: str = "/",
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> Reply:
    """A plain GET of ``path`` on the server at ``url`` (ws://, wss://, http:// or https://)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    connection: http.client.HTTPConnection
    if parts.scheme in ("wss", "https"):
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=TIMEOUT, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def port_of(server: Listening) -> int:
    port = urlsplit(server.url).port
    assert port is not None
    return port


def at_path(server: Listening, path: str) -> str:
    """The server's ws:// URL with another path."""
    parts = urlsplit(server.url)
    return f"{parts.scheme}://{parts.netloc}{path}"


def open_client(url: str, **kwargs: Any) -> connect:
    """websockets' client, never through a proxy, with the suite's timeout."""
    return connect(url, proxy=None, open_timeout=TIMEOUT, **kwargs)


async def refusal(url: str, **kwargs: Any) -> InvalidStatus:
    """Open a handshake that the server must refuse; return the refusal."""
    with pytest.raises(InvalidStatus) as info:
        async with open_client(url, **kwargs):
            pass
    return info.value


async def refused_with(url: str, **kwargs: Any) -> int:
    """The HTTP status with which the server refuses the handshake."""
    return (await refusal(url, **kwargs)).response.status_code


async def round_trip(ws: ClientConnection, data: str | bytes) -> str | bytes:
    """Send ``data`` and return the next message (the echo)."""
    await ws.send(data)
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


async def echoed(url: str, text: str = "hello", **kwargs: Any) -> str | bytes:
    """Connect, send ``text``, return the reply (with --echo: ``text``)."""
    async with open_client(url, **kwargs) as ws:
        return await round_trip(ws, text)


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("wscli: error:")]


def single_error(result: Result) -> str:
    """The one ``wscli: error:`` line of a failed start; stdout empty, no traceback."""
    assert "Traceback" not in result.stderr
    assert result.stdout == b""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines == error_lines(result), result.stderr
    return lines[0]


# The console page, /healthz, --path

_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_get_root_serves_self_contained_console_page() -> None:
    """GET / answers 200 text/html, the "wscli console" page, loading nothing from elsewhere."""
    with listening("--echo") as server:
        reply = http_get(server.url)
    assert reply.status == 200
    assert reply.headers.get_content_type() == "text/html"
    page = reply.body.decode("utf-8")
    assert "<title>wscli console</title>" in page
    assert not _EXTERNAL.search(page)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert "@import" not in page


def test_no_page_answers_426_on_plain_get() -> None:
    """With --no-page, GET / is not the page: websockets answers 426 Upgrade Required."""
    with listening("--echo", "--no-page") as server:
        reply = http_get(server.url)
        assert asyncio.run(echoed(server.url)) == "hello"
    assert reply.status == 426
    assert b"wscli console" not in reply.body


def test_healthz_answers_ok() -> None:
    """GET /healthz answers 200 with the body "ok\\n", with or without --path and --auth."""
    with listening("--path", "/ws", "--auth", "user:pw") as server:
        reply = http_get(server.url, "/healthz")
    assert reply.status == 200
    assert reply.body == b"ok\n"


def test_path_routes_handshakes_and_page_embeds_it() -> None:
    """With --path /ws, a handshake on /other gets 404, one on /ws connects, and GET /
    still serves the page, which connects back to /ws."""
    with listening("--echo", "--path", "/ws") as server:
        assert server.url.endswith("/ws")
        assert asyncio.run(refused_with(at_path(server, "/other"))) == 404
        assert asyncio.run(echoed(server.url)) == "hello"
        line = server.stderr.wait_for("client 1 connected")
        reply = http_get(server.url, "/")
    assert "to /ws" in line
    assert reply.status == 200
    page = reply.body.decode()
    assert "wscli console" in page and '"/ws"' in page


# --auth


def test_auth_refuses_missing_and_wrong_credentials() -> None:
    """--auth: a handshake without credentials or with wrong ones gets 401 with
    WWW-Authenticate: Basic; so does GET / (the page) without credentials."""
    with listening("--echo", "--auth", "user:pw") as server:
        missing = asyncio.run(refusal(server.url))
        wrong = asyncio.run(refusal(server.url, additional_headers=basic("user:nope")))
        page = http_get(server.url, "/")
        page_ok = http_get(server.url, "/", headers=basic("user:pw"))
        status = server.stop()
    assert status == 0
    for refused in (missing, wrong):
        assert refused.response.status_code == 401
        assert refused.response.headers["WWW-Authenticate"].startswith("Basic")
    assert page.status == 401
    assert page.headers["WWW-Authenticate"].startswith("Basic")
    assert b"wscli console" not in page.body
    assert page_ok.status == 200 and b"wscli console" in page_ok.body


@pytest.mark.parametrize("how", ["userinfo", "header"])
def test_auth_admits_right_credentials(how: str) -> None:
    """--auth user:pw admits a client giving user:pw in the URL or in an Authorization header."""
    with listening("--echo", "--auth", "user:pw") as server:
        if how == "userinfo":
            url = server.url.replace("ws://", "ws://user:pw@")
            reply = asyncio.run(echoed(url))
        else:
            reply = asyncio.run(echoed(server.url, additional_headers=basic("user:pw")))
        server.stderr.wait_for("client 1 connected")
    assert reply == "hello"


def test_auth_with_wscli_client() -> None:
    """wscli send --auth user:pw talks to listen --auth user:pw; without --auth it exits 4
    with 401 in its error line."""
    with listening("--echo", "--auth", "user:pw") as server:
        good = run_wscli("send", server.url, "hi", "--auth", "user:pw", "--count", "1")
        bad = run_wscli("send", server.url, "hi", "--count", "1", expect=4)
    assert good.lines == ["hi"]
    assert len(error_lines(bad)) == 1 and "401" in error_lines(bad)[0]
    assert bad.stdout == b""


# --origin


def test_origin_allow_list() -> None:
    """--origin http://ok.test admits that Origin, no Origin and the server's own origin;
    Origin http://evil.test gets 403."""
    with listening("--echo", "--origin", "http://ok.test") as server:
        own = f"http://127.0.0.1:{port_of(server)}"
        assert asyncio.run(echoed(server.url, origin="http://ok.test")) == "hello"
        assert asyncio.run(echoed(server.url)) == "hello"
        assert asyncio.run(echoed(server.url, origin=own)) == "hello"
        assert asyncio.run(refused_with(server.url, origin="http://evil.test")) == 403
        server.stderr.wait_for("client 3 connected")
        assert server.stop() == 0
    assert "client 4" not in server.stderr.rest()


def test_any_origin_without_origin_option() -> None:
    """Without --origin (and without --exec), any Origin is admitted."""
    with listening("--echo") as server:
        assert asyncio.run(echoed(server.url, origin="http://evil.test")) == "hello"


# --max-connections


def test_max_connections_refuses_then_frees_a_slot() -> None:
    """--max-connections 2: a third concurrent client gets 503; once a client has left
    (its close line printed), a new one is admitted."""

    async def scenario(server: Listening) -> None:
        async with open_client(server.url) as first, open_client(server.url) as second:
            assert await round_trip(first, "one") == "one"
            assert await round_trip(second, "two") == "two"
            refused = await refusal(server.url)
            assert refused.response.status_code == 503
            await first.close()
            await asyncio.to_thread(server.stderr.wait_for, "client 1 closed")
            async with open_client(server.url) as third:
                assert await round_trip(third, "three") == "three"
            assert await round_trip(second, "still") == "still"

    with listening("--echo", "--max-connections", "2") as server:
        asyncio.run(scenario(server))
        line = server.stderr.wait_for("client 3 connected")  # the refused one got no id
        assert server.stop() == 0
    assert "client 3 connected" in line
    assert "client 4" not in server.stderr.rest()


# Subprotocols


def test_subprotocol_is_the_clients_first_supported() -> None:
    """-s chat -s json: a client offering json, chat gets json (its first supported one),
    and the --jsonl open event names it; offering only x connects with no subprotocol."""

    async def scenario(url: str) -> tuple[str | None, str | None]:
        async with open_client(url, subprotocols=["json", "chat"]) as ws:
            picked = ws.subprotocol
        async with open_client(url, subprotocols=["x"]) as ws:
            none = ws.subprotocol
        return picked, none

    with listening("--echo", "--jsonl", "-s", "chat", "-s", "json") as server:
        picked, none = asyncio.run(scenario(server.url))
        first = json.loads(server.stdout.wait_for('"event":"open"'))
        second = json.loads(server.stdout.wait_for('"event":"open"'))
        line = server.stderr.wait_for("client 1 connected")
    assert picked == "json" and none is None
    assert (first["id"], first["protocol"]) == (1, "json")
    assert (second["id"], second["protocol"]) == (2, "")
    assert "(protocol: json" in line


def test_require_subprotocol_refuses_with_400() -> None:
    """-s chat --require-subprotocol: a client offering only x gets 400, one offering
    nothing too; one offering chat connects."""

    async def scenario(url: str) -> tuple[int, int, str | None]:
        offered_x = await refused_with(url, subprotocols=["x"])
        offered_none = await refused_with(url)
        async with open_client(url, subprotocols=["x", "chat"]) as ws:
            return offered_x, offered_none, ws.subprotocol

    with listening("--echo", "--jsonl", "-s", "chat", "--require-subprotocol") as server:
        offered_x, offered_none, picked = asyncio.run(scenario(server.url))
        opened = json.loads(server.stdout.wait_for('"event":"open"'))
    assert (offered_x, offered_none, picked) == (400, 400, "chat")
    assert (opened["id"], opened["protocol"]) == (1, "chat")


# --max-size


def test_max_size_closes_only_the_offender_with_1009() -> None:
    """--max-size 1k: a client sending 2000 bytes is closed with 1009 (Message Too Big);
    another client connected at the same time keeps echoing."""

    async def scenario(url: str) -> int | None:
        async with open_client(url) as big, open_client(url) as small:
            assert await round_trip(small, "before") == "before"
            await big.send("x" * 2000)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(big.recv(), TIMEOUT)
            assert await round_trip(small, "after") == "after"
            assert await round_trip(small, b"\x01\x02") == b"\x01\x02"
            return big.close_code

    with listening("--echo", "--max-size", "1k") as server:
        code = asyncio.run(scenario(server.url))
        problem = server.stderr.wait_for("client 1:")
        closed = server.stderr.wait_for("client 1 closed")
    assert code == 1009
    assert "--max-size" in problem
    assert "closed by wscli" in closed and "1009 (Message Too Big)" in closed


# TLS


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("listen-tls"))


@pytest.fixture(scope="module")
def server_pem(tls: TlsFiles) -> tuple[str, str]:
    """The server certificate (127.0.0.1, localhost) and its key, as --cert and --key files."""
    directory = Path(tls.ca_file).parent
    cert, key = directory / "server.pem", directory / "server.key"
    cert.write_bytes(b"".join(pem.bytes() for pem in tls.server_cert.cert_chain_pems))
    key.write_bytes(tls.server_cert.private_key_pem.bytes())
    return str(cert), str(key)


@pytest.fixture
def tls_listening(server_pem: tuple[str, str]) -> Iterator[Listening]:
    cert, key = server_pem
    with listening("--echo", "--cert", cert, "--key", key) as server:
        yield server


def client_context(tls: TlsFiles) -> ssl.SSLContext:
    context = ssl.create_default_context()
    tls.ca.configure_trust(context)
    return context


def test_tls_serves_wss(tls: TlsFiles, tls_listening: Listening) -> None:
    """--cert/--key: the URL is wss://, and a client trusting the CA gets its echo."""
    assert tls_listening.url.startswith("wss://127.0.0.1:")
    reply = asyncio.run(echoed(tls_listening.url, ssl=client_context(tls)))
    assert reply == "hello"


def test_tls_with_wscli_client(tls: TlsFiles, tls_listening: Listening) -> None:
    """wscli send --ca CA talks to listen --cert/--key over wss://."""
    result = run_wscli("send", tls_listening.url, "hi", "--ca", tls.ca_file, "--count", "1")
    assert result.lines == ["hi"]


def test_tls_healthz_over_https(tls: TlsFiles, tls_listening: Listening) -> None:
    """With TLS, GET /healthz over https:// answers 200 "ok\\n"."""
    reply = http_get(tls_listening.http_url, "/healthz", context=client_context(tls))
    assert (reply.status, reply.body) == (200, b"ok\n")


def test_cert_without_key_exits_2(server_pem: tuple[str, str]) -> None:
    """--cert without --key is a usage error: exit 2, one error line."""
    result = run_wscli("listen", "0", "--cert", server_pem[0], expect=2, input=b"")
    assert "--key" in single_error(result)


def test_missing_cert_file_exits_2(tmp_path: Path, server_pem: tuple[str, str]) -> None:
    """--cert naming a missing file: exit 2 with one error line naming the file."""
    missing = str(tmp_path / "missing.pem")
    result = run_wscli(
        "listen", "0", "--cert", missing, "--key", server_pem[1], expect=2, input=b""
    )
    line = single_error(result)
    assert "missing.pem" in line and "--cert" in line


def test_missing_key_file_is_named(tmp_path: Path, server_pem: tuple[str, str]) -> None:
    """--key naming a missing file: exit 2 with one error line naming that key file (not
    the certificate, which exists)."""
    missing = str(tmp_path / "missing.key")
    result = run_wscli(
        "listen", "0", "--cert", server_pem[0], "--key", missing, expect=2, input=b""
    )
    line = single_error(result)
    assert "missing.key" in line
    assert f"No such file or directory: {server_pem[0]}" not in line


def test_unusable_cert_file_exits_5(tmp_path: Path) -> None:
    """--cert/--key files that hold no PEM: a TLS failure, exit 5, one error line."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    result = run_wscli("listen", "0", "--cert", str(junk), "--key", str(junk), expect=5, input=b"")
    assert "--cert" in single_error(result)


# Start-up errors


def test_port_in_use_exits_3() -> None:
    """A port already taken: exit 3, "the address is already in use", one error line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_wscli("listen", str(port), expect=3, input=b"")
    line = single_error(result)
    assert f"127.0.0.1:{port}" in line and "address is already in use" in line


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--path", "ws"], "--path"),
        (["--exec", "cat", "--echo"], "--exec"),
        (["--require-subprotocol"], "-s"),
    ],
    ids=["path-without-slash", "exec-with-echo", "require-without-s"],
)
def test_bad_option_combinations_exit_2(args: list[str], needle: str) -> None:
    """Contradictory or malformed listen options: exit 2, one error line, no traceback."""
    result = run_wscli("listen", "0", *args, expect=2, input=b"")
    assert needle in single_error(result)


# Robustness


_HANDSHAKE = (
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def test_misbehaving_clients_do_not_disturb_others() -> None:
    """--echo: a client sending garbage, one vanishing in the middle of a frame, and one
    that never sends its handshake leave a normal client echoing and the server accepting;
    SIGTERM then closes the normal client with 1001 and exits 0."""

    async def scenario(server: Listening) -> int | None:
        port = port_of(server)
        async with open_client(server.url) as normal:
            assert await round_trip(normal, "first") == "first"
            server.stderr.wait_for("client 1 connected")

            # Never sends a handshake: stays open for the whole test.
            _, silent = await asyncio.open_connection("127.0.0.1", port)

            # Garbage instead of HTTP: refused and dropped.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"\x00\xff\x13garbage\r\n\x16\x03\x01\r\n\r\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
            assert not answer.startswith(b"HTTP/1.1 101")
            assert await round_trip(normal, "after garbage") == "after garbage"

            # A real handshake, then half a frame, then gone.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(_HANDSHAKE.format(port=port).encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            assert head.startswith(b"HTTP/1.1 101")
            # FIN + text, masked, 100 bytes announced; mask and 10 bytes sent.
            writer.write(b"\x81\xe4" + b"\x01\x02\x03\x04" + b"0123456789")
            await writer.drain()
            writer.transport.abort()
            gone = await asyncio.to_thread(server.stderr.wait_for, "client 2 closed")
            assert "1006" in gone
            assert await round_trip(normal, "after half") == "after half"

            # Still accepting while the silent one waits.
            assert await echoed(server.url, "newcomer") == "newcomer"
            assert await round_trip(normal, "last") == "last"

            silent.close()  # (a stalled handshake at shutdown: see the next test)
            await silent.wait_closed()
            assert await asyncio.to_thread(server.stop, signal.SIGTERM) == 0
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(normal.recv(), TIMEOUT)
            return normal.close_code

    with listening("--echo") as server:
        code = asyncio.run(scenario(server))
        stderr = server.stderr.rest()
        stdout = server.stdout.rest()
    assert code == 1001
    assert "client 3 connected" in stderr and "client 4" not in stderr
    assert "Traceback" not in stderr
    assert stdout.splitlines() == [
        "first",
        "after garbage",
        "after half",
        "newcomer",
        "last",
    ]


def test_sigterm_exits_promptly_despite_a_stalled_handshake() -> None:
    """A client that connected but never sent its handshake does not hold up SIGTERM:
    wscli closes the open clients with 1001 and exits 0 at once, not after the server's
    10-second handshake timeout."""

    async def scenario(server: Listening) -> tuple[int, float, int | None]:
        port = port_of(server)
        async with open_client(server.url) as normal:
            assert await round_trip(normal, "hi") == "hi"
            _, silent = await asyncio.open_connection("127.0.0.1", port)
            try:
                assert await round_trip(normal, "still") == "still"
                started = time.monotonic()
                status = await asyncio.to_thread(server.stop, signal.SIGTERM)
                elapsed = time.monotonic() - started
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(normal.recv(), TIMEOUT)
            finally:
                silent.close()
            return status, elapsed, normal.close_code

    with listening("--echo") as server:
        status, elapsed, code = asyncio.run(scenario(server))
    assert (status, code) == (0, 1001)
    assert elapsed < 5.0, f"SIGTERM took {elapsed:.1f} s to exit"


async def _stalled_client(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that completes its handshake and then never reads: what is sent to it
    piles up in the kernel's buffers, then in wscli."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    writer.write(_HANDSHAKE.format(port=port).encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    assert head.startswith(b"HTTP/1.1 101")
    return reader, writer


def test_a_client_too_slow_for_a_broadcast_is_dropped_with_1008() -> None:
    """--broadcast to a client that stopped reading: once more than 16 MiB wait for it, it
    is closed with 1008 (too slow) instead of filling wscli's memory; the sender is not
    disturbed."""
    with listening("--broadcast", "--no-compression", "--ping-interval", "0") as server:
        port = port_of(server)

        async def scenario() -> None:
            _, stalled = await _stalled_client(port)
            async with open_client(server.url, compression=None) as sender:
                chunk = b"x" * (1024 * 1024)
                for _ in range(40):
                    await sender.send(chunk)
                line = await asyncio.to_thread(server.stderr.wait_for, "client 1 closed")
                assert "1008" in line and "too slow" in line
                await sender.ping()  # the sender's connection is fine
            stalled.transport.abort()

        asyncio.run(scenario())
        assert server.stop() == 0


def test_sigterm_exits_promptly_despite_a_client_that_stopped_reading() -> None:
    """SIGTERM with megabytes queued for a client that stopped reading: wscli gives them a
    moment, then closes (or drops) the connection and exits 0 (it does not wait for a
    queue that never drains)."""
    with listening("--no-compression", "--ping-interval", "0") as server:
        port = port_of(server)

        async def scenario() -> int:
            _, stalled = await _stalled_client(port)
            await asyncio.to_thread(server.stderr.wait_for, "client 1 connected")
            for _ in range(8):  # 8 MiB through stdin to every client
                await asyncio.to_thread(server.send_stdin, "y" * (1024 * 1024) + "\n")
            try:  # before the fix, wscli waited for the queue to drain: forever
                return await asyncio.to_thread(server.stop, signal.SIGTERM)
            finally:
                stalled.transport.abort()

        assert asyncio.run(scenario()) == 0


def test_ping_timeout_drops_a_client_that_never_answers_pings() -> None:
    """--ping-interval/--ping-timeout: a client that never answers the keepalive ping is
    dropped with 1011, and the line says why."""
    with listening("--ping-interval", "0.2", "--ping-timeout", "0.3") as server:
        port = port_of(server)

        async def scenario() -> str:
            _, stalled = await _stalled_client(port)  # reads nothing: no pong ever
            try:
                return await asyncio.to_thread(server.stderr.wait_for, "client 1 closed")
            finally:
                stalled.transport.abort()

        line = asyncio.run(scenario())
        assert "1011" in line
        assert "keepalive" in "".join(server.stderr.lines)
        assert server.stop() == 0
