"""How a session ended, judged against what the user expected. Pure."""

from typing import NamedTuple

from wscli.options import WaitRules
from wscli.protocol.codes import NORMAL_CLOSE_CODES, close_code_name
from wscli.protocol.events import Closed
from wscli.status import ExitStatus

__all__ = ["Verdict", "judge", "judge_once"]


class Verdict(NamedTuple):
    """The exit status and, when it is not success, one line saying why."""

    status: ExitStatus
    message: str | None = None
    hint: str | None = None


def _code(code: int) -> str:
    return f"{code} ({close_code_name(code)})"


def judge(
    closed: Closed,
    rules: WaitRules,
    *,
    received: int,
    matched: bool,
    timed_out: bool = False,
    interrupted: bool = False,
    failure: str | None = None,
) -> Verdict:
    """Decide the exit status of a ``connect``, ``send`` or ``close`` run (README's
    exit-code table).

    ``failure`` is why wscli failed the connection itself (invalid UTF-8, --max-size,
    ping timeout), if it did: the error line then says so rather than just 1006.
    """
    if interrupted:
        return Verdict(ExitStatus.INTERRUPTED)
    unmet = (rules.count is not None and received < rules.count) or (
        rules.wanted_match is not None and not matched
    )
    if timed_out and (unmet or rules.waits_for_server):
        # A plain deadline only stops the wait; what was waited for and missed fails.
        wanted = []
        if rules.count is not None and received < rules.count:
            wanted.append(f"{rules.count} messages (got {received})")
        if rules.wanted_match is not None and not matched:
            wanted.append(f"a message matching {rules.wanted_match}")
        if rules.waits_for_server:
            wanted.append("the server to close")
        what = " and ".join(wanted) or "the session to end"
        return Verdict(
            ExitStatus.TIMEOUT,
            f"timed out after {rules.timeout:g} s waiting for {what}",
            "raise --timeout",
        )
    if rules.expect_code is not None and closed.code != rules.expect_code:
        return Verdict(
            ExitStatus.EXPECTATION_FAILED,
            f"expected the server to answer {_code(rules.expect_code)}; got {_code(closed.code)}",
        )
    expected = rules.expect_close
    if expected is not None and (closed.initiated_by != "server" or closed.code != expected):
        got = (
            f"it closed with {_code(closed.code)}"
            if closed.initiated_by == "server"
            else f"the connection ended with {_code(closed.code)}"
        )
        return Verdict(
            ExitStatus.EXPECTATION_FAILED,
            f"expected the server to close with {_code(expected)}; {got}"
            + (f": {failure}" if failure else ""),
        )
    if expected is None and closed.code == 1006:
        # A dropped connection, not a server that closed early: 7 says more than 9.
        return Verdict(
            ExitStatus.CLOSED_ABNORMALLY,
            failure or "the connection closed abnormally (1006): no close frame",
        )
    if (
        expected is None
        and rules.expect_code is None
        and closed.initiated_by == "server"
        and closed.code not in NORMAL_CLOSE_CODES
    ):
        # The server's error code says more than the --count/--until it cut short.
        reason = f' "{closed.reason}"' if closed.reason else ""
        return Verdict(
            ExitStatus.CLOSED_WITH_ERROR_CODE,
            f"the server closed with {_code(closed.code)}{reason}",
        )
    if rules.count is not None and received < rules.count:
        return Verdict(
            ExitStatus.EXPECTATION_FAILED,
            f"the connection closed after {received} of {rules.count} messages",
            "raise --timeout or check what the server sends",
        )
    if rules.wanted_match is not None and not matched:
        return Verdict(
            ExitStatus.EXPECTATION_FAILED,
            f"no message matched {rules.wanted_match}",
        )
    return Verdict(ExitStatus.OK)


def judge_once(closed: Closed) -> Verdict:
    """The exit status of ``listen --once`` from its one connection's close event.

    As for a client, seen from the other side: 0 when the client closed with 1000, 1001 or
    an empty close frame (or wscli closed it), 7 when the connection dropped (1006), 8 when
    the client closed with another code.
    """
    if closed.code == 1006:
        return Verdict(
            ExitStatus.CLOSED_ABNORMALLY,
            "the client's connection closed abnormally (1006): no close frame",
        )
    if closed.initiated_by == "client" and closed.code not in NORMAL_CLOSE_CODES:
        reason = f' "{closed.reason}"' if closed.reason else ""
        return Verdict(
            ExitStatus.CLOSED_WITH_ERROR_CODE,
            f"the client closed with {_code(closed.code)}{reason}",
        )
    return Verdict(ExitStatus.OK)
