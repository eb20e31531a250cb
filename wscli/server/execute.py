"""``listen --exec CMD``: one process per connection, websocketd-style. Never prints.

Each received message becomes a line on the process's stdin (text as it is; binary as
``--binary-as``: hex or base64); each line of its stdout becomes a message (``--input-format``:
text, or hex/base64 for binary). Its stderr is wscli's. The request's details are in its
environment (CGI names, as websocketd sets them, plus ``WSCLI_*``). The process exiting
closes the connection with 1000; the client leaving closes the process's stdin, then
terminates it if it has not exited within a grace period.
"""

import asyncio
import base64
import binascii
import contextlib
import os
import signal
from typing import Protocol

from wscli.options import ListenOptions

__all__ = ["Bridge", "process_environment"]

#: After the client leaves: how long the process has to exit once its stdin is closed,
#: then after SIGTERM, before SIGKILL.
GRACE = 2.0


def process_environment(peer: "PeerLike", options: ListenOptions) -> dict[str, str]:
    """The process's environment: wscli's, plus the request's details."""
    env = dict(os.environ)
    remote_host, _, remote_port = peer.remote.rpartition(":")
    path, _, query = peer.path.partition("?")
    env.update(
        REMOTE_ADDR=remote_host.strip("[]"),
        REMOTE_PORT=remote_port,
        REQUEST_METHOD="GET",
        REQUEST_URI=peer.path,
        SCRIPT_NAME=path,
        PATH_INFO="",
        QUERY_STRING=query,
        SERVER_NAME=options.host,
        SERVER_PORT=str(peer.local_port),
        SERVER_PROTOCOL="HTTP/1.1",
        SERVER_SOFTWARE="wscli",
        HTTPS="on" if options.cert else "",
        WSCLI_CLIENT_ID=str(peer.id),
        WSCLI_SUBPROTOCOL=peer.protocol,
    )
    if peer.username:
        env["REMOTE_USER"] = peer.username
        env["AUTH_TYPE"] = "Basic"
    for name, value in peer.request_headers:
        if name.lower() == "authorization":
            continue  # the password stays with wscli
        key = "HTTP_" + name.upper().replace("-", "_")
        env[key] = f"{env[key]}, {value}" if key in env and key.startswith("HTTP_") else value
    return env


class PeerLike(Protocol):
    """The parts of a :class:`~wscli.server.core.Peer` the bridge uses."""

    id: int
    remote: str
    local_port: int
    path: str
    username: str | None

    @property
    def protocol(self) -> str: ...

    @property
    def request_headers(self) -> tuple[tuple[str, str], ...]: ...

    def send(self, data: str | bytes) -> bool: ...

    async def close(self, code: int | None = 1000, reason: str = "") -> object: ...

    async def wait_closed(self) -> object: ...


class Bridge:
    """Runs ``options.command`` for ``peer`` and joins their streams."""

    def __init__(self, peer: PeerLike, options: ListenOptions) -> None:
        self.peer = peer
        self.options = options
        self._process: asyncio.subprocess.Process | None = None
        self._pending: list[bytes] = []  # messages that arrived before the process started
        self.exit_status: int | None = None

    def feed(self, data: str | bytes) -> None:
        """A message from the client: one line on the process's stdin."""
        if isinstance(data, bytes):
            as_base64 = self.options.binary_as == "base64"
            encoded = base64.b64encode(data) if as_base64 else data.hex().encode()
        else:
            encoded = data.encode("utf-8", "surrogateescape")
        line = encoded + b"\n"
        process = self._process
        if process is None:
            self._pending.append(line)
            return
        stdin = process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.write(line)

    async def run(self) -> None:
        """Start the process, relay until one side ends, then end the other."""
        assert self.options.command is not None
        self._process = process = await asyncio.create_subprocess_shell(
            self.options.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=None,
            env=process_environment(self.peer, self.options),
            start_new_session=True,  # Ctrl-C on wscli's terminal is wscli's to handle
            limit=self.options.max_size or 1 << 30,  # the longest stdout line
        )
        assert process.stdin is not None
        for line in self._pending:
            process.stdin.write(line)
        self._pending.clear()
        relay = asyncio.create_task(self._relay())
        client_gone = asyncio.ensure_future(self.peer.wait_closed())
        await asyncio.wait([relay, client_gone], return_when=asyncio.FIRST_COMPLETED)
        if not client_gone.done():  # the process closed its stdout (or exited)
            self.exit_status = await process.wait()
            reason = "" if self.exit_status == 0 else f"process exited with {self.exit_status}"
            with contextlib.suppress(Exception):
                await self.peer.close(1000, reason)
            await client_gone
        else:
            await self._stop(process)
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay

    async def _relay(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        fmt = self.options.input_format
        while True:
            try:
                line = await stdout.readline()
            except ValueError:  # a line over the limit (--max-size): dropped
                continue
            if not line:
                return
            payload = _decode(line.rstrip(b"\n").removesuffix(b"\r"), fmt)
            if payload is not None:
                self.peer.send(payload)

    async def _stop(self, process: asyncio.subprocess.Process) -> None:
        """End the process group: stdin closed, then SIGTERM, then SIGKILL, GRACE apart.

        The whole group, not just the shell: ``sh -c`` may stay the parent of the command,
        and a command that ignores SIGTERM outlives it.
        """
        if process.stdin is not None:
            process.stdin.close()
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    return
            if await self._ended(process, GRACE):
                return

    async def _ended(self, process: asyncio.subprocess.Process, within: float) -> bool:
        """Wait up to ``within`` seconds for the process and the rest of its group."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        try:
            self.exit_status = await asyncio.wait_for(process.wait(), within)
        except TimeoutError:
            return False
        while _group_alive(process.pid):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.05)  # no event tells when a group's last member ends
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _decode(line: bytes, fmt: str) -> str | bytes | None:
    """One stdout line as a message; None for a line that does not decode (skipped)."""
    try:
        if fmt == "hex":
            return bytes.fromhex(line.decode("ascii"))
        if fmt == "base64":
            return base64.b64decode(line, validate=True)
        if fmt == "binary":
            return line
    except (ValueError, binascii.Error):
        return None
    return line.decode("utf-8", "replace")
