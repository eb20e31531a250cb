"""The interactive session: a prompt-toolkit prompt over a client Session.

Incoming messages print above the prompt (prompt-toolkit's StdoutProxy batches them, so a
burst does not stall typing); the bottom toolbar shows the WebSocket's state; slash
commands act on the connection. Ctrl-D or /quit closes with 1000 and waits for the
server's close frame; when the server closes, the session ends (with ``--reconnect``, it
connects again: see :mod:`wscli.repl.reconnect`).
"""

import asyncio
from typing import Any

from prompt_toolkit.formatted_text import ANSI, FormattedText
from prompt_toolkit.history import InMemoryHistory
from rich.text import Text

from wscli.client import Session
from wscli.env import Env
from wscli.errors import UsageError, WscliError
from wscli.events import Closed, Event, ReadyState
from wscli.options import WaitRules
from wscli.outcome import Verdict, judge
from wscli.repl.base import PromptBase, history_path
from wscli.repl.reconnect import drive, reconnect_now
from wscli.repl.view import View
from wscli.status import ExitStatus

__all__ = ["Repl", "history_path"]


class Repl(PromptBase):
    """One interactive session; :meth:`run` returns when the connection is CLOSED."""

    def __init__(
        self,
        session: Session,
        env: Env,
        *,
        execute: list[str | bytes],
        view: View = "hex",
        pretty: bool = True,
        timestamps: bool = False,
        show_ping_pong: bool = False,
        reconnect: bool = False,
    ) -> None:
        super().__init__(
            env,
            view=view,
            pretty=pretty,
            timestamps=timestamps,
            show_ping_pong=show_ping_pong,
        )
        self.session = session
        self.execute = execute
        self.closed: Closed | None = None
        self._open_error: WscliError | None = None
        #: --reconnect: connect again when the connection closes without the user quitting.
        self.reconnect = reconnect
        #: While reconnecting, what the toolbar says; None otherwise.
        self.reconnecting: str | None = None
        self.restart_requested = False  # /reconnect put a new session in place
        self.quitting = False  # the user quit (or a signal came): no more reconnects
        self.finished = False  # no session will follow: the prompt ends
        self.wake = asyncio.Event()  # ends a backoff wait early
        self.opener: asyncio.Task[bool] | None = None

    # Output above the prompt

    def _show_events(self, events: list[Event]) -> None:
        """Print a batch of events above the prompt in one write (a burst stays fast)."""
        rendered = (self._render_event(event) for event in events)
        self._show_all([text for text in rendered if text is not None])

    # The toolbar

    def toolbar(self) -> Any:
        from wscli.repl.toolbar import ToolbarState, toolbar_fragments

        session = self.session
        closed = self.closed
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
            reconnecting=self.reconnecting,
        )
        return FormattedText(toolbar_fragments(state, self._width()))

    # The loop

    async def run(self, interrupt: asyncio.Event) -> Verdict:
        from wscli.repl.completion import SlashCompleter

        self._make_prompt(history_path(self.env), SlashCompleter(), self.toolbar)
        waiting = gave_up = False
        driver = asyncio.create_task(drive(self))
        watcher = asyncio.create_task(self._watch(interrupt))
        try:
            with self._proxy:
                await self._loop()
                waiting = self.reconnecting is not None  # quit while reconnecting
                gave_up = self.session.ready_state is ReadyState.CONNECTING and not waiting
                self.quitting = True
                self.wake.set()
                if self.session.ready_state in (ReadyState.CONNECTING, ReadyState.OPEN):
                    if self.opener is not None:
                        self.opener.cancel()
                        await asyncio.gather(self.opener, return_exceptions=True)
                    await self.session.close(1001 if interrupt.is_set() else 1000)
                await driver
        finally:
            for task in (driver, watcher, *self._tasks):
                task.cancel()
        if self._open_error is not None:
            raise self._open_error
        if interrupt.is_set() or gave_up:  # gave up: quit before the handshake completed
            return Verdict(ExitStatus.INTERRUPTED)
        if waiting:
            return Verdict(ExitStatus.OK)
        closed = self.closed or await self.session.wait_closed()
        return judge(closed, WaitRules(), received=0, matched=False)

    async def _watch(self, interrupt: asyncio.Event) -> None:
        """SIGINT or SIGTERM from outside (Ctrl-C at the prompt only clears the line)."""
        await interrupt.wait()
        if self._prompt is not None and self._prompt.app.is_running:
            self._prompt.app.exit(exception=EOFError())

    def _done(self) -> bool:
        return self.finished

    def _prompt_text(self) -> Any:
        state = self.session.ready_state
        return ANSI(f"\x1b[1m{state.name.lower()}>\x1b[0m ")

    async def _handle(self, line: str) -> bool:
        """Act on one input line; False ends the session."""
        from wscli.repl import commands as c

        session = self.session
        match c.parse_line(line):
            case c.SendText(text=text):
                if (
                    text[:1] in ("{", "[")
                    and not _is_json(text)
                    and not await self._confirm(
                        "this looks like JSON but does not parse; send it anyway? [y/N] "
                    )
                ):
                    return True
                self._send(text)
            case c.SendBinary(data=data):
                self._send(data)
            case c.SendFile(path=path):
                self._send(self._read_file(path))
            case c.SendPing(data=data):
                self._background(self._ping(data))
            case c.SendPong(data=data):
                await session.pong(data)
            case c.CloseConnection(code=code, reason=reason):
                await session.close(code, reason)
                return False
            case c.SetView() | c.SetPretty() | c.SetTimestamps() as display:
                self._set_display(display)
            case c.ShowStatus():
                self.show(self._status_text())
            case c.SaveSession(path=path):
                self._save(path)
            case c.Reconnect():
                await reconnect_now(self)
            case c.Quit():
                return False
            case c.ShowHelp(topic=topic):
                self.show(c.help_text(topic))
        return True

    def _send(self, payload: str | bytes) -> None:
        if not self.session.send(payload):
            raise UsageError(
                f"not sent: the connection is {self.session.ready_state.name}",
                "/reconnect, or quit",
            )

    async def _ping(self, data: bytes) -> None:
        try:
            rtt = await self.session.ping(data)
        except WscliError as error:
            self.show_error(error.message)
            return
        except Exception:  # the connection closed before the pong
            return
        self.show(Text(f"pong after {rtt * 1000:.2f} ms", style="magenta"))

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
        from wscli.render import escape, headers_block

        s = self.session
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
        if self.closed is not None:
            closed = self.closed
            lines.append(
                f"close: {closed.code} {escape(closed.reason, keep_newlines=False)!r} "
                f"wasClean={str(closed.was_clean).lower()} by {closed.initiated_by}"
            )
        lines += headers_block("request headers:", s.request_headers)
        lines += headers_block("response headers:", s.response_headers)
        return "\n".join(lines)


def _is_json(text: str) -> bool:
    import json

    try:
        json.loads(text)
    except ValueError:
        return False
    return True
