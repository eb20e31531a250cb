"""Fuzz cases against one long-lived ``wscli listen --echo``, while a crowd of
well-behaved clients (:mod:`tests.fuzz.crowd`) echoes through the same server.

Each case is a raw client (:func:`~tests.fuzz.peer.run_client`), several at once. Per
case: the server fails the connection with the close code RFC 6455 prescribes, echoes
the messages before the violation (those of the same read may be dropped: see
``ListenTarget.check``), answers every ping, closes the TCP connection in time (a silent
client within --ping-interval plus --ping-timeout), and never exits. For the crowd: no
message lost, no echo later than a second. At the end: no traceback, exit status 0 on
SIGTERM.
"""

import asyncio
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from types import TracebackType

from tests.conftest import wscli_env
from tests.fuzz.case import LISTEN_MAX_SIZE, Case
from tests.fuzz.crowd import Crowd
from tests.fuzz.peer import PEER_DEADLINE, Record, run_client
from tests.fuzz.runner import SLACK, Result, check_close, settle
from tests.processes import LineReader

__all__ = ["ListenTarget"]

PING_INTERVAL = PING_TIMEOUT = 2.0
LISTEN_ARGS: tuple[str, ...] = ("--echo", "--max-size", str(LISTEN_MAX_SIZE))
LISTEN_ARGS += ("--ping-interval", str(PING_INTERVAL), "--ping-timeout", str(PING_TIMEOUT))
#: How long the server may take to close a connection after the client's last byte: at
#: once (a violation, a close frame, FIN), or a silent one after a ping without answer.
PROMPT_LIMIT = 1.0 + SLACK
SILENT_LIMIT = PING_INTERVAL + PING_TIMEOUT + SLACK


class ListenTarget:
    """``wscli listen 0 --echo`` in a process of its own, with ``clients`` well-behaved
    clients echoing all along (``with`` starts and stops them all)."""

    def __init__(self, clients: int = 20) -> None:
        self.clients = clients
        self.process: subprocess.Popen[bytes] | None = None
        self.crowd: Crowd | None = None
        self.host, self.port = "127.0.0.1", 0
        #: After finish(): how many messages the crowd sent, and a line saying how it went.
        self.crowd_sent = 0
        self.crowd_summary = ""

    def __enter__(self) -> "ListenTarget":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wscli", "listen", "0", *LISTEN_ARGS],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # --echo writes every message there: not needed
            stderr=subprocess.PIPE,
            env=wscli_env(),
        )
        assert self.process.stderr is not None
        self.stderr = LineReader(self.process.stderr)
        line = self.stderr.wait_for("listening on")
        match = re.search(r"ws://([\d.]+):(\d+)", line)
        assert match is not None, line
        self.host, self.port = match.group(1), int(match.group(2))
        self.crowd = Crowd(f"ws://{self.host}:{self.port}/crowd", self.clients).__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.crowd is not None:
            self.crowd.__exit__(None, None, None)
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def run(self, cases: Iterator[Case], concurrency: int = 8) -> Iterator[Result]:
        """Play ``cases``, ``concurrency`` raw clients at a time; yield each result as
        it comes (stop early by closing the iterator's source)."""
        results: list[Result] = []
        asyncio.run(self._play(cases, concurrency, results))
        yield from results

    async def _play(self, cases: Iterator[Case], concurrency: int, results: list[Result]) -> None:
        async def worker() -> None:
            for case in cases:
                results.append(await self.play(case))

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def play(self, case: Case) -> Result:
        """One case as a raw client, checked."""
        start = time.monotonic()
        try:
            record = await asyncio.wait_for(
                run_client(case, self.host, self.port), PEER_DEADLINE + 5
            )
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            record = Record(problems=[f"the raw client failed: {exc!r}"])
        failures, deviation = self.check(case, record)
        details = f"wscli listen 0 {' '.join(LISTEN_ARGS)}\nrecord: {record!r}"[:2000]
        return Result(case, failures, deviation, time.monotonic() - start, details)

    def check(self, case: Case, record: Record) -> tuple[list[str], str | None]:
        """The properties of one case."""
        soft = check_close(case, record, server=True)
        want, got = case.expect.messages, record.messages
        if got != want[: len(got)]:
            soft.append(f"echoed {_short(got)}, expected {_short(want)}")
        elif case.ending == "eof" and got != want:
            soft.append(f"echoed {_short(got)} before FIN, expected {_short(want)}")
        hard = []
        if case.ending != "reset":
            limit = SILENT_LIMIT if case.ending == "silence" else PROMPT_LIMIT
            ended = record.ended_after
            if ended is None:
                hard.append("the server never closed the connection")
            elif ended > limit:
                hard.append(f"the server closed the connection after {ended:.2f} s")
        assert self.process is not None
        if self.process.poll() is not None:
            hard.append(f"wscli listen exited with status {self.process.returncode}")
        return settle(case, record, hard, soft)

    def finish(self) -> list[str]:
        """Stop the crowd and the server; what went wrong for them."""
        assert self.crowd is not None and self.process is not None
        crowd, self.crowd = self.crowd, None
        crowd.__exit__(None, None, None)
        problems = crowd.problems()
        self.crowd_sent = crowd.sent
        self.crowd_summary = (
            f"{crowd.clients} clients echoed {crowd.echoed} of {crowd.sent} messages, "
            f"the slowest in {crowd.max_delay:.3f} s"
        )
        if self.process.poll() is not None:
            problems.append(f"wscli listen exited early with status {self.process.returncode}")
        else:
            self.process.send_signal(signal.SIGTERM)
            status = self.process.wait(timeout=20)
            if status != 0:
                problems.append(f"wscli listen exited with status {status} on SIGTERM")
        lines = self.stderr.rest().splitlines()
        strays = [line for line in lines if not line.startswith("wscli: ")]
        errors = [line for line in lines if "Traceback" in line or "internal error" in line]
        if strays or errors:
            problems.append(f"wscli listen's stderr has {(strays + errors)[:10]}")
        return problems


def _short(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"
