"""One fuzz case against ``wscli connect`` (a pipe) or ``wscli send``, and the properties
every run must have.

wscli runs in this process (``cli.run``, as tests/conftest.py's ``run_wscli`` does: no
interpreter start-up, so many cases a second) or, with ``process=True``, as ``python -m
wscli``; the raw server (:class:`~tests.fuzz.peer.FuzzServer`) runs in a thread.

The properties: wscli ends within its timeouts; it exits with the status README's table
gives for how the connection ended; stderr has no traceback and at most one error line,
which names the close code wscli sent when it failed the connection; the close code it
sent is the one RFC 6455 prescribes (:mod:`tests.fuzz.oracle`); the messages of a valid
sequence reach stdout exactly, every ping gets its pong, and wscli's own frames are
masked and well formed. Where websockets (and so wscli) knowingly reads the RFC another
way (:data:`KNOWN`), the case counts as a known deviation, not a failure, unless strict.
"""

import base64
import concurrent.futures
import io
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tests.conftest import wscli_env
from tests.fuzz.case import Case
from tests.fuzz.oracle import Outcome
from tests.fuzz.peer import FuzzServer, Record

__all__ = [
    "KNOWN",
    "Result",
    "check_close",
    "code_of",
    "describe",
    "replay_command",
    "run_client_case",
    "run_client_cases",
    "settle",
]

#: wscli's --timeout for a case that ends in silence, and for every other case (which
#: never needs it: a bound on a hang).
SILENCE_TIMEOUT = 0.5
HANG_TIMEOUT = 8.0
#: After --timeout, the closing handshake's grace (wscli.flows.exchange._CLOSE_GRACE).
CLOSE_GRACE = 1.0
#: A loaded machine's margin on top of wscli's own deadlines.
SLACK = 2.5

#: Where websockets, and so wscli, reads RFC 6455 another way (see the oracle's quirks).
KNOWN: dict[str, str] = {
    "utf8-latent": "invalid UTF-8 in a data frame, then a protocol error or a close frame "
    "in the same read: websockets parses the whole read before the text is decoded, and "
    "acts on the later frame (RFC 6455: the first violation, 1007); it answers the pings "
    "of that read too",
    "close-in-fragment": "a close frame between the fragments of a message: websockets "
    "fails the connection with 1002 (RFC 6455 5.4: control frames may come between "
    "fragments; the close is valid)",
    "control-size": "a ping, pong or close frame between fragments, over what the message "
    "may still take under --max-size: websockets fails with 1009 (RFC 6455: a control "
    "frame is no part of the message)",
}


@dataclass
class Result:
    """How one case went."""

    case: Case
    failures: list[str] = field(default_factory=list)
    deviation: str | None = None
    elapsed: float = 0.0
    details: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures


def replay_command(case: Case) -> str:
    """The command that plays ``case`` again (a named case: its test)."""
    if case.seed < 0:
        return f"python -m pytest tests/test_fuzz.py -k {case.kind}"
    return f"python -m tests.fuzz --target {case.target} --seed {case.seed} --cases 1 -v"


def describe(result: Result, *, verbose: bool = False) -> str:
    """A failed case for a report: its seed, what went wrong, and how to replay it."""
    case = result.case
    lines = [
        f"{case.target} seed {case.seed} ({case.kind}; the peer ends with {case.ending}"
        + ("" if case.cut is None else f" after {case.cut} bytes")
        + "):",
        *(f"  - {failure}" for failure in result.failures),
        f"  expected: {_expected(case)}",
        f"  replay: {replay_command(case)}",
    ]
    if verbose or len(case.frames) <= 12:
        lines.insert(-1, "  frames: " + "; ".join(case.frames))
    if verbose:
        lines.insert(-1, "  " + result.details.replace("\n", "\n  "))
    return "\n".join(lines)


def _expected(case: Case) -> str:
    out = case.expect
    if out.failed:
        return f"wscli fails the connection with {sorted(out.codes)} ({out.why})"
    if out.close is not None:
        return f"wscli answers the close frame {out.close[:20]!r}"
    return f"{len(out.messages)} messages, then {case.ending}" + (" (mid-frame)" * out.partial)


def code_of(payload: bytes) -> int:
    """The code of a close frame's payload (1005: empty)."""
    return int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005


def deviation_of(outcome: Outcome, close: bytes | None) -> str | None:
    """The known deviation (:data:`KNOWN`) that explains the close frame wscli sent (its
    payload ``close``), if one does."""
    quirks = outcome.quirks
    observed = None if close is None else code_of(close)
    if "utf8-latent" in quirks and (
        observed in outcome.later_codes or (close is not None and close == outcome.later_close)
    ):
        return "utf8-latent"
    if "close-in-fragment" in quirks and observed == 1002:
        return "close-in-fragment"
    if "control-size" in quirks and observed == 1009:
        return "control-size"
    return None


