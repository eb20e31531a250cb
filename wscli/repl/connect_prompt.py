"""``wscli connect``'s prompt: a prompt-toolkit prompt over a client connection.

Incoming messages print above the prompt (prompt-toolkit's StdoutProxy batches them, so a
burst does not stall typing); the bottom toolbar shows the WebSocket's state; slash
commands act on the connection. Ctrl-D or /quit closes with 1000 and waits for the
server's close frame; when the server closes, the prompt ends (with ``--reconnect``, it
connects again: the connection's life is :class:`~wscli.repl.lifecycle.Lifecycle`'s).
"""

import asyncio
from typing import Any

from prompt_toolkit.formatted_text import ANSI, FormattedText
from prompt_toolkit.history import InMemoryHistory
from rich.text import Text

from wscli.client.session import Session
from wscli.dialect.base import DialectSettings
from wscli.dialect.registry import make_dialect
from wscli.env import Env
from wscli.errors import UsageError
from wscli.flows.speaking import Speaker
from wscli.options import BinaryView, StreamRules, WaitRules
from wscli.output import ScriptRecorder
from wscli.protocol.events import Event, Message, Opened, ReadyState
from wscli.protocol.verdict import Verdict, judge
from wscli.repl import inputs as i
from wscli.repl.commands import CONNECT
from wscli.repl.lifecycle import Lifecycle
from wscli.repl.prompt import PromptBase, history_path
from wscli.script.streams import Streams
from wscli.status import ExitStatus

__all__ = ["ConnectPrompt"]


