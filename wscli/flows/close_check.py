"""The flow behind ``wscli close``: open, send, close with a chosen code, report the handshake."""

import asyncio

from wscli.client.session import Session
from wscli.errors import OutputClosed
from wscli.flows.runner import before_interrupt
from wscli.options import WaitRules
from wscli.output import Output
from wscli.protocol.events import Failed
from wscli.protocol.verdict import Verdict, judge
from wscli.render import close_report_json, close_report_lines
from wscli.status import ExitStatus

__all__ = ["check_close"]


async def check_close(
    session: Session,
    output: Output,
    *,
    code: int | None,
    reason: str,
    messages: list[str | bytes],
    expect_code: int | None,
    interrupt: asyncio.Event,
) -> Verdict:
    """Open, send ``messages``, close with ``code``/``reason``; write the report to stdout.

    Ctrl-C (``interrupt``) while opening or sending closes with 1001 instead; while waiting
    for the server's close frame, it drops the connection. Either way the verdict is 130.
    """
    loop = asyncio.get_running_loop()
    consumer = asyncio.create_task(_consume(session, output))
    try:
        if not await before_interrupt(session.open(), interrupt):
            await consumer
            return Verdict(ExitStatus.INTERRUPTED)
    except Exception:
        await consumer
        raise
    for message in messages:
        session.send(message)
    await before_interrupt(session.drain(), interrupt)
    if interrupt.is_set():
        code, reason = 1001, ""
    started = loop.time()
    if not await before_interrupt(session.close(code, reason), interrupt):
        await session.abort()
    closed = await session.wait_closed()
    duration = loop.time() - started
    failure = await consumer
    if interrupt.is_set():
        return Verdict(ExitStatus.INTERRUPTED)
    try:
        if output.options.jsonl:
            output.data(close_report_json(closed, duration))
        else:
            for line in close_report_lines(closed, duration):
                output.data(line)
        output.flush()
    except OutputClosed:
        return Verdict(ExitStatus.OK)
    rules = WaitRules(expect_code=expect_code)
    return judge(closed, rules, received=0, matched=False, failure=failure)


async def _consume(session: Session, output: Output) -> str | None:
    """Write the events; return why wscli failed the connection, if it did."""
    failure = None
    try:
        async for batch in session.event_batches():
            for event in batch:
                if isinstance(event, Failed):
                    failure = event.message
                output.event(event)
            output.flush()
    except OutputClosed:
        pass
    return failure
