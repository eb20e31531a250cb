"""Where events go: data on stdout (plain or JSON Lines), status lines on stderr."""

import contextlib
from typing import TYPE_CHECKING, Literal

from wscli.codes import NORMAL_CLOSE_CODES
from wscli.env import Env
from wscli.errors import OutputClosed, WscliError
from wscli.events import Closed, Event, Message, Opened, Ping, Pong
from wscli.options import OutputOptions
from wscli.render import (
    closed_line,
    control_line,
    data_line,
    escape,
    event_json,
    headers_block,
    opened_line,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output", "StatusWriter", "StdoutSink"]

Tone = Literal["info", "good", "warn", "bad"]
_STYLES: dict[Tone, str] = {"info": "dim", "good": "green", "warn": "yellow", "bad": "bold red"}


class StatusWriter:
    """Diagnostics on stderr, ``wscli: ...``; coloured (through rich) only when asked for."""

    def __init__(self, env: Env, options: OutputOptions) -> None:
        self._stream = env.stderr
        self._quiet = options.quiet
        self._color = env.stderr_color(options.color)
        self._console: Console | None = None

    def line(self, text: str, tone: Tone = "info", *, always: bool = False) -> None:
        """Write one status line (suppressed by -q unless ``always``)."""
        if self._quiet and not always:
            return
        with contextlib.suppress(OSError, ValueError):  # stderr closed: nowhere to say it
            self._write(text, tone)

    def _write(self, text: str, tone: Tone) -> None:
        if self._color:
            if self._console is None:
                from rich.console import Console

                # wscli has decided (Env.stderr_color): keep rich from overruling it with
                # NO_COLOR or TERM=dumb.
                self._console = Console(
                    file=self._stream,
                    force_terminal=True,
                    highlight=False,
                    no_color=False,
                    color_system="standard",
                )
            from rich.text import Text

            self._console.print(Text(f"wscli: {text}", style=_STYLES[tone]), soft_wrap=True)
        else:
            self._stream.write(f"wscli: {text}\n")
        self._stream.flush()

    def error(self, error: WscliError) -> None:
        """``wscli: error: MESSAGE (hint: HINT)``: always shown, one line, escaped."""
        text = "error: " + escape(error.message, keep_newlines=False)
        if error.hint:
            text += f" (hint: {escape(error.hint, keep_newlines=False)})"
        self.line(text, "bad", always=True)


class StdoutSink:
    """Data on stdout: a reader that went away (``| head -1``) is OutputClosed."""

    def __init__(self, env: Env) -> None:
        self._stdout = env.stdout

    def _write(self, data: bytes) -> None:
        try:
            self._stdout.write(data)
        except BrokenPipeError:
            raise OutputClosed("stdout was closed") from None

    def flush(self) -> None:
        """Flush stdout (once per batch of events, so a pipe never waits on a buffer)."""
        try:
            self._stdout.flush()
        except BrokenPipeError:
            raise OutputClosed("stdout was closed") from None


class Output(StdoutSink):
    """Writes a session's events: received data to stdout, the rest as status lines."""

    def __init__(self, env: Env, options: OutputOptions, *, show_messages: bool = True) -> None:
        super().__init__(env)
        self.options = options
        self.show_messages = show_messages
        self.status = StatusWriter(env, options)
        self._terminal = env.stdout_isatty
        self._opened = False
        self.closed: Closed | None = None

    @property
    def wants_sent(self) -> bool:
        """Whether message-out events are written (only --jsonl shows what was sent)."""
        return self.options.jsonl

    def event(self, event: Event) -> None:
        """Write one event where it belongs."""
        options = self.options
        if options.jsonl:
            self._write((event_json(event) + "\n").encode("utf-8", "surrogatepass"))
        if isinstance(event, Message):
            if event.direction == "in" and self.show_messages and not options.jsonl:
                self._write(
                    data_line(
                        event,
                        binary_as=options.binary_as,
                        terminal=self._terminal,
                        timestamps=options.timestamps,
                    )
                )
        elif isinstance(event, Opened):
            self._opened = True
            if options.verbose:
                for line in headers_block("request headers:", event.request_headers):
                    self.status.line(line)
                for line in headers_block("response headers:", event.response_headers):
                    self.status.line(line)
            self.status.line(opened_line(event), "good")
        elif isinstance(event, Ping | Pong):
            if options.show_ping_pong:
                self.status.line(control_line(event))
        elif isinstance(event, Closed):
            self.closed = event
            tone: Tone = "good" if event.was_clean and event.code in NORMAL_CLOSE_CODES else "warn"
            if event.code == 1006:
                tone = "bad"
            if self._opened:
                self.status.line(closed_line(event), tone)
        # A Failed event's message becomes the final error line (see outcome.judge).

    def data(self, text: str) -> None:
        """Write a line of this command's own data (the ``close`` report) to stdout."""
        self._write((text + "\n").encode("utf-8", "surrogatepass"))
