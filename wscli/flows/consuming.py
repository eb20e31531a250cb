"""The receiving half of an exchange (:mod:`wscli.flows.exchange`): the session's events
counted against --count/--until, answered and filtered by --reply/--filter, written."""

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from wscli.client.session import Session
from wscli.errors import OutputClosed
from wscli.flows.stdin import Payload
from wscli.options import WaitRules
from wscli.output import Output
from wscli.protocol.events import Arrived, Closed, Event, Failed, Message

if TYPE_CHECKING:
    from wscli.flows.speaking import Speaker
    from wscli.script.streams import Streams

__all__ = ["Consumer", "matcher"]


class Consumer:
    """What an exchange does with the events of its session."""

    session: Session
    output: Output
    rules: WaitRules
    speaker: "Speaker | None"
    streams: "Streams | None"
    received: int
    matched: bool
    failure: str | None
    _wake: asyncio.Event
    _satisfied: bool
    _output_closed: bool
    _last_activity: float

    def _send_messages(self, messages: list[str]) -> bool:
        raise NotImplementedError

    def _streamed(self, event: Message, run: list[Message]) -> bool:
        """--reply and the filters: answer ``event``; whether it goes on to the output
        and the counts (a filtered one still goes to --jsonl, marked)."""
        assert self.streams is not None
        answers = self.streams.answers(event.data)
        if answers:
            self._send_messages(answers)
        if self.streams.passes(event.data):
            return True
        if self.output.options.jsonl:
            if run:
                self.output.received(run)
                run.clear()
            self.output.filtered(event)
        return False

    async def _consume(self, pattern: Callable[[Payload], bool] | None) -> None:
        session, output, rules = self.session, self.output, self.rules
        loop = asyncio.get_running_loop()
        count, lossless, streams = rules.count, output.options.jsonl, self.streams
        # Nothing looks at each message (a pipe): a read's messages come as one Arrived.
        fast = not (self.speaker or streams or lossless or output.recorder)
        try:
            async for events in session.event_batches(arrived=fast):
                speaker = self.speaker
                batch = events if speaker is None else speaker.translate(events)
                if speaker is not None and (speaker.settled or speaker.fatal):
                    self._wake.set()  # the wait may end: see _settled
                notices = speaker.notices if speaker is not None else ()
                run: list[Message] = []  # received messages to write at once
                arrived = False
                for event in cast(list[Event | Arrived], batch):
                    if isinstance(event, Arrived):  # only when fast
                        if run:
                            output.received(run)
                            run = []
                        arrived = self._take(event, pattern, count) or arrived
                        continue
                    if notices and id(event) in notices:  # shown, not counted
                        run.append(event)  # type: ignore[arg-type]
                        continue
                    if lossless and type(event) is Message and event.direction == "out":
                        run.append(event)  # written with the received ones, in order
                        continue
                    if type(event) is Message and event.direction == "in":
                        if streams is not None and not self._streamed(event, run):
                            continue
                        if self._satisfied:  # past --count/--until: only --jsonl keeps all
                            if lossless:
                                run.append(event)
                            continue
                        arrived = True
                        self.received += 1
                        if pattern is not None and pattern(event.data):
                            self.matched = True
                        if self.matched or (count is not None and self.received >= count):
                            self._satisfied = True
                            self._wake.set()
                        run.append(event)
                        continue
                    if run:
                        output.received(run)
                        run = []
                    if isinstance(event, Closed):
                        self._wake.set()
                    elif isinstance(event, Failed):
                        self.failure = event.message
                    output.event(event)
                if run:
                    output.received(run)
                if arrived:
                    self._last_activity = loop.time()
                output.flush()
        except OutputClosed:
            self._output_closed = True
            self._wake.set()

    def _take(
        self, event: Arrived, pattern: Callable[[Payload], bool] | None, count: int | None
    ) -> bool:
        """The fast path of :meth:`_consume`: count and write a read's messages (up to
        --count or --until, as one by one); whether any was taken."""
        if self._satisfied:
            return False
        data, received = event.data, self.received
        taken = len(data) if count is None else min(len(data), count - received)
        if pattern is not None:
            hit = next((n for n in range(taken) if pattern(data[n])), None)
            if hit is not None:
                self.matched, taken = True, hit + 1
        self.received = received = received + taken
        if self.matched or (count is not None and received >= count):
            self._satisfied = True
            self._wake.set()
        if taken:
            self.output.received_data(data if taken == len(data) else data[:taken], event.at)
        return taken > 0


def matcher(rules: WaitRules) -> Callable[[Payload], bool] | None:
    """--until's or --until-json's test of a received message."""
    if rules.until is not None:
        regex = re.compile(rules.until)
        return lambda data: regex.search(_as_text(data)) is not None
    if rules.until_json is not None:
        from wscli.script.match import expect
        from wscli.script.syntax import Step

        step = Step(0, rules.until_json, "expect", arg=rules.until_json)
        return lambda data: expect(step, data, {}).ok
    return None


def _as_text(data: Payload) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")
