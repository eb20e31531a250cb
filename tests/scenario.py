"""A websockets scenario server run in a background thread, for tests of the real wscli.

The path picks the behaviour; query parameters tune it:

- ``/echo``: echo every message (text as text, binary as binary).
- ``/delay?ms=300``: echo, each answer ``ms`` after the previous answer (or after the message).
- ``/delay-each?ms=300``: echo, each answer ``ms`` after its own message arrived (a constant
  latency; 100,000 messages still finish in seconds).
- ``/close?code=4001&reason=bye&after=1``: close with code/reason after ``after`` messages
  (0: right after the handshake). ``code=none`` sends an empty close frame.
- ``/abort?after=1``: drop TCP (no close frame) after ``after`` messages.
- ``/reject?status=403&body=go+away``: refuse the handshake with that HTTP status.
- ``/proto``: needs a subprotocol; picks the first of ``chat.v2``, ``chat.v1`` offered.
- ``/ping?data=srv``: the server pings the client after the handshake, then echoes.
- ``/pong?data=unsolicited``: the server sends an unsolicited pong, then echoes.
- ``/big?size=N``: send one binary message of N bytes, then echo.
- ``/bad-utf8``: send a text frame that is not valid UTF-8.
- ``/headers``: send the request headers as one JSON text message, then echo.
- ``/silent-close``: read nothing after the handshake, so the client's close
  frame is never answered; drop TCP after 3 s.
- ``/burst?n=10``: send n text messages ``m0``...``m{n-1}``, then echo.
- ``/one-write?n=100&binary=3``: the same n messages in one TCP write (so in one read of
  the client's), ``m{binary}`` as a binary message if given, then echo.
- ``/slow-reader?ms=50``: read one message every ``ms`` (for bufferedAmount).
- ``/stop-echo-on-close``: echo until the client's close frame (the default websockets way).
- ``/no-pong``: echo, but never answer a ping (for the client's --ping-timeout).
- ``/slow-echo?every=100&ms=5``: echo, pausing ``ms`` after every ``every`` messages (a
  server slower than the client: a backlog builds up, and the pongs wait behind it).
- ``/trickle-no-pong?n=60&ms=25``: never answer a ping; send ``n`` messages ``t0``... one
  every ``ms``, then send nothing more (and read on).
- ``/slow-open?ms=500``: answer the opening handshake ``ms`` late, then echo (the client
  stays CONNECTING meanwhile).
- ``/sink``: record every message, never answer (``/echo`` may miss recording messages
  that arrive together with the client's close frame, when its echo fails).

On any path, each ``set-cookie=...`` query parameter becomes a ``Set-Cookie`` header of the
handshake's response (a 101 or a ``/reject``).

``ScenarioServer(unix_path=PATH)`` listens on that Unix-domain socket instead of TCP.

Everything the server received is recorded per connection in ``Connection`` objects.
"""

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve, unix_serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response

from tests.background import BackgroundLoop
from tests.timing import TIMEOUT as BASE_TIMEOUT

#: A test server starts and stops well within one of a test's waits.
TIMEOUT = BASE_TIMEOUT / 2


@dataclass
class Connection:
    """What one client did, as the server saw it."""

    path: str
    headers: list[tuple[str, str]]
    subprotocol: str | None
    messages: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str | None = None
    closed: threading.Event = field(default_factory=threading.Event)


