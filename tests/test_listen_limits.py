"""``listen``'s --max-connections default keeps it under the open-files limit: the soft
limit is raised to the hard one at start, and the client over what that holds gets 503
while the others are untouched (no failed accept, no traceback)."""

import asyncio
import re
import resource
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.conftest import wscli_env
from tests.listening import Listening
from tests.timing import TIMEOUT
from wscli.server.limits import RESERVED_FILES, default_max_connections


@contextmanager
def listening_with_files(soft: int, hard: int, *args: str) -> Iterator[Listening]:
    """``wscli listen 0 ARGS`` in a process whose open-files limit is ``soft``/``hard``."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    process = subprocess.Popen(
        [sys.executable, "-m", "wscli", "listen", "0", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=wscli_env(),
        preexec_fn=limit,
    )
    try:
        server = Listening(process)
        yield server
    finally:
        process.kill()
        process.wait()
        assert process.stdin is not None
        process.stdin.close()
    assert "Traceback" not in server.stderr.rest()


async def _open_all(url: str, count: int) -> list[ClientConnection]:
    return list(await asyncio.gather(*(connect(url, compression=None) for _ in range(count))))


async def _over_the_limit(url: str, admitted: int) -> tuple[int, list[str]]:
    """Open ``admitted`` connections, then one more (its HTTP status); then every admitted
    one echoes (their replies)."""
    clients = await _open_all(url, admitted)
    try:
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, compression=None, open_timeout=TIMEOUT)
        status = refused.value.response.status_code
        for number, client in enumerate(clients):
            await client.send(f"m{number}")
        replies = await asyncio.wait_for(asyncio.gather(*(c.recv() for c in clients)), TIMEOUT)
        return status, [str(reply) for reply in replies]
    finally:
        await asyncio.gather(*(client.close() for client in clients))


def test_the_default_stays_under_the_raised_file_limit() -> None:
    """Soft limit 100, hard 150: listen raises it to 150 and holds 150 - 64 connections
    (more than the soft limit alone allowed); the next client gets 503; all the admitted
    ones still echo."""
    admitted = default_max_connections(150, "echo")
    assert admitted == 150 - RESERVED_FILES > 100 - RESERVED_FILES
    with listening_with_files(100, 150, "--echo") as server:
        status, replies = asyncio.run(_over_the_limit(server.url, admitted))
        line = server.stderr.wait_for("refused")
    assert status == 503
    assert re.fullmatch(
        rf"wscli: refused 127\.0\.0\.1:\d+: HTTP 503 too many connections"
        rf" \(--max-connections {admitted}\)\n",
        line,
    )
    assert replies == [f"m{number}" for number in range(admitted)]


def test_exec_counts_the_programs_pipes() -> None:
    assert default_max_connections(1024, "exec") == (1024 - RESERVED_FILES) // 4
    assert default_max_connections(10, "echo") == 1


def test_a_limit_over_the_file_limit_is_warned_about() -> None:
    with listening_with_files(100, 100, "--echo", "--max-connections", "500") as server:
        line = next(line for line in server.stderr.lines if "WARNING" in line)
    assert "--max-connections 500 is more than the open-files limit allows (36)" in line


async def _past_the_file_limit(server: Listening, attempts: int) -> tuple[str, list[str]]:
    """Open ``attempts`` connections at once, more than the files allow; once listen says
    it cannot accept, the ones admitted echo."""
    tasks = [asyncio.ensure_future(connect(server.url, compression=None)) for _ in range(attempts)]
    notice = await asyncio.to_thread(server.stderr.wait_for, "cannot accept connections")
    await asyncio.wait(tasks, timeout=1.0)  # handshakes of accepted sockets finish
    clients = [t.result() for t in tasks if t.done() and t.exception() is None]
    for task in tasks:
        task.cancel()
    try:
        for number, client in enumerate(clients):
            await client.send(f"m{number}")
        replies = await asyncio.wait_for(asyncio.gather(*(c.recv() for c in clients)), TIMEOUT)
        return notice, [str(reply) for reply in replies]
    finally:
        await asyncio.gather(*(client.close() for client in clients))


def test_out_of_files_is_one_line_and_the_others_go_on() -> None:
    """--max-connections over what the files allow (warned): the accepts that fail for
    want of files are one line on stderr (asyncio's traceback otherwise, each second), and
    every admitted client still echoes."""
    with listening_with_files(100, 100, "--echo", "--max-connections", "500") as server:
        notice, replies = asyncio.run(_past_the_file_limit(server, 120))
        assert "Too many open files" in notice and "ulimit -n" in notice
        assert 50 < len(replies) < 100
        assert replies == [f"m{number}" for number in range(len(replies))]
        server.stop()
        assert "Traceback" not in server.stderr.rest()