def check_close(case: Case, record: Record, *, server: bool) -> list[str]:
    """wscli's close frame and pongs against the case's outcome (``server``: wscli is
    the server)."""
    out, observed = case.expect, record.close_code
    failures = []
    if out.failed:
        wanted: set[int | None] = set(out.codes)
    elif out.close is not None:
        wanted = {code_of(out.close)}  # the echo of the peer's close code
    elif case.count == len(out.messages):
        wanted = {1000}
    elif case.ending == "silence":
        wanted = {1011, None} if server else {1000}
    else:  # FIN or a reset: no close frame (none can cross a reset)
        wanted = {None}
    if observed not in wanted:
        failures.append(f"close code {observed} (None: no close frame), expected {wanted}")
    elif out.later_close is not None and record.close == out.later_close:
        failures.append("wscli answered a close frame after the first violation")
    if not _pongs_ok(case, record.pongs):
        failures.append(f"pongs {_short(record.pongs)}, expected {_short(out.pongs)}")
    return failures


def settle(
    case: Case, record: Record, hard: list[str], soft: list[str]
) -> tuple[list[str], str | None]:
    """The failures of a case, and the known deviation that explains them: the ``soft``
    ones (what wscli made of the stream) may be a known deviation, never the ``hard``
    ones (a crash, a hang, a frame wscli must never send, more than one error line)."""
    hard = hard + [f"wscli sent {problem}" for problem in record.problems]
    if soft:
        deviation = deviation_of(case.expect, record.close)
        if deviation is not None:
            return hard, deviation
    return hard + soft, None


def _pongs_ok(case: Case, got: list[bytes]) -> bool:
    """Every ping before the end got its pong, in order; after a reset, the first ones
    only; after invalid UTF-8, maybe those of later pings in the same read too."""
    want = case.expect.pongs
    if case.ending == "reset":
        return got == want[: len(got)]
    if "utf8-latent" in case.expect.quirks:
        more = case.expect.later_pongs
        return got[: len(want)] == want and got[len(want) :] == more[: len(got) - len(want)]
    return got == want


def _short(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# connect and send


def client_exits(case: Case) -> set[int]:
    """The exit statuses README's table gives for how the case ends."""
    out = case.expect
    unmet = case.count is not None and case.count > len(out.messages)
    if out.failed or case.ending in ("eof", "reset"):
        return {7}  # wscli failed the connection, or it dropped: 1006
    if out.close is not None:
        if code_of(out.close) not in (1000, 1001, 1005):
            return {8}
        return {9} if unmet else {0}
    if case.count is not None and not unmet:
        return {0}  # wscli closed after --count messages
    # Silence: --timeout passed; waiting for the server or for --count, that is 6; else
    # the wait just ends, and the closing handshake never completes (1006).
    return {7} if case.rule == "idle" else {6}


def wscli_args(case: Case, url: str) -> list[str]:
    timeout = SILENCE_TIMEOUT if case.ending == "silence" else HANG_TIMEOUT
    args = [case.target, url, *(case.sent if case.target == "send" else ())]
    ping = "0.01" if case.keepalive else "0"
    args += ["--max-size", str(case.max_size), "--ping-interval", ping, "--timeout", str(timeout)]
    if case.count is not None:
        args += ["--count", str(case.count)]
    else:
        args += ["--idle", "5"] if case.rule == "idle" else ["--keep-open"]
    if case.quiet:
        args.append("-q")
    args.append("--jsonl" if _jsonl(case) else "--color=never")
    return args


def _jsonl(case: Case) -> bool:
    """--jsonl when a text message holds a line break (plain output could not show it
    apart), else for one case in three."""
    breaks = any(isinstance(m, str) and ("\n" in m or "\r" in m) for m in case.expect.messages)
    return breaks or case.seed % 3 == 0


def _delivered(stdout: bytes, jsonl: bool) -> list[str]:
    """The received messages on stdout, each as plain output shows it."""
    if not jsonl:
        text = stdout.decode("utf-8", "surrogateescape")
        return text.split("\n")[:-1] if text else []
    shown = []
    for line in stdout.decode().splitlines():
        event = json.loads(line)
        if event.get("event") == "message" and event.get("direction") == "in":
            text = event.get("text")
            shown.append(text if text is not None else base64.b64decode(event["base64"]).hex())
    return shown


def _stderr_failures(case: Case, code: int, stderr: str) -> list[str]:
    """One error line when the exit status is not 0, none otherwise; nothing else with
    -q; wscli's lines only."""
    failures = []
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("wscli: error:")]
    if len(errors) != (code != 0):
        failures.append(f"{len(errors)} error lines for exit status {code}")
    unsent = [line for line in lines if line.endswith("queued messages were not sent")]
    if not case.eager and unsent:
        failures.append("messages left unsent")
    if case.quiet and len(lines) != len(errors) + len(unsent):
        failures.append("status lines on stderr despite -q")
    if any(not line.startswith("wscli: ") for line in lines):
        failures.append("a line on stderr that is not wscli's")
    if "Traceback" in stderr:
        failures.append("a traceback on stderr")
    return failures


