"""The interactive ``wscli listen``: a prompt over a listener with numbered clients.

Client events print above the prompt labelled with the client's number (``[2] < hello``);
typed lines go to every client, or to the one chosen with ``/to N``. The toolbar shows the
address, the number of clients and the target. Ctrl-D, ``/quit``, Ctrl-C from outside or
SIGTERM close every client with 1001 and exit 0; with ``--once``, the session ends when
its one connection closes, with the exit status its close code maps to.
"""

import asyncio
from typing import Any

from prompt_toolkit.formatted_text import ANSI, FormattedText
from rich.text import Text

from wscli.env import Env
from wscli.errors import UsageError
from wscli.options import OutputOptions
from wscli.protocol.events import Event, Message, ReadyState
from wscli.protocol.target import masked_url
from wscli.protocol.verdict import Verdict, judge_once
from wscli.render import clients_table
from wscli.repl import inputs as i
from wscli.repl.commands import LISTEN
from wscli.repl.prompt import PromptBase, history_path
from wscli.server.listener import Listener, Peer
from wscli.status import ExitStatus

__all__ = ["ListenPrompt"]


class ListenPrompt(PromptBase):
    """``listen``'s prompt; :meth:`interact` returns when the server stops."""

    side = "server"

    def __init__(self, listener: Listener, env: Env, options: OutputOptions) -> None:
        super().__init__(
            env,
            view=options.binary_as,
            pretty=True,
            timestamps=options.timestamps,
            show_ping_pong=options.show_ping_pong,
        )
        self.listener = listener
        self.target: int | None = None
        # Sent messages are logged per client (for /save) but shown once, as typed.
        listener.report_sent = True

    # The toolbar and the prompt

    def toolbar(self) -> Any:
        from wscli.repl.toolbar import listen_toolbar_fragments

        peers = self.listener.peers.values()
        return FormattedText(
            listen_toolbar_fragments(
                self.listener.url,
                clients=len(self.listener.open_peers()),
                target=self.target,
                view=self.view,
                buffered_amount=sum(peer.buffered_amount for peer in peers),
                width=self._width(),
            )
        )

    def _prompt_text(self) -> Any:
        target = "all" if self.target is None else f"#{self.target}"
        return ANSI(f"\x1b[1m{target}>\x1b[0m ")

    def _arguments(self) -> dict[str, tuple[tuple[str, str], ...]]:
        from wscli.repl.completer import ARGUMENTS, CLOSE_CODE_CHOICES

        ids = tuple((str(peer.id), peer.remote) for peer in self.listener.open_peers())
        return {
            **ARGUMENTS,
            "/to": ids,
            "/kick": ids,
            "/ping": ids,
            "/help": tuple((name[1:], text) for name, text in LISTEN.usages.items()),
            "/close": CLOSE_CODE_CHOICES,
        }

    # The loop

    async def interact(self, interrupt: asyncio.Event) -> Verdict:
        """Prompt until the user quits, a signal comes or --once's connection ends."""
        from wscli.repl.completer import SlashCompleter

        completer = SlashCompleter(LISTEN.usages, self._arguments)
        self._make_prompt(history_path(self.env, "listen-history"), completer, self.toolbar)
        consumer = asyncio.create_task(self._consume())
        ender = asyncio.create_task(self._end_when(interrupt))
        try:
            with self._proxy:
                try:
                    await self._loop()
                finally:
                    await self.listener.stop(1001)  # every client gets 1001, whatever ended it
                await asyncio.wait_for(consumer, 2.0)  # their close events are shown
        except TimeoutError:
            pass
        finally:
            for task in (consumer, ender, *self._tasks):
                task.cancel()
        once = self.listener.once_closed
        if once.done() and not interrupt.is_set():
            return judge_once(once.result())
        return Verdict(ExitStatus.OK)

    async def _end_when(self, interrupt: asyncio.Event) -> None:
        """SIGINT/SIGTERM from outside, or --once's connection closing, ends the prompt."""
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(interrupt.wait())]
        if self.listener.options.once:
            waits.append(self.listener.once_closed)
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if self._prompt is not None and self._prompt.app.is_running:
            self._prompt.app.exit(exception=EOFError())

    async def _consume(self) -> None:
        async for batch in self.listener.batches():
            shown: list[Text] = []
            for conn_id, event in batch:
                self._log_events([event], conn_id)
                rendered = self._render(conn_id, event)
                if rendered is not None:
                    shown.append(rendered)
            self._show_all(shown)
            if self._prompt is not None and self._prompt.app.is_running:
                self._prompt.app.invalidate()

    def _render(self, conn_id: int, event: Event) -> Text | None:
        if isinstance(event, Message) and event.direction == "out":
            return None  # shown once when typed: "[all (3 clients)] > text"
        label = Text(f"[{conn_id}] ", style="bold")
        rendered = self._render_event(event, conn_id)
        return None if rendered is None else label + rendered

    async def _handle(self, line: str) -> bool:
        """Act on one input line; False ends the session."""
        match LISTEN.parse(line):
            case i.SendText() | i.SendBinary() | i.SendFile() as message:
                self._send(self._payload(message))
            case i.SetTarget(conn_id=conn_id):
                if conn_id is not None:
                    self._peer(conn_id)  # must exist now
                self.target = conn_id
                who = "every client" if conn_id is None else f"client {conn_id}"
                self.show(f"sending to {who}")
            case i.ListClients():
                self.show(self._clients())
            case i.Kick(conn_id=conn_id, code=code, reason=reason):
                self._background(self._peer(conn_id).close(code, reason))
            case i.PingClient(conn_id=conn_id, data=data):
                self._background(self._ping(self._peer(conn_id), data, f"[{conn_id}] "))
            case i.SetView() | i.SetPretty() | i.SetTimestamps() as display:
                self._set_display(display)
            case i.ShowStatus():
                self.show(self._status())
            case i.SaveSession(path=path):
                self._save(path)
            case i.ShowHelp(topic=topic):
                self.show(LISTEN.help(topic))
            case i.Quit():
                return False
        return True

    def _peer(self, conn_id: int) -> Peer:
        peer = self.listener.peers.get(conn_id)
        if peer is None or peer.ready_state is not ReadyState.OPEN:
            raise UsageError(f"client {conn_id} is not connected", "/clients lists the clients")
        return peer

    def _send(self, payload: str | bytes) -> None:
        if self.target is None:
            count = self.listener.send_all(payload)
            if count == 0:
                raise UsageError("not sent: no client is connected", "wait for a client")
            to = f"all ({count} client{'s' if count != 1 else ''})"
        else:
            peer = self._peer(self.target)
            frames = [payload] if peer.encode is None else peer.encode(payload)
            if peer.send_many(frames) < len(frames):
                raise UsageError(f"not sent: client {self.target} is closing", "/all, or /to N")
            to = str(self.target)
        shown = self._render_event(Message(payload, "out"))
        assert shown is not None
        self.show(Text(f"[{to}] ", style="bold") + shown)

    def _clients(self) -> str:
        rows = [
            (
                peer.id,
                peer.remote,
                masked_url(peer.path),
                peer.protocol or "-",
                peer.ready_state.name,
                peer.buffered_amount,
                peer.messages_in,
                peer.messages_out,
                peer.client_dn,
            )
            for peer in self.listener.peers.values()
        ]
        return clients_table(rows)

    def _status(self) -> str:
        listener = self.listener
        target = "every client" if self.target is None else f"client {self.target}"
        return "\n".join(
            [
                f"listening on {listener.url}",
                f"clients: {len(listener.open_peers())} connected, {listener.accepted} so far",
                f"sending to: {target}",
                f"binaryType (view): {self.view}",
            ]
        )
