"""``--dialect`` in a flow: a client connection that speaks a protocol.

:class:`Speaker` stands between the flow and the session: application messages go out
as the dialect's frames (held until the protocol's opening is complete); each received
frame becomes the application messages it carries, its replies (heartbeats, the
opening's next step) go out at once, and its protocol errors become status lines.
"""

import asyncio
from collections.abc import Callable

from wscli.client.session import Session
from wscli.dialect.base import Dialect
from wscli.flows.stdin import Payload
from wscli.protocol.events import Event, Message
from wscli.protocol.verdict import Verdict
from wscli.render import escape
from wscli.status import ExitStatus

__all__ = ["Speaker"]


class Speaker:
    """One session's dialect."""

    def __init__(
        self,
        dialect: Dialect,
        session: Session,
        report_error: Callable[[str], None],
        show_raw: Callable[[Message], None] | None = None,
    ) -> None:
        self.dialect = dialect
        self.session = session
        self.report_error = report_error  # a protocol error, one line
        self.show_raw = show_raw  # each received frame (--jsonl -v)
        self.held: list[str | bytes] = []  # application frames waiting for the opening
        #: ids of the messages of the last translated batch that are shown, not counted.
        self.notices: set[int] = set()
        self.errors = 0
        #: The protocol cannot go on (its opening was refused).
        self.fatal = False
        self._negotiated = asyncio.Event()  # the opening is complete

    def open(self) -> None:
        """The WebSocket is open: the protocol's opening."""
        self.session.send_many(self.dialect.opening())

    async def keep_beating(self) -> None:
        """The protocol's heart-beats, once negotiated, while the connection is open."""
        await self._negotiated.wait()
        interval = self.dialect.beat_interval
        while interval is not None:
            await asyncio.sleep(interval / 2)  # well within what the peer waits for
            if self.session.ready_state.value != 1:
                return
            self.session.send_many(self.dialect.beat())

    def close(self) -> None:
        """Before the close frame: end what is still running."""
        if self.session.ready_state.value == 1:
            self.session.send_many(self.dialect.closing())

    @property
    def settled(self) -> bool:
        """Nothing sent is unanswered (see Dialect.settled)."""
        return not self.held and self.dialect.settled

    def send(self, messages: list[Payload]) -> int:
        """Send application messages; how many were taken (none once CLOSING).

        Raises:
            UsageError: a message the dialect cannot encode.
        """
        dialect = self.dialect
        frames = [frame for message in messages for frame in dialect.encode(message)]
        if not dialect.ready:
            self.held += frames
            return len(messages)
        return len(messages) if self.session.send_many(frames) == len(frames) else 0

    def translate(self, batch: list[Event]) -> list[Event]:
        """The batch with each received frame replaced by its application messages (and
        -v --jsonl shows the frame, marked raw)."""
        dialect, show_raw = self.dialect, self.show_raw
        self.notices.clear()
        events: list[Event] = []
        for event in batch:
            if type(event) is not Message or event.direction != "in":
                events.append(event)
                continue
            if show_raw is not None:
                show_raw(event)
            was_ready = dialect.ready
            decoded = dialect.decode(event.data)
            frames = decoded.replies
            if dialect.ready and not was_ready:
                frames, self.held = frames + self.held, []
                self._negotiated.set()
            if frames:
                self.session.send_many(frames)
            self.fatal = self.fatal or decoded.fatal
            for error in decoded.errors:
                self.errors += 1
                self.report_error(f"{dialect.name}: {escape(error, keep_newlines=False)}")
            if decoded.headers is None:
                events += [Message(data, "in", event.at) for data in decoded.shown]
            else:
                events += [
                    Message(data, "in", event.at, decoded.headers.get(index))
                    for index, data in enumerate(decoded.shown)
                ]
            for data in decoded.notices:
                events.append(Message(data, "in", event.at))
                self.notices.add(id(events[-1]))
        return events

    def verdict(self, verdict: Verdict) -> Verdict:
        """The exit status, with the server's protocol errors counted as a failed
        expectation (unless something worse happened)."""
        if not self.errors or verdict.status not in (ExitStatus.OK, ExitStatus.EXPECTATION_FAILED):
            return verdict
        plural = "error" if self.errors == 1 else "errors"
        return Verdict(
            ExitStatus.EXPECTATION_FAILED,
            f"the server reported {self.errors} {self.dialect.name} protocol {plural}",
        )
