"""``listen --exec CMD``: a program at the other end of each connection, websocketd-style.
Never prints.

Each received message becomes a line on the process's stdin (text as it is; binary as
``--binary-as``: hex or base64); each line of its stdout becomes a message (``--input-format``:
text, or hex/base64 for binary). Its stderr is wscli's. The request's details are in its
environment (CGI names, as websocketd sets them, plus ``WSCLI_*``). The process exiting
closes the connection with 1000; the client leaving closes the process's stdin, then
terminates it if it has not exited within a grace period.
"""

import asyncio
import base64
import contextlib
import os
import signal
from collections.abc import Awaitable, Iterable, Mapping

from wscli.errors import UsageError
from wscli.flows.feed import send_control
from wscli.options import InputFormat, ListenOptions
from wscli.protocol.events import Message
from wscli.protocol.jsonl_input import parse_jsonl_line
from wscli.protocol.payload import decode_program_line
from wscli.render import event_json
from wscli.server.listener import Attach, Peer

__all__ = [
    "PASSED",
    "ProgramBridge",
    "add_header_variables",
    "attach_program",
    "passed_environment",
    "process_environment",
]

#: The variables of wscli's environment every program gets (more: --pass-env NAME).
PASSED = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM")
#: After the client leaves: how long the process has to exit once its stdin is closed,
#: then after SIGTERM, before SIGKILL.
GRACE = 2.0
#: Stop reading the client while this much waits to be written to the process's stdin.
STDIN_HIGH_WATER = 4 * 1024 * 1024


