"""What both prompts share (``connect``'s and ``listen``'s): printing above the prompt,
the prompt itself, the display settings, files, ``/save`` and background work."""

import asyncio
import os
from collections.abc import Callable, Coroutine
from io import StringIO
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.patch_stdout import StdoutProxy
from prompt_toolkit.styles import Style
from rich.console import Console
from rich.text import Text

from wscli.env import Env
from wscli.errors import UsageError, WscliError
from wscli.link.connection import Link
from wscli.options import BinaryView
from wscli.protocol.events import Event, Ping, Pong
from wscli.render import event_json
from wscli.repl import inputs as i
from wscli.repl.view import Side, ansi, render_event

__all__ = ["PromptBase", "history_path"]


def history_path(env: Env, name: str = "history") -> Path:
    """``$XDG_STATE_HOME/wscli/NAME`` (default ``~/.local/state/wscli/NAME``)."""
    base = env.environ.get("XDG_STATE_HOME") or os.path.join(
        env.environ.get("HOME", os.path.expanduser("~")), ".local", "state"
    )
    return Path(base) / "wscli" / name


class PromptBase:
    """The shared half of :class:`~wscli.repl.connect_prompt.ConnectPrompt` and
    :class:`~wscli.repl.listen_prompt.ListenPrompt`."""

    #: wscli's side of the connections shown.
    side: Side = "client"

    def __init__(
        self, env: Env, *, view: BinaryView, pretty: bool, timestamps: bool, show_ping_pong: bool
    ) -> None:
        self.env = env
        self.view: BinaryView = view if view != "raw" else "hex"  # no raw bytes on screen
        self.pretty = pretty
        self.timestamps = timestamps
        self.show_ping_pong = show_ping_pong
        self._proxy = StdoutProxy(raw=True, sleep_between_writes=0.05)
        self._console = Console(
            file=StringIO(), force_terminal=True, color_system="standard", highlight=False
        )
        self._prompt: PromptSession[str] | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._log: list[str] = []  # every event as JSON Lines, for /save

    # Output above the prompt

    def show(self, text: Text | str) -> None:
        """Print one item above the prompt (rich Text, or plain text that is escaped)."""
        self._proxy.write(ansi([text if isinstance(text, Text) else Text(text)], self._console))

    def _render_event(self, event: Event, conn_id: int = 0) -> Text | None:
        """``event`` as shown above the prompt with the current display settings; None
        when it is not shown (pings and pongs without -P)."""
        if isinstance(event, Ping | Pong) and not self.show_ping_pong:
            return None
        return render_event(
            event,
            view=self.view,
            pretty=self.pretty,
            timestamps=self.timestamps,
            side=self.side,
            conn_id=conn_id,
        )

    def _log_events(self, events: list[Event], conn_id: int | None = None) -> None:
        """Keep ``events`` for /save, as JSON Lines."""
        self._log.extend(event_json(event, conn_id=conn_id) for event in events)

    def _show_all(self, texts: list[Text]) -> None:
        """Print several items above the prompt in one write (a burst stays fast)."""
        if texts:
            self._proxy.write(ansi(texts, self._console))

    def show_error(self, message: str) -> None:
        self.show(Text(f"error: {message}", style="bold red"))

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self.env.stdout.fileno()).columns
        except (OSError, ValueError):
            return 80

    # The prompt

    def _make_prompt(
        self, history: Path, completer: Completer, toolbar: Callable[[], Any]
    ) -> "PromptSession[str]":
        from wscli.repl.keys import make_key_bindings
        from wscli.repl.terminal import raw_input
        from wscli.repl.toolbar import TOOLBAR_STYLE

        try:
            history.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # What was typed may be private (tokens in messages): 0600, as shells keep theirs.
            os.close(os.open(history, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            kept: History = FileHistory(str(history))
        except OSError as exc:
            self.show_error(f"history not kept: cannot create {history.parent}: {exc.strerror}")
            kept = InMemoryHistory()
        self._prompt = PromptSession(
            input=raw_input(),
            history=kept,
            auto_suggest=AutoSuggestFromHistory(),
            completer=completer,
            complete_while_typing=False,
            key_bindings=make_key_bindings(),
            bottom_toolbar=toolbar,
            style=Style.from_dict(TOOLBAR_STYLE),
            refresh_interval=0.5,
            multiline=False,
        )
        return self._prompt

    # The loop

    def _prompt_text(self) -> Any:
        raise NotImplementedError

    async def _handle(self, line: str) -> bool:
        """Act on one input line; False ends the session."""
        raise NotImplementedError

    def _done(self) -> bool:
        """True when no further prompt should be shown."""
        return False

    async def _loop(self) -> None:
        """Prompt, act, repeat, until Ctrl-D, /quit or :meth:`_done`. An invalid line is an
        error line above the prompt, and the session goes on."""
        assert self._prompt is not None
        while not self._done():
            try:
                # SIGINT from outside is the runner's (close with 1001, exit 130), not
                # prompt-toolkit's (KeyboardInterrupt: no close frame at all).
                line = await self._prompt.prompt_async(self._prompt_text, handle_sigint=False)
            except EOFError:
                return
            if not line:
                continue
            try:
                if await self._handle(line) is False:
                    return
            except UsageError as error:
                hint = f" (hint: {error.hint})" if error.hint else ""
                self.show_error(f"{error.message}{hint}")

    # Commands both prompts have

    def _set_display(self, command: object) -> bool:
        """Apply ``/view``, ``/pretty`` or ``/timestamps``; False for any other command."""
        match command:
            case i.SetView(view=view):
                self.view = view
                self.show(f"binary messages are shown as {view}")
            case i.SetPretty(enabled=enabled):
                self.pretty = not self.pretty if enabled is None else enabled
                self.show(f"JSON pretty-printing {'on' if self.pretty else 'off'}")
            case i.SetTimestamps(enabled=enabled):
                self.timestamps = not self.timestamps if enabled is None else enabled
                self.show(f"timestamps {'on' if self.timestamps else 'off'}")
            case _:
                return False
        return True

    @staticmethod
    def _payload(message: i.SendText | i.SendBinary | i.SendFile) -> str | bytes:
        """What a typed message sends: the text, the bytes, or ``/file PATH``'s content.

        Raises:
            UsageError: the file cannot be read.
        """
        if isinstance(message, i.SendText):
            return message.text
        if isinstance(message, i.SendBinary):
            return message.data
        try:
            return Path(message.path).expanduser().read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read {message.path}: {exc.strerror}", "check the path"
            ) from None

    async def _ping(self, link: Link, data: bytes, label: str = "") -> None:
        """Ping ``link`` and show the round trip (``label``: which client)."""
        try:
            rtt = await link.ping(data)
        except WscliError as error:
            self.show_error(error.message)
            return
        except Exception:  # the connection closed before the pong
            return
        self.show(Text(f"{label}pong after {rtt * 1000:.2f} ms", style="magenta"))

    def _save(self, path: str) -> None:
        target = Path(path).expanduser()
        try:
            target.write_text("".join(line + "\n" for line in self._log), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}", "check the path") from None
        self.show(f"saved {len(self._log)} events to {path}")

    def _background(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
