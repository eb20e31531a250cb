"""Small real proxies for the tests, each on 127.0.0.1 (random port) in a background thread.

- ``HttpConnectProxy``: an HTTP CONNECT proxy. It records every CONNECT target and its
  request headers; ``status=403`` makes it refuse every tunnel with that HTTP status.
- ``Socks5Proxy``: a SOCKS5 proxy without authentication (CONNECT only). It records the
  targets it was asked for, as ``host:port`` (domain names as given, not resolved).

Use them as context managers: ``with HttpConnectProxy() as proxy: proxy.url``.
"""

import asyncio
import contextlib
import ipaddress
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator

from tests.background import BackgroundLoop
from tests.timing import TIMEOUT as BASE_TIMEOUT

#: A test server starts and stops well within one of a test's waits.
TIMEOUT = BASE_TIMEOUT / 2

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class _ThreadedServer(BackgroundLoop):
    """An asyncio TCP server on 127.0.0.1 run by its own event loop in a daemon thread."""

    scheme = "tcp"

    def __init__(self) -> None:
        super().__init__()
        self.port = 0
        self.targets: list[str] = []
        self._lock = threading.Lock()
        self._seen = threading.Condition(self._lock)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def record(self, target: str) -> None:
        with self._seen:
            self.targets.append(target)
            self._seen.notify_all()

    def wait_targets(self, count: int = 1, timeout: float = TIMEOUT) -> list[str]:
        """Wait until ``count`` targets were requested; return them all."""
        with self._seen:
            done = self._seen.wait_for(lambda: len(self.targets) >= count, timeout)
        assert done, f"expected {count} proxy requests, saw {self.targets}"
        return list(self.targets)

    async def _main(self) -> None:
        assert self._stop is not None
        tasks: set[asyncio.Task[None]] = set()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                await self.handle(reader, writer)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                pass
            finally:
                writer.close()
                tasks.discard(task)

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes from reader to writer until EOF, then half-close the writer."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()


async def _tunnel(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    try:
        await asyncio.gather(
            _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer)
        )
    finally:
        upstream_writer.close()


class HttpConnectProxy(_ThreadedServer):
    """An HTTP proxy that only speaks CONNECT; ``status`` other than 200 refuses tunnels."""

    scheme = "http"

    def __init__(self, *, status: int = 200) -> None:
        super().__init__()
        self.status = status
        #: The request headers of each CONNECT, in order.
        self.headers: list[list[tuple[str, str]]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = [
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in header_lines if line)
        ]
        with self._lock:
            self.headers.append(headers)
        self.record(target)
        if method != "CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        if self.status != 200:
            body = b"tunnel refused by the test proxy\n"
            writer.write(
                f"HTTP/1.1 {self.status} Refused\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode("ascii")
                + body
            )
            await writer.drain()
            return
        host, _, port = target.rpartition(":")
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                host.strip("[]"), int(port)
            )
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await _tunnel(reader, writer, upstream_reader, upstream_writer)


class Socks5Proxy(_ThreadedServer):
    """A SOCKS5 proxy (RFC 1928) with no authentication, supporting CONNECT only."""

    scheme = "socks5h"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5 or 0 not in methods:
            writer.write(b"\x05\xff")
            await writer.drain()
            return
        writer.write(b"\x05\x00")
        version, command, _reserved, address_type = await reader.readexactly(4)
        if address_type == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif address_type == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif address_type == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode("idna")
        else:
            writer.write(b"\x05\x08\x00\x01\x00\x00\x00\x00\x00\x00")
            await writer.drain()
            return
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        self.record(f"{host}:{port}")
        if command != 1:
            writer.write(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
            await writer.drain()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.write(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            await writer.drain()
            return
        bound_host, bound_port = upstream_writer.get_extra_info("sockname")[:2]
        writer.write(
            b"\x05\x00\x00\x01" + socket.inet_aton(bound_host) + struct.pack("!H", bound_port)
        )
        await writer.drain()
        await _tunnel(reader, writer, upstream_reader, upstream_writer)


def closed_port() -> int:
    """A port on 127.0.0.1 that was just bound and closed: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers; yields the port.

    The kernel completes the TCP handshake from the listen backlog, so a client connects at
    once and then waits forever for the HTTP response.
    """
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield sock.getsockname()[1]