class ConnectPrompt(PromptBase):
    """``connect``'s prompt; :meth:`interact` returns when the connection is CLOSED."""

    def __init__(
        self,
        session: Session,
        env: Env,
        *,
        first_messages: list[str | bytes],
        view: BinaryView = "hex",
        pretty: bool = True,
        timestamps: bool = False,
        show_ping_pong: bool = False,
        reconnect: bool = False,
        recorder: ScriptRecorder | None = None,
        streams: StreamRules | None = None,
        dialect: DialectSettings | None = None,
    ) -> None:
        super().__init__(
            env,
            view=view,
            pretty=pretty,
            timestamps=timestamps,
            show_ping_pong=show_ping_pong,
        )
        self.recorder = recorder
        rules = streams or StreamRules()
        self.every = rules.every
        self._rules = {"filter": list(rules.filters), "ignore": list(rules.ignores)}
        self._replies = rules.replies
        self.streams: Streams | None = None
        self._streams_changed()
        self.dialect = dialect
        #: The current connection's dialect (a new one for each connection).
        self.speaker: Speaker | None = None
        self._first = first_messages if dialect is not None else []  # sent through it
        self.life = Lifecycle(
            session,
            first_messages=first_messages if dialect is None else [],
            reconnect=reconnect,
            on_events=self._show_events,
            on_notice=lambda text: self.show(Text(text, style="yellow")),
            on_change=self._redraw,
        )

    # Output above the prompt

    def _show_events(self, events: list[Event]) -> None:
        """Log a batch of events (for /save) and print it above the prompt in one write (a
        burst stays fast)."""
        if self.dialect is not None:
            events = self._spoken(events)
        if self.recorder is not None:
            self.recorder.record(events)
            self.recorder.flush()
        if self.streams is not None:
            events = self._streamed(events)
        self._log_events(events)
        rendered = (self._render_event(event) for event in events)
        self._show_all([text for text in rendered if text is not None])

    def _spoken(self, events: list[Event]) -> list[Event]:
        """--dialect: a new connection gets its own dialect (the opening, then -x); each
        received frame becomes its application messages."""
        assert self.dialect is not None
        shown: list[Event] = []
        for event in events:
            if isinstance(event, Opened):
                self.speaker = Speaker(
                    make_dialect(self.dialect),
                    self.life.session,
                    lambda line: self.show(Text(line, style="red")),
                )
                self.speaker.open()
                self._background(self.speaker.keep_beating())
                self._send_all(self._first)
            if self.speaker is None or not isinstance(event, Message):
                shown.append(event)
            else:
                shown += self.speaker.translate([event])
        return shown

    def _send_all(self, messages: list[str | bytes]) -> bool:
        """Send application messages (through the dialect, if any)."""
        if self.speaker is not None:
            try:
                taken = self.speaker.send(messages)
                if taken and self.recorder is not None:
                    self.recorder.record_sent(messages[:taken])
                return taken > 0 or not messages
            except UsageError as error:
                self.show(Text(f"not sent: {error.message}", style="red"))
                return True
        return self.life.session.send_many(messages) > 0 or not messages

    def _streamed(self, events: list[Event]) -> list[Event]:
        """--reply answers; --filter/--ignore decide what is shown."""
        assert self.streams is not None
        shown = []
        for event in events:
            if isinstance(event, Message) and event.direction == "in":
                answers = self.streams.answers(event.data)
                if answers:
                    self._send_all(list[str | bytes](answers))
                if not self.streams.passes(event.data):
                    continue
            shown.append(event)
        return shown

    def _streams_changed(self) -> None:
        filters, ignores = self._rules["filter"], self._rules["ignore"]
        self.streams = None
        if self._replies or filters or ignores:
            self.streams = Streams(self._replies, filters, ignores)

    def _filters(self, command: i.AddFilter | i.ShowFilters) -> None:
        """/filter, /ignore, /filters [clear]."""
        if isinstance(command, i.AddFilter):
            self._rules[command.kind].append(command.pattern)
        elif command.clear:
            self._rules = {"filter": [], "ignore": []}
        else:
            lines = [f"{kind} {p}" for kind, ps in self._rules.items() for p in ps]
            self.show("\n".join(lines) or "no filters")
            return
        self._streams_changed()
        count = sum(map(len, self._rules.values()))
        self.show(Text(f"{count} filter{'' if count == 1 else 's'} in force", style="yellow"))

    async def _every(self, seconds: float, message: str) -> None:
        """--every: send ``message`` every ``seconds`` while a connection is OPEN."""
        while True:
            await asyncio.sleep(seconds)
            session = self.life.session
            if session.ready_state is ReadyState.OPEN:
                self._send_all([message])

    def _redraw(self) -> None:
        """The connection's state changed: redraw the toolbar, or end the prompt when no
        session follows."""
        prompt = self._prompt
        if prompt is None or not prompt.app.is_running:
            return
        if self.life.finished:
            prompt.app.exit(exception=EOFError())
        else:
            prompt.app.invalidate()

    # The toolbar

    def toolbar(self) -> Any:
        from wscli.repl.toolbar import ToolbarState, toolbar_fragments

        session = self.life.session
        closed = self.life.closed
        state = ToolbarState(
            ready_state=session.ready_state,
            url=session.url,
            protocol=session.protocol,
            extensions=session.extensions,
            buffered_amount=session.buffered_amount,
            messages_in=session.messages_in,
            messages_out=session.messages_out,
            bytes_in=session.bytes_in,
            bytes_out=session.bytes_out,
            latency=session.latency,
            view=self.view,
            close=None
            if closed is None
            else (closed.code, closed.reason, closed.was_clean, closed.initiated_by),
            reconnecting=self.life.reconnecting,
        )
        return FormattedText(toolbar_fragments(state, self._width()))

    # The loop

    async def interact(self, interrupt: asyncio.Event) -> Verdict:
        """Prompt until the user quits or the connection ends; the verdict says how."""
        from wscli.repl.completer import SlashCompleter

        life = self.life
        self._make_prompt(history_path(self.env), SlashCompleter(), self.toolbar)
        driver = asyncio.create_task(life.drive())
        for seconds, message in self.every:
            self._background(self._every(seconds, message))
        watcher = asyncio.create_task(self._watch(interrupt))
        try:
            with self._proxy:
                await self._loop()
                waiting = life.reconnecting is not None  # quit while reconnecting
                gave_up = life.session.ready_state is ReadyState.CONNECTING and not waiting
                if self.speaker is not None:
                    self.speaker.close()
                await life.quit(1001 if interrupt.is_set() else 1000)
                await driver
        finally:
            for task in (driver, watcher, *self._tasks):
                task.cancel()
        if life.open_error is not None:
            raise life.open_error
        if interrupt.is_set() or gave_up:  # gave up: quit before the handshake completed
            return Verdict(ExitStatus.INTERRUPTED)
        if waiting:
            return Verdict(ExitStatus.OK)
        closed = life.closed or await life.session.wait_closed()
        return judge(closed, WaitRules(), received=0, matched=False)

    async def _watch(self, interrupt: asyncio.Event) -> None:
        """SIGINT or SIGTERM from outside (Ctrl-C at the prompt only clears the line)."""
        await interrupt.wait()
        if self._prompt is not None and self._prompt.app.is_running:
            self._prompt.app.exit(exception=EOFError())

    def _done(self) -> bool:
        return self.life.finished

    def _prompt_text(self) -> Any:
        state = self.life.session.ready_state
        return ANSI(f"\x1b[1m{state.name.lower()}>\x1b[0m ")

    async def _handle(self, line: str) -> bool:
        """Act on one input line; False ends the session."""
        session = self.life.session
        match CONNECT.parse(line):
            case i.SendText() | i.SendBinary() | i.SendFile() as message:
                if isinstance(message, i.SendText) and not await self._json_or_confirmed(
                    message.text
                ):
                    return True
                self._send(self._payload(message))
            case i.SendPing(data=data):
                self._background(self._ping(session, data))
            case i.SendPong(data=data):
                await session.pong(data)
            case i.CloseConnection(code=code, reason=reason):
                if self.speaker is not None:
                    self.speaker.close()
                await session.close(code, reason)
                return False
            case i.SetView() | i.SetPretty() | i.SetTimestamps() as display:
                self._set_display(display)
            case i.ShowStatus():
                self.show(self._status_text())
            case i.AddFilter() | i.ShowFilters() as command:
                self._filters(command)
            case i.StopOperation(ident=ident):
                if self.speaker is None:
                    raise UsageError("/stop needs --dialect graphql", "a GraphQL operation id")
                session.send_many(self.speaker.dialect.stop(ident))
            case i.SaveSession(path=path):
                self._save(path)
            case i.Reconnect():
                await self.life.reconnect_now()
            case i.Quit():
                return False
            case i.ShowHelp(topic=topic):
                self.show(CONNECT.help(topic))
        return True

    def _send(self, payload: str | bytes) -> None:
        session = self.life.session
        if not (self._send_all([payload]) if self.speaker is not None else session.send(payload)):
            raise UsageError(
                f"not sent: the connection is {session.ready_state.name}",
                "/reconnect, or quit",
            )

    async def _json_or_confirmed(self, text: str) -> bool:
        """Whether to send ``text``: yes, unless it looks like JSON (``{``, ``[``) but does
        not parse and the user says no."""
        if text[:1] not in ("{", "[") or _is_json(text):
            return True
        return await self._confirm(
            "this looks like JSON but does not parse; send it anyway? [y/N] "
        )

    async def _confirm(self, question: str) -> bool:
        assert self._prompt is not None
        buffer = self._prompt.default_buffer
        history, buffer.history = buffer.history, InMemoryHistory()  # "y" is no message
        try:
            answer = await self._prompt.prompt_async(question, handle_sigint=False)
        except EOFError:
            return False
        finally:
            buffer.history = history
        return answer.strip().lower() in ("y", "yes")

    def _status_text(self) -> str:
        from wscli.render import closed_line, headers_block

        s = self.life.session
        lines = [
            f"url: {s.url}",
            f"readyState: {s.ready_state.name} ({int(s.ready_state)})",
            f"protocol: {s.protocol or '(none)'}",
            f"extensions: {s.extensions or '(none)'}",
            f"bufferedAmount: {s.buffered_amount}",
            f"messages: {s.messages_in} in ({s.bytes_in} bytes), "
            f"{s.messages_out} out ({s.bytes_out} bytes)",
            f"last ping: {'-' if s.latency is None else f'{s.latency * 1000:.2f} ms'}",
            f"binaryType (view): {self.view}",
        ]
        if self.life.closed is not None:
            lines.append(closed_line(self.life.closed))
        lines += headers_block("request headers:", s.request_headers)
        lines += headers_block("response headers:", s.response_headers)
        return "\n".join(lines)


def _is_json(text: str) -> bool:
    import json

    try:
        json.loads(text)
    except (ValueError, RecursionError):  # (RecursionError: nested too deep)
        return False
    return True
