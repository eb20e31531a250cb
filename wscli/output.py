"""Where events go, for both sides: data on stdout (plain or JSON Lines), status lines on
stderr."""

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from wscli.env import Env
from wscli.errors import OutputClosed, UsageError, WscliError
from wscli.options import OutputOptions
from wscli.protocol.codes import NORMAL_CLOSE_CODES
from wscli.protocol.events import (
    Closed,
    Event,
    Failed,
    Message,
    Opened,
    Ping,
    Pong,
    received_messages,
)
from wscli.render import (
    closed_line,
    control_line,
    data_line,
    escape,
    event_json,
    headers_block,
    listening_json,
    messages_jsonl,
    opened_line,
    peer_opened_line,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output", "ScriptRecorder", "StatusWriter", "StdoutSink", "Tone", "close_tone"]

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
        line = f"wscli: {text}\n"
        if self._color:
            line = self._colored(line, tone)
        self._stream.write(line.encode("utf-8", "backslashreplace"))
        self._stream.flush()

    def _colored(self, line: str, tone: Tone) -> str:
        from rich.text import Text

        if self._console is None:
            import io

            from rich.console import Console

            # wscli has decided (Env.stderr_color): keep rich from overruling it with
            # NO_COLOR or TERM=dumb.
            self._console = Console(
                file=io.StringIO(),
                force_terminal=True,
                highlight=False,
                no_color=False,
                color_system="standard",
                width=1 << 16,
            )
        with self._console.capture() as capture:
            self._console.print(Text(line.rstrip("\n"), style=_STYLES[tone]), soft_wrap=True)
        return capture.get()

    def error(self, error: WscliError) -> None:
        """``wscli: error: MESSAGE (hint: HINT)``: always shown, one line, escaped."""
        text = "error: " + escape(error.message, keep_newlines=False)
        if error.hint:
            text += f" (hint: {escape(error.hint, keep_newlines=False)})"
        self.line(text, "bad", always=True)

    def traceback(self) -> None:
        """The traceback of the exception being handled (for --debug)."""
        import traceback  # only for --debug: kept out of start-up

        with contextlib.suppress(OSError, ValueError):
            self._stream.write(traceback.format_exc().encode("utf-8", "backslashreplace"))
            self._stream.flush()


class StdoutSink:
    """Data on stdout: a reader that went away (``| head -1``) is OutputClosed."""

    def __init__(self, env: Env) -> None:
        self._stdout = env.stdout
        self._pending: list[bytes] = []

    def _write(self, data: bytes) -> None:
        self._pending.append(data)  # written by flush(), once per batch

    def flush(self) -> None:
        """Write what waits and flush stdout: one write per batch of events, whatever
        stdout's buffering (PYTHONUNBUFFERED too), and nothing left in a buffer after."""
        pending = self._pending
        try:
            if pending:
                data = pending[0] if len(pending) == 1 else b"".join(pending)
                pending.clear()
                self._stdout.write(data)
            self._stdout.flush()
        except BrokenPipeError:
            raise OutputClosed("stdout was closed") from None


class Output(StdoutSink):
    """The one front end of both cores: received data to stdout (plain, or every event as
    JSON Lines), the rest as status lines on stderr.

    Events of a client session come without a connection id; ``listen``'s come with the
    id of the client they belong to (``[N]`` on a terminal, ``"id"`` in JSON Lines).
    """

    def __init__(self, env: Env, options: OutputOptions, *, show_messages: bool = True) -> None:
        super().__init__(env)
        self.options = options
        self.show_messages = show_messages
        self.status = StatusWriter(env, options)
        self._terminal = env.stdout_isatty
        self._opened = False
        #: connect --record's script file, when asked for.
        self.recorder: ScriptRecorder | None = None

    @property
    def wants_sent(self) -> bool:
        """Whether message-out events are written (--jsonl and --record show what was
        sent)."""
        return self.options.jsonl or self.recorder is not None

    def flush(self) -> None:
        if self.recorder is not None:
            self.recorder.flush()
        super().flush()

    def listening(self, url: str) -> None:
        """Announce ``listen``'s readiness: a status line, and a ``listening`` event with
        --jsonl."""
        if self.options.jsonl:
            self._write(listening_json(url).encode() + b"\n")
            self.flush()
        self.status.line(f"listening on {url}", "good", always=True)

    def event(self, event: Event, conn_id: int | None = None) -> None:
        """Write one event where it belongs; ``conn_id``: the ``listen`` client's number."""
        if self.recorder is not None:
            self.recorder.record((event,))
        self._event(event, conn_id)

    def _event(self, event: Event, conn_id: int | None) -> None:
        options = self.options
        if options.jsonl:
            self._write(
                (event_json(event, conn_id=conn_id) + "\n").encode("utf-8", "surrogatepass")
            )
        if isinstance(event, Message):
            if event.direction == "in" and self.show_messages and not options.jsonl:
                self._write_data(event, conn_id)
            return
        who = "" if conn_id is None else f"client {conn_id}"
        if isinstance(event, Opened):
            self._opened = True
            self._opened_lines(event, conn_id)
        elif isinstance(event, Ping | Pong):
            if options.show_ping_pong:
                self.status.line(f"{who}: {control_line(event)}" if who else control_line(event))
        elif isinstance(event, Closed):
            if self._opened:  # a connection that never opened ends with the error line
                side = "client" if conn_id is None else "server"
                line = closed_line(event, side=side)
                self.status.line(f"{who} {line}" if who else line, close_tone(event))
        elif isinstance(event, Failed) and who:
            # A client session's failure becomes its final error line (see verdict.judge).
            self.status.line(f"{who}: {escape(event.message, keep_newlines=False)}", "warn")

    def received(self, messages: list[Message], conn_id: int | None = None) -> None:
        """Received messages, as :meth:`event` writes each (text into a pipe at once)."""
        if self.recorder is not None:
            self.recorder.record(messages)
        if self.options.jsonl:
            self._write(messages_jsonl(messages, conn_id).encode("utf-8", "surrogatepass"))
            return
        if self._write_plain([message.data for message in messages]):
            return
        for message in messages:
            self._event(message, conn_id)

    def received_data(self, data: list[str | bytes], at: float) -> None:
        """The messages of one read (received at ``at``), as :meth:`received` writes them:
        text into a pipe at once, without an event each."""
        if self.recorder is None and not self.options.jsonl and self._write_plain(data):
            return
        self.received(received_messages(data, at))

    def _write_plain(self, data: list[str | bytes]) -> bool:
        """Text messages into a pipe (no timestamps, no terminal), at once; False and
        nothing written otherwise, or when binary is among them."""
        options = self.options
        framing = options.framing
        if options.timestamps or options.pretty or self._terminal or not self.show_messages:
            return False
        if framing.binary_prefix is not None:
            return False
        end, prefix = framing.end.decode(), framing.text_prefix or ""
        try:
            text = end.join([prefix + item for item in data] if prefix else data)  # type: ignore[operator, arg-type]
        except TypeError:  # binary among them
            return False
        self._write((text + end).encode("utf-8", errors="surrogateescape"))
        return True

    def filtered(self, message: Message, mark: str = "filtered") -> None:
        """A received message that --filter/--ignore held back, or a dialect's raw frame
        (``mark="raw"``): --jsonl only, marked so."""
        if self.recorder is not None and mark == "filtered":
            self.recorder.record((message,))
        if self.options.jsonl:
            line = event_json(message, mark=mark) + "\n"
            self._write(line.encode("utf-8", "surrogatepass"))

    def _write_data(self, message: Message, conn_id: int | None) -> None:
        options = self.options
        data = data_line(
            message,
            binary_as=options.binary_as,
            terminal=self._terminal,
            timestamps=options.timestamps,
            pretty=options.pretty,
            framing=None if self._terminal else options.framing,
        )
        if conn_id is not None and self._terminal:
            data = f"[{conn_id}] ".encode() + data
        self._write(data)

    def _opened_lines(self, event: Opened, conn_id: int | None) -> None:
        if conn_id is None:
            if self.options.verbose:
                for line in headers_block("request headers:", event.request_headers):
                    self.status.line(line)
                for line in headers_block("response headers:", event.response_headers):
                    self.status.line(line)
            self.status.line(opened_line(event), "good")
            return
        if self.options.verbose:
            title = f"client {conn_id} request headers:"
            for line in headers_block(title, event.request_headers):
                self.status.line(line)
        self.status.line(peer_opened_line(conn_id, event), "good")

    def data(self, text: str) -> None:
        """Write a line of this command's own data (the ``close`` report) to stdout."""
        self._write((text + "\n").encode("utf-8", "surrogatepass"))


def close_tone(event: Closed) -> Tone:
    """How a close event's status line is coloured: good for a clean, normal close, bad for
    a dropped connection (1006), a warning otherwise."""
    if event.code == 1006:
        return "bad"
    return "good" if event.was_clean and event.code in NORMAL_CLOSE_CODES else "warn"


class ScriptRecorder:
    """``connect --record FILE``: the session as a script (:mod:`wscli.script.record`),
    written as it goes, whole lines at a time, so a killed session leaves a valid file."""

    def __init__(self, path: str, header: list[str]) -> None:
        from wscli.script.record import event_lines, message_line

        self._event_lines = event_lines
        self._message_line = message_line
        self.path = path
        try:
            self._file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as error:
            raise UsageError(
                f"cannot write --record {path}: {error.strerror or error}",
                "give a file in a folder you can write to",
            ) from None
        self._lines: list[str] = header
        self._opened = 0
        #: --dialect: what was sent is recorded by :meth:`record_sent` (the application's
        #: messages), not from the frames' events.
        self.application_sends = False
        self.flush()

    def record(self, events: Iterable[Event]) -> None:
        """Add the steps these events become (written by :meth:`flush`)."""
        for event in events:
            if self.application_sends and isinstance(event, Message) and event.direction == "out":
                continue  # a dialect's frame: record_sent has the application's message
            if isinstance(event, Opened):
                self._opened += 1
                if self._opened > 1:
                    self._lines.append(f"# connection {self._opened} (--reconnect) from here")
            self._lines.extend(self._event_lines(event))

    def record_sent(self, messages: Iterable[str | bytes]) -> None:
        """Application messages sent through a dialect."""
        self._lines.extend(self._message_line(">", data) for data in messages)

    def flush(self) -> None:
        if self._lines:
            with contextlib.suppress(OSError, ValueError):  # a full disk ends the record
                self._file.write("\n".join(self._lines) + "\n")
                self._file.flush()
            self._lines = []

    def close(self) -> None:
        self.flush()
        self._file.close()