async def _drained(stdin: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        await stdin.drain()


def passed_environment(environ: Mapping[str, str], extra: Iterable[str]) -> dict[str, str]:
    """What of wscli's environment a program it runs gets: the variables any program
    needs to run (:data:`PASSED`, and ``LC_*``) and those named by ``--pass-env``; never
    the rest (cloud credentials, tokens, wscli's own ``WSCLI_*`` settings), as
    websocketd's ``--passenv`` does: untrusted clients drive the program."""
    wanted = set(PASSED) | set(extra)
    return {
        name: value for name, value in environ.items() if name in wanted or name.startswith("LC_")
    }


def process_environment(peer: Peer, options: ListenOptions) -> dict[str, str]:
    """The process's environment: wscli's, plus the request's details."""
    env = passed_environment(os.environ, options.pass_env)
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
    if peer.client_dn:
        env["SSL_CLIENT_S_DN"] = peer.client_dn  # as Apache and nginx name it
        env["SSL_CLIENT_VERIFY"] = "SUCCESS"
    if peer.username:
        env["REMOTE_USER"] = peer.username
        env["AUTH_TYPE"] = "Basic"
    # The password stays with wscli; a client's "Proxy" header must not become HTTP_PROXY
    # for the program (httpoxy), as CGI servers also refuse.
    add_header_variables(env, peer.request_headers, skip=("authorization", "proxy"))
    return env


def add_header_variables(
    env: dict[str, str], headers: Iterable[tuple[str, str]], *, skip: Iterable[str]
) -> None:
    """Each header as ``HTTP_<NAME>`` in ``env`` (repeated ones joined with ", "), as CGI
    names them; the headers named in ``skip`` (lower case) are left out."""
    left_out = set(skip)
    for name, value in headers:
        if name.lower() in left_out:
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        env[key] = f"{env[key]}, {value}" if key in env else value


class ProgramBridge:
    """Runs ``options.program`` for ``peer`` and joins their streams."""

    def __init__(self, peer: Peer, options: ListenOptions) -> None:
        self.peer = peer
        self.options = options
        self._process: asyncio.subprocess.Process | None = None
        self._pending: list[bytes] = []  # messages that arrived before the process started
        self.exit_status: int | None = None

    def feed(self, data: str | bytes) -> None:
        """A message from the client: one line on the process's stdin (with --jsonl, its
        message event)."""
        if self.options.program_jsonl:
            self._write(event_json(Message(data, "in")).encode("utf-8") + b"\n")
            return
        if isinstance(data, bytes):
            as_base64 = self.options.binary_as == "base64"
            encoded = base64.b64encode(data) if as_base64 else data.hex().encode()
        else:
            encoded = data.encode("utf-8", "surrogateescape")
        self._write(encoded + b"\n")

    def _write(self, line: bytes) -> None:
        process = self._process
        if process is None:
            self._pending.append(line)
            return
        stdin = process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.write(line)

    async def serve(self) -> None:
        """Start the process, relay until one side ends, then end the other."""
        assert self.options.program is not None
        self._process = process = await asyncio.create_subprocess_shell(
            self.options.program,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=None,
            env=process_environment(self.peer, self.options),
            start_new_session=True,  # Ctrl-C on wscli's terminal is wscli's to handle
        )
        assert process.stdin is not None
        for line in self._pending:
            process.stdin.write(line)
        self._pending.clear()
        relay = asyncio.create_task(self._relay())
        client_gone = asyncio.ensure_future(self.peer.wait_closed())
        exited = asyncio.ensure_future(process.wait())
        # The process's end is its exit, not its stdout's end: one that closed its stdout
        # and runs on is still stopped when the client leaves.
        await asyncio.wait([exited, client_gone], return_when=asyncio.FIRST_COMPLETED)
        if not client_gone.done():  # the process exited
            self.exit_status = exited.result()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(relay, GRACE)  # what it printed last goes out
            reason = "" if self.exit_status == 0 else f"process exited with {self.exit_status}"
            with contextlib.suppress(Exception):
                await self.peer.close(1000, reason)
            await client_gone
        else:
            exited.cancel()
            if self.options.program_jsonl:  # the client's close code, before stdin's end
                self._write(event_json(client_gone.result()).encode("utf-8") + b"\n")
            await self._stop(process)
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay

    def receive(self, data: str | bytes) -> "Awaitable[None] | None":
        """The peer's ``on_message``: feed ``data``, and pause reading while the process's
        stdin is full."""
        self.feed(data)
        return self.pause_reading()

    def pause_reading(self) -> "Awaitable[None] | None":
        """After a message is fed: something to await while the process's stdin holds more
        than STDIN_HIGH_WATER bytes (the client's messages then wait in its socket)."""
        process = self._process
        stdin = process.stdin if process is not None else None
        if stdin is None or stdin.is_closing():
            return None
        if stdin.transport.get_write_buffer_size() < STDIN_HIGH_WATER:
            return None
        return _drained(stdin)

    async def _relay(self) -> None:
        """Each stdout line becomes a message; a line longer than --max-size is dropped
        whole (the client could not take it)."""
        process = self._process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        fmt = self.options.input_format
        limit = self.options.max_size or 1 << 30
        buffer = b""
        dropping = False  # inside a line that is over the limit
        while True:
            chunk = await stdout.read(1 << 16)
            if not chunk:
                if buffer and not dropping:
                    self._send_line(buffer, fmt)
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if dropping:
                    dropping = False  # the end of the over-long line
                elif len(line) <= limit:
                    self._send_line(line, fmt)
            if len(buffer) > limit:
                buffer, dropping = b"", True

    def _send_line(self, line: bytes, fmt: InputFormat) -> None:
        if fmt == "jsonl":
            self._send_jsonl(line)
            return
        payload = decode_program_line(line.removesuffix(b"\r"), fmt)
        if payload is not None:
            self.peer.send(payload)

    def _send_jsonl(self, line: bytes) -> None:
        """A JSON Lines line of the program: a message, a ping or a close (a line that is
        none is skipped, as a bad hex line is)."""
        try:
            item = parse_jsonl_line(line, where="the program's line")
        except UsageError:
            return
        if isinstance(item, str | bytes):
            self.peer.send(item)
        elif item is not None:
            send_control(self.peer, item)

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


def attach_program(options: ListenOptions) -> Attach:
    """The listener's ``attach`` hook for ``--exec``: each new peer gets its program."""

    def attach(peer: Peer) -> Awaitable[None]:
        bridge = ProgramBridge(peer, options)
        peer.on_message = bridge.receive
        return bridge.serve()

    return attach