class Recorder:
    """What a test server saw, one Connection each, and ways to wait for it."""

    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self._changed = threading.Condition()

    def wait_connections(self, count: int = 1, timeout: float = TIMEOUT) -> list[Connection]:
        """Wait until ``count`` connections have closed; return them."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: sum(c.closed.is_set() for c in self.connections) >= count, timeout
            )
        assert done, f"expected {count} closed connections, saw {self.connections}"
        return self.connections

    def last(self) -> Connection:
        return self.wait_connections(len(self.connections) or 1)[-1]


class ScenarioServer(Recorder, BackgroundLoop):
    """Start with ``with ScenarioServer() as server:``; ``server.url("/echo")``."""

    def __init__(
        self, *, ssl_context: object = None, port: int = 0, unix_path: str | None = None
    ) -> None:
        self.ssl_context = ssl_context
        self.unix_path = unix_path
        self._port_wanted = port
        Recorder.__init__(self)
        BackgroundLoop.__init__(self)
        self.requests: list[str] = []
        self.port = 0

    def url(self, path: str = "/echo") -> str:
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def wait_requests(self, count: int = 1, timeout: float = TIMEOUT) -> list[str]:
        """Wait until ``count`` handshake requests arrived (paths); return them."""
        with self._changed:
            done = self._changed.wait_for(lambda: len(self.requests) >= count, timeout)
        assert done, f"expected {count} handshake requests, saw {self.requests}"
        return self.requests

    async def _main(self) -> None:
        assert self._stop is not None
        options: dict[str, object] = dict(
            ssl=self.ssl_context,
            process_request=self._process_request,
            process_response=_set_cookies,
            select_subprotocol=_select_subprotocol,
            max_size=None,
            ping_interval=None,
        )
        async with (
            serve(self._handle, "127.0.0.1", self._port_wanted, **options)  # type: ignore[arg-type]
            if self.unix_path is None
            else unix_serve(self._handle, self.unix_path, **options)
        ) as server:
            if self.unix_path is None:
                self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()
            server.close(close_connections=False)
            for connection in list(server.connections):
                connection.transport.abort()

    async def _stopping(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less when the server stops."""
        assert self._stop is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), delay)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        with self._changed:
            self.requests.append(request.path)
            self._changed.notify_all()
        if parts.path == "/reject":
            query = parse_qs(parts.query)
            status = int(query.get("status", ["403"])[0])
            body = query.get("body", ["refused"])[0]
            response = connection.respond(status, body)
            return response
        if parts.path == "/proto" and "Sec-WebSocket-Protocol" not in request.headers:
            return connection.respond(400, "a subprotocol is required\n")
        if parts.path == "/slow-open":
            delay = float(parse_qs(parts.query).get("ms", ["500"])[0]) / 1000
            # websockets awaits an awaitable result; None then lets the handshake go on.
            return self._stopping(delay)  # type: ignore[return-value]
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        parts = urlsplit(ws.request.path if ws.request else "/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        record = Connection(
            path=parts.path,
            headers=list(ws.request.headers.raw_items()) if ws.request else [],
            subprotocol=ws.subprotocol,
        )
        with self._changed:
            self.connections.append(record)
        try:
            await self._behave(ws, parts.path, query, record)
        except ConnectionClosed:
            pass
        finally:
            await ws.wait_closed()
            record.close_code = ws.close_code
            record.close_reason = ws.close_reason
            record.closed.set()
            with self._changed:
                self._changed.notify_all()

    async def _behave(
        self, ws: ServerConnection, path: str, query: dict[str, str], record: Connection
    ) -> None:
        if path == "/close":
            after = int(query.get("after", "1"))
            for _ in range(after):
                record.messages.append(await ws.recv())
            code = query.get("code", "1000")
            if code == "none":
                await ws.close(code=None)  # type: ignore[arg-type]
            else:
                await ws.close(int(code), query.get("reason", ""))
            return
        if path == "/abort":
            for _ in range(int(query.get("after", "1"))):
                record.messages.append(await ws.recv())
            ws.transport.abort()
            return
        if path == "/ping":
            await ws.ping(query.get("data", "srv"))
        if path == "/pong":
            await ws.pong(query.get("data", "unsolicited"))
        if path == "/big":
            await ws.send(b"\x00" * int(query.get("size", "1000")))
        if path == "/bad-utf8":
            await ws.send(b"ok \xff\xfe", text=True)
        if path == "/headers":
            await ws.send(json.dumps(list(ws.request.headers.raw_items()) if ws.request else []))
        if path == "/burst":
            for index in range(int(query.get("n", "10"))):
                await ws.send(f"m{index}")
        if path == "/one-write":
            binary = int(query.get("binary", "-1"))
            for index in range(int(query.get("n", "100"))):
                if index == binary:
                    ws.protocol.send_binary(f"m{index}".encode())
                else:
                    ws.protocol.send_text(f"m{index}".encode())
            ws.send_data()
        if path == "/silent-close":
            # Stop reading: the client's messages and close frame are never seen nor
            # answered. Drop TCP after 3 s so the record closes.
            ws.transport.pause_reading()
            await self._stopping(3)
            ws.transport.abort()
            return
        if path == "/no-pong":
            ws.protocol.send_frame = without_pongs(ws.protocol.send_frame)  # type: ignore[method-assign]
        if path == "/trickle-no-pong":
            ws.protocol.send_frame = without_pongs(ws.protocol.send_frame)  # type: ignore[method-assign]
            for index in range(int(query.get("n", "60"))):
                await ws.send(f"t{index}")
                await asyncio.sleep(float(query.get("ms", "25")) / 1000)
            async for message in ws:
                record.messages.append(message)
            return
        if path == "/slow-echo":
            every, pause = int(query.get("every", "100")), float(query.get("ms", "5")) / 1000
            async for message in ws:
                record.messages.append(message)
                await ws.send(message)
                if len(record.messages) % every == 0:
                    await asyncio.sleep(pause)
            return
        if path == "/sink":
            async for message in ws:
                record.messages.append(message)
            return
        if path == "/slow-reader":
            pause = float(query.get("ms", "50")) / 1000
            async for message in ws:
                record.messages.append(message)
                await asyncio.sleep(pause)
            return
        if path == "/delay":
            await self._delayed_echo(ws, float(query.get("ms", "300")) / 1000, record)
            return
        if path == "/delay-each":
            await self._latency_echo(ws, float(query.get("ms", "300")) / 1000, record)
            return
        async for message in ws:
            record.messages.append(message)
            with contextlib.suppress(ConnectionClosed):
                await ws.send(message)  # keeps recording what is already buffered

    async def _delayed_echo(self, ws: ServerConnection, delay: float, record: Connection) -> None:
        """Answer each message ``delay`` after the previous answer (a slow, steady server)."""
        pending: asyncio.Queue[str | bytes] = asyncio.Queue()

        async def answer() -> None:
            while True:
                message = await pending.get()
                await asyncio.sleep(delay)
                await ws.send(message)

        answering = asyncio.create_task(answer())
        try:
            async for message in ws:
                record.messages.append(message)
                pending.put_nowait(message)
        finally:
            answering.cancel()

    async def _latency_echo(self, ws: ServerConnection, delay: float, record: Connection) -> None:
        """Answer each message ``delay`` after it arrived, in order (a server far away)."""
        loop = asyncio.get_running_loop()
        pending: asyncio.Queue[tuple[float, str | bytes]] = asyncio.Queue()

        async def answer() -> None:
            while True:
                due, message = await pending.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    await ws.send(message)
                except ConnectionClosed:
                    return  # the client closed first: the rest is never answered

        answering = asyncio.create_task(answer())
        try:
            async for message in ws:
                record.messages.append(message)
                pending.put_nowait((loop.time() + delay, message))
        finally:
            answering.cancel()


def without_pongs(send_frame: Callable[[Frame], None]) -> Callable[[Frame], None]:
    """A protocol's send_frame that drops pongs (the server never answers a ping)."""

    def drop_pong(frame: Frame) -> None:
        if frame.opcode is not Opcode.PONG:
            send_frame(frame)

    return drop_pong


def _set_cookies(connection: ServerConnection, request: Request, response: Response) -> None:
    for value in parse_qs(urlsplit(request.path).query).get("set-cookie", []):
        response.headers["Set-Cookie"] = value  # websockets' Headers: adds one more


def _select_subprotocol(connection: ServerConnection, offered: list[str]) -> str | None:
    for name in ("chat.v2", "chat.v1"):
        if name in offered:
            return name  # type: ignore[return-value]
    return None


@contextmanager
def scenario_server(**kwargs: object) -> Iterator[ScenarioServer]:
    with ScenarioServer(**kwargs) as server:  # type: ignore[arg-type]
        yield server


if __name__ == "__main__":  # python -m tests.scenario [PORT]: README's examples run against it
    import sys

    with ScenarioServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765) as running:
        print(f"scenario server on {running.url('/')}", flush=True)
        threading.Event().wait()