def _output_failures(
    case: Case, code: int, stdout: bytes, stderr: str, sent: int | None
) -> list[str]:
    """The exit status, the messages on stdout, and what the error line says."""
    failures = []
    exits = client_exits(case)
    if code not in exits:
        failures.append(f"exit status {code}, expected {exits}")
    want = [m if isinstance(m, str) else m.hex() for m in case.expect.messages]
    got = _delivered(stdout, _jsonl(case))
    if got != want and (case.ending != "reset" or got != want[: len(got)]):
        failures.append(f"stdout has {_short(got)}, expected {_short(want)}")
    errors = [line for line in stderr.splitlines() if line.startswith("wscli: error:")]
    if case.expect.failed and errors and f"closed with {sent}" not in errors[0]:
        failures.append(f"the error line does not name the close code sent ({sent})")
    what = "a close frame whose reason" if case.expect.why == "close frame" else "a text message"
    if case.expect.failed and sent == 1007 and errors and what not in errors[0]:
        failures.append(f"the error line does not say '{what}' was not valid UTF-8")
    return failures


def _check_client(
    case: Case, code: int, stdout: bytes, stderr: str, record: Record | None
) -> tuple[list[str], str | None]:
    hard = _stderr_failures(case, code, stderr)
    if record is None:
        return [*hard, "the peer saw no connection, or it did not end"], None
    sent, want = record.messages, list(case.sent)
    if sent != want and not (case.eager and sent == want[: len(sent)]):
        hard.append(f"wscli sent {_short(sent)}, expected {want}")
    soft = check_close(case, record, server=False)
    soft += _output_failures(case, code, stdout, stderr, record.close_code)
    return settle(case, record, hard, soft)


def run_client_cases(
    server: FuzzServer, cases: Iterable[Case], *, process: bool = False
) -> Iterator[Result]:
    """Run ``cases``: in this process one after the other, except those that end in
    silence (which take wscli's --timeout and its closing grace) and, with ``process``,
    all of them: as processes, 4 at a time meanwhile. Results come in no set order."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        slow: set[concurrent.futures.Future[Result]] = set()
        for case in cases:
            if process or case.ending == "silence":
                if len(slow) >= 8:  # no more cases taken than run soon
                    done, slow = concurrent.futures.wait(slow, return_when="FIRST_COMPLETED")
                    yield from (future.result() for future in done)
                slow.add(pool.submit(run_client_case, server, case, process=True))
            else:
                yield run_client_case(server, case)
        for future in concurrent.futures.as_completed(slow):
            yield future.result()


def run_client_case(server: FuzzServer, case: Case, *, process: bool = False) -> Result:
    """Run ``case`` against ``wscli connect`` or ``wscli send`` and check the properties."""
    url, token = server.url_for(case)
    args = wscli_args(case, url)
    stdin = "".join(line + "\n" for line in case.sent) if case.target == "connect" else ""
    limit = (SILENCE_TIMEOUT if case.ending == "silence" else HANG_TIMEOUT) + CLOSE_GRACE + SLACK
    start = time.monotonic()
    run = _run_process if process else _run_in_process
    code, stdout, stderr = run(args, stdin.encode(), limit + 5)
    elapsed = time.monotonic() - start
    record = server.record(token, 5.0)
    failures, deviation = _check_client(case, code, stdout, stderr, record)
    if elapsed > limit:
        failures.append(f"wscli took {elapsed:.2f} s (its timeouts allow {limit:.1f} s)")
    details = f"wscli {' '.join(args)}\nexit status {code}\nstderr:\n{stderr}"
    return Result(case, failures, deviation, elapsed, details)


def _run_process(args: list[str], stdin: bytes, kill_after: float) -> tuple[int, bytes, str]:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "wscli", *args],
            input=stdin,
            capture_output=True,
            timeout=kill_after,
            env=wscli_env(),
        )
    except subprocess.TimeoutExpired as exc:
        return -9, exc.stdout or b"", (exc.stderr or b"").decode("utf-8", "replace")
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


class _LastResort(logging.Handler):
    """What a process that sets up no logging shows of a warning: a line on stderr
    (logging.lastResort), which pytest's own log handlers would otherwise take."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")  # wscli's stderr during cli.run


def _run_in_process(args: list[str], stdin: bytes, kill_after: float) -> tuple[int, bytes, str]:
    """``cli.run`` in this thread (it must be the main one: wscli sets signal handlers);
    a hang past ``kill_after`` seconds is stopped with SIGINT (wscli exits 130)."""
    from wscli import cli
    from wscli.env import Env

    watchdog = threading.Timer(kill_after, os.kill, (os.getpid(), signal.SIGINT))
    watchdog.start()
    last_resort = _LastResort(logging.WARNING)
    logging.getLogger().addHandler(last_resort)
    with tempfile.TemporaryFile() as stdin_file:
        stdin_file.write(stdin)
        stdin_file.seek(0)
        stdout, stderr = io.BytesIO(), io.BytesIO()
        env = Env(stdin=stdin_file, stdout=stdout, stderr=stderr, environ=wscli_env())
        try:
            code = cli.run(args, env=env)
        except KeyboardInterrupt:
            code = 130
        finally:
            watchdog.cancel()
            logging.getLogger().removeHandler(last_resort)
    return code, stdout.getvalue(), stderr.getvalue().decode("utf-8", "replace")
