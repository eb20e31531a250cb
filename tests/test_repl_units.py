"""Unit tests of the REPL's pure parts: the slash-command parser, tab completion, the
toolbar's fragments, and the key bindings driven through a real prompt-toolkit prompt."""

import ast
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.styles import Style

from tests.conftest import TIMEOUT, wscli_env
from wscli.errors import UsageError
from wscli.protocol.events import ReadyState
from wscli.repl.commands import COMMANDS, help_text, parse_line
from wscli.repl.completer import SlashCompleter, slash_completions
from wscli.repl.inputs import (
    CloseConnection,
    Input,
    Quit,
    Reconnect,
    SaveSession,
    SendBinary,
    SendFile,
    SendPing,
    SendPong,
    SendText,
    SetPretty,
    SetTimestamps,
    SetView,
    ShowHelp,
    ShowStatus,
)
from wscli.repl.keys import make_key_bindings
from wscli.repl.toolbar import TOOLBAR_STYLE, ToolbarState, human_bytes, toolbar_fragments

REPL = Path(__file__).resolve().parent.parent / "wscli" / "repl"

# The parser


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("hello", SendText("hello")),
        ("line one\nline two", SendText("line one\nline two")),
        (" /quit", SendText(" /quit")),
        ("//x", SendText("/x")),
        ("//", SendText("/")),
        ("/text /x", SendText("/x")),
        ("/text  two spaces kept ", SendText(" two spaces kept ")),
        ("/text", SendText("")),
        ("/text a\nb", SendText("a\nb")),
        ("/binary 48 65 6c 6c 6f", SendBinary(b"Hello")),
        ("/binary 00ff", SendBinary(b"\x00\xff")),
        ("/base64 SGVsbG8=", SendBinary(b"Hello")),
        ("/base64 SGVs bG8=", SendBinary(b"Hello")),
        ("/ping", SendPing(b"")),
        ("/ping are you there", SendPing(b"are you there")),
        ("/pong é", SendPong("é".encode())),
        ("/close", CloseConnection(1000, "")),
        ("/close 4000", CloseConnection(4000, "")),
        ("/close 4000 bye now", CloseConnection(4000, "bye now")),
        ("/close 1001 going away", CloseConnection(1001, "going away")),
        ("/close none", CloseConnection(None, "")),
        ("/file data.bin", SendFile("data.bin")),
        ('/file "my data.bin"', SendFile("my data.bin")),
        ("/view hex", SetView("hex")),
        ("/view BASE64", SetView("base64")),
        ("/view text", SetView("text")),
        ("/pretty on", SetPretty(True)),
        ("/pretty off", SetPretty(False)),
        ("/pretty", SetPretty(None)),
        ("/timestamps on", SetTimestamps(True)),
        ("/timestamps off", SetTimestamps(False)),
        ("/status", ShowStatus()),
        ("/save session.jsonl", SaveSession("session.jsonl")),
        ("/reconnect", Reconnect()),
        ("/quit", Quit()),
        ("/exit", Quit()),
        ("/QUIT", Quit()),
        ("/help", ShowHelp(None)),
        ("/help close", ShowHelp("/close")),
        ("/help /view", ShowHelp("/view")),
    ],
)
def test_parse_line(line: str, expected: Input) -> None:
    """Each line gives the message or command it names, with its arguments parsed."""
    assert parse_line(line) == expected


@pytest.mark.parametrize(
    ("line", "message", "hint"),
    [
        ("/clsoe 4000", "unknown command /clsoe", "did you mean /close?"),
        ("/q", "unknown command /q", "did you mean /quit?"),
        ("/zzz", "unknown command /zzz", "//zzz sends the line as text"),
        ("/", "no command after /", "// sends a single /"),
        ("/binary 4g", "/binary", "hex digits"),
        ("/binary 123", "/binary", "hex digits"),
        ("/base64 SGVsbG8", "/base64", "base64"),
        ("/close bye", "/close: close code 'bye' is not a number", "/close 4000 bye"),
        ("/close 1006", "1006 (Abnormal Closure) may not be sent", "3000-4999"),
        ("/close 5000", "5000 is not a valid close code", "3000-4999"),
        ("/close 4000 " + "x" * 124, "124 bytes", "shorten"),
        ("/close none why", "a close reason needs a close code", "give a code"),
        ("/ping " + "x" * 126, "/ping: DATA is 126 bytes", "shorten"),
        ("/view raw", "/view: 'raw' is not a view", "text|hex|base64"),
        ("/view", "/view: no view", "text|hex|base64"),
        ("/pretty maybe", "/pretty: 'maybe' is neither on nor off", "[on|off]"),
        ("/timestamps 1", "/timestamps: '1' is neither on nor off", "[on|off]"),
        ("/file", "/file needs a PATH", "/file PATH"),
        ("/save  ", "/save needs a PATH", "/save PATH"),
        ("/status now", "/status takes no arguments", "/status"),
        ("/quit please", "/quit takes no arguments", "/quit"),
        ("/help nothing", "unknown command /nothing", "/help lists the commands"),
    ],
)
def test_parse_line_refuses_bad_input(line: str, message: str, hint: str) -> None:
    """Bad input raises UsageError naming the command, with a hint that says what works."""
    with pytest.raises(UsageError) as caught:
        parse_line(line)
    assert message in caught.value.message
    assert caught.value.hint is not None and hint in caught.value.hint
    if "unknown command" in message:
        assert "/help" in caught.value.hint


def test_unknown_command_is_escaped_in_the_error() -> None:
    """A control character in an unknown command name reaches the message escaped."""
    with pytest.raises(UsageError) as caught:
        parse_line("/x\x1b[2J")
    assert "\x1b" not in caught.value.message and "\\x1b" in caught.value.message


def test_inputs_compare_by_type_and_match_positionally() -> None:
    """Results of different kinds never compare equal, and support positional match."""
    assert SendFile("x") != SaveSession("x")
    assert ShowStatus() != Quit()
    assert hash(SendText("a")) == hash(SendText("a"))
    assert repr(CloseConnection(4000, "bye")) == "CloseConnection(code=4000, reason='bye')"
    match parse_line("/close 4000 bye"):
        case CloseConnection(code, reason):
            assert (code, reason) == (4000, "bye")
        case _:
            pytest.fail("not a CloseConnection")


def test_every_listed_command_is_parsed() -> None:
    """Every command in COMMANDS is known to the parser and has a line in /help."""
    full = help_text()
    for name in COMMANDS:
        try:
            parse_line(name)
        except UsageError as error:
            assert "unknown command" not in error.message, name
        assert name in full
        assert help_text(name) == COMMANDS[name]
        assert COMMANDS[name].startswith(name)
    assert set(COMMANDS) >= {"/ping", "/close", "/binary", "/base64", "/file", "/text"}
    assert "//x sends /x" in full and "Ctrl-D" in full


def test_pure_modules_import_neither_prompt_toolkit_nor_rich() -> None:
    """commands.py and toolbar.py import neither prompt_toolkit nor rich, anywhere."""
    for name in ("commands.py", "toolbar.py"):
        tree = ast.parse((REPL / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            assert not {m.split(".")[0] for m in modules} & {"prompt_toolkit", "rich"}, name


def test_importing_the_pure_parts_loads_no_heavy_library() -> None:
    """Importing the parser and the toolbar loads neither prompt_toolkit nor rich."""
    probe = (
        "import sys\n"
        "import wscli.repl.commands, wscli.repl.toolbar\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'prompt_toolkit', 'rich'}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=wscli_env(),
        check=True,
    )
    assert completed.stdout.strip() == "[]"


# Completion


def _complete(text: str) -> list[tuple[str, int, str]]:
    document = Document(text, cursor_position=len(text))
    completions = SlashCompleter().get_completions(document, CompleteEvent())
    return [(c.text, c.start_position, c.display_meta_text) for c in completions]


def test_completion_offers_command_names_after_a_slash() -> None:
    """After "/", completion offers the commands that start with what was typed."""
    assert [text for text, _, _ in _complete("/")] == list(COMMANDS)
    assert [(text, start) for text, start, _ in _complete("/p")] == [
        ("/ping", -2),
        ("/pong", -2),
        ("/pretty", -2),
    ]
    ((text, start, meta),) = _complete("/cl")
    assert (text, start) == ("/close", -3)
    assert "[CODE] [REASON]" in meta


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/view ", ["hex", "base64", "text"]),
        ("/view b", ["base64"]),
        ("/pretty ", ["on", "off"]),
        ("/timestamps of", ["off"]),
        ("/help cl", ["close"]),
    ],
)
def test_completion_offers_fixed_arguments(text: str, expected: list[str]) -> None:
    """/view, /pretty, /timestamps and /help complete their first argument."""
    completions = _complete(text)
    assert [value for value, _, _ in completions] == expected
    typed = text.split(" ", 1)[1]
    assert all(start == -len(typed) for _, start, _ in completions)


def test_completion_offers_sendable_close_codes_with_their_names() -> None:
    """After "/close ", completion offers the sendable codes, named, and 3000 and 4000."""
    offered = {text: meta for text, _, meta in _complete("/close ")}
    assert offered["1000"] == "Normal Closure"
    assert offered["1001"] == "Going Away"
    assert offered["1011"] == "Internal Error"
    assert offered["3000"].startswith("Registered")
    assert offered["4000"].startswith("Private Use")
    assert "none" in offered
    assert not {"1004", "1005", "1006", "1015"} & set(offered)
    assert [text for text, _, _ in _complete("/close 101")] == [
        "1010",
        "1011",
        "1012",
        "1013",
        "1014",
    ]


@pytest.mark.parametrize(
    "text", ["hello", "//cl", "/close 4000 ", "/text /cl", "/ping ", "/cl\n", "/view hex "]
)
def test_completion_stays_quiet_outside_commands(text: str) -> None:
    """Text to send, a second argument, and free-form arguments get no completion."""
    assert _complete(text) == []
    assert slash_completions(text) == []


# The toolbar


def _text(fragments: list[tuple[str, str]]) -> str:
    return "".join(text for _, text in fragments)


def _style_of(fragments: list[tuple[str, str]], needle: str) -> str:
    return next(style for style, text in fragments if needle in text)


OPEN = ToolbarState(
    ready_state=ReadyState.OPEN,
    url="ws://127.0.0.1:8765/chat",
    protocol="chat.v2",
    extensions="permessage-deflate; server_max_window_bits=12",
    buffered_amount=1229,
    messages_in=3,
    messages_out=1,
    bytes_in=2_500_000,
    bytes_out=40,
    latency=0.0123,
    view="hex",
)
CLOSED = OPEN._replace(ready_state=ReadyState.CLOSED, close=(4000, "bye", True, "server"))


def test_toolbar_while_connecting() -> None:
    """While CONNECTING the toolbar names the state and the URL, and no close event."""
    fragments = toolbar_fragments(ToolbarState(ReadyState.CONNECTING, "ws://h:1/"), 200)
    assert fragments[0] == ("class:toolbar.state.connecting", " CONNECTING ")
    text = _text(fragments)
    assert "ws://h:1/" in text and "wasClean" not in text and "protocol" not in text
    assert "bufferedAmount 0 B" in text and "in 0 msgs 0 B" in text


def test_toolbar_when_open() -> None:
    """When OPEN the toolbar shows protocol, extensions, bufferedAmount, traffic, RTT, view."""
    fragments = toolbar_fragments(OPEN, 300)
    assert fragments[0] == ("class:toolbar.state.open", " OPEN ")
    text = _text(fragments)
    for part in (
        "ws://127.0.0.1:8765/chat",
        "protocol chat.v2",
        "extensions permessage-deflate; server_max_window_bits=12",
        "bufferedAmount 1.2 KiB",
        "in 3 msgs 2.4 MiB",
        "out 1 msg 40 B",
        "ping 12.3 ms",
        "view hex",
    ):
        assert part in text
    assert _style_of(fragments, "1.2 KiB") == "class:toolbar.buffered"


def test_toolbar_after_close() -> None:
    """After the close event the toolbar shows code, name, reason, wasClean and who closed."""
    fragments = toolbar_fragments(CLOSED, 300)
    assert fragments[0] == ("class:toolbar.state.closed", " CLOSED ")
    text = _text(fragments)
    assert '4000 (Private Use) "bye"' in text
    assert "wasClean true" in text and "closed by the server" in text
    assert _style_of(fragments, "4000") == "class:toolbar.close.clean"
    lost = toolbar_fragments(CLOSED._replace(close=(1006, "", False, None)), 300)
    assert "1006 (Abnormal Closure)" in _text(lost) and "no closing handshake" in _text(lost)
    assert "wasClean false" in _text(lost)
    assert _style_of(lost, "1006") == "class:toolbar.close.unclean"


def test_toolbar_escapes_peer_text() -> None:
    """Control characters in the reason, protocol, extensions and URL arrive escaped."""
    hostile = CLOSED._replace(
        url="ws://h/\x1b[2J",
        protocol="p\x07",
        extensions="e\r",
        close=(4000, "bye\x1b]0;owned\x07\nnext", True, "server"),
        reconnecting="soon\x1b[1A",
    )
    text = _text(toolbar_fragments(hostile, 500))
    assert not any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in text)
    assert "\\x1b]0;owned\\x07\\x0anext" in text


@pytest.mark.parametrize("width", [1, 8, 20, 40, 60, 80, 100, 120, 200])
def test_toolbar_fits_the_width_keeping_the_most_important(width: int) -> None:
    """The toolbar never exceeds the width; the state and close event outlast the rest."""
    long_url = OPEN._replace(url="wss://example.test/" + "a" * 80 + "?token=xyz")
    for state in (OPEN, CLOSED, long_url):
        text = _text(toolbar_fragments(state, width))
        assert len(text) <= width
        if width >= 8:
            assert state.ready_state.name in text
    assert "4000 (Private Use)" in _text(toolbar_fragments(CLOSED, 60))
    shortened = _text(toolbar_fragments(long_url, 100))
    assert (
        shortened.startswith(" OPEN  | wss://example.")
        and "…" in shortened
        and "in 3 msgs" in shortened
    )


def test_toolbar_style_covers_every_class_used() -> None:
    """Every style class in the fragments has an entry in TOOLBAR_STYLE, which parses."""
    Style.from_dict(TOOLBAR_STYLE)
    states = [
        ToolbarState(ready_state, "ws://h/", reconnecting="attempt 2") for ready_state in ReadyState
    ]
    states += [OPEN, CLOSED, CLOSED._replace(close=(1006, "", False, None))]
    for state in states:
        for style, _ in toolbar_fragments(state, 500):
            assert style.startswith("class:")
            assert style.removeprefix("class:") in TOOLBAR_STYLE, style


def test_human_bytes() -> None:
    """Sizes read as B below 1 KiB, then KiB, MiB, GiB with one decimal."""
    assert [human_bytes(n) for n in (0, 1023, 1024, 1229, 5 * 1024**2, 3 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "1.2 KiB",
        "5.0 MiB",
        "3.0 GiB",
    ]


# Key bindings, in a real prompt


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


def _prompt(pipe: PipeInput, keys: str, **options: Any) -> str:
    """Type ``keys`` into a real PromptSession with the REPL's bindings; what it returns."""
    on_quit: Callable[[], object] = options.pop("on_quit", lambda: None)
    session: PromptSession[str] = PromptSession(
        input=pipe,
        output=DummyOutput(),
        key_bindings=make_key_bindings(on_quit=on_quit),
        **options,
    )
    pipe.send_text(keys)
    return session.prompt("> ")


@pytest.mark.parametrize("multiline", [False, True])
def test_enter_sends_the_input(pipe: PipeInput, multiline: bool) -> None:
    """Enter returns the input, whether the prompt is single- or multi-line."""
    assert _prompt(pipe, "hello\r", multiline=multiline) == "hello"


@pytest.mark.parametrize("multiline", [False, True])
def test_escape_enter_inserts_a_newline(pipe: PipeInput, multiline: bool) -> None:
    """Esc-Enter (also what Alt-Enter sends) adds a newline; Enter then sends both lines."""
    assert _prompt(pipe, "a\x1b\rb\r", multiline=multiline) == "a\nb"


def test_pasted_lines_stay_one_message(pipe: PipeInput) -> None:
    """A bracketed paste with newlines stays in the input as one message."""
    assert _prompt(pipe, "\x1b[200~one\ntwo\x1b[201~\r") == "one\ntwo"


def test_ctrl_c_clears_the_input_and_keeps_the_prompt(pipe: PipeInput) -> None:
    """Ctrl-C discards what was typed; the prompt stays and takes the next line."""
    assert _prompt(pipe, "abc\x03xyz\r") == "xyz"


def test_ctrl_c_keeps_history(pipe: PipeInput) -> None:
    """After Ctrl-C has cleared the input, Up recalls the previous entry from history."""
    history = InMemoryHistory()
    history.append_string("earlier")
    session: PromptSession[str] = PromptSession(
        input=pipe, output=DummyOutput(), key_bindings=make_key_bindings(), history=history
    )
    # Each step is sent once the screen shows the previous one, as a person would type.
    steps = iter([("", "abc"), ("abc", "\x03"), ("", "\x1b[A\r")])
    waiting_for, keys = next(steps)

    def after_render(app: Any) -> None:
        nonlocal waiting_for, keys
        if keys and session.default_buffer.text == waiting_for:
            pipe.send_text(keys)
            waiting_for, keys = next(steps, ("", ""))

    session.app.after_render += after_render
    assert session.prompt("> ") == "earlier"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [("\x12al\r\r", "alpha"), ("zz\x12al\x03x\r", "zzx"), ("\x12be\x03\x03x\r", "x")],
    ids=["enter-accepts-the-match", "ctrl-c-cancels-the-search", "second-ctrl-c-clears"],
)
def test_history_search_keeps_its_own_keys(pipe: PipeInput, keys: str, expected: str) -> None:
    """In Ctrl-R search, Enter takes the match and Ctrl-C cancels the search, not the input."""
    history = InMemoryHistory()
    for entry in ("alpha", "beta"):
        history.append_string(entry)
    assert _prompt(pipe, keys, history=history) == expected


def test_ctrl_d_on_an_empty_input_quits(pipe: PipeInput) -> None:
    """Ctrl-D on an empty input calls on_quit once, then the prompt raises EOFError."""
    calls: list[str] = []
    with pytest.raises(EOFError):
        _prompt(pipe, "\x04", on_quit=lambda: calls.append("quit"))
    assert calls == ["quit"]


def test_ctrl_d_on_text_deletes_the_character_under_the_cursor(pipe: PipeInput) -> None:
    """Ctrl-D with text deletes the character under the cursor and does not quit."""
    calls: list[str] = []
    result = _prompt(pipe, "abc\x1b[D\x1b[D\x04\r", on_quit=lambda: calls.append("quit"))
    assert result == "ac"
    assert calls == []


def test_ctrl_d_after_clearing_quits(pipe: PipeInput) -> None:
    """Ctrl-D after Ctrl-C has emptied the input quits."""
    with pytest.raises(EOFError):
        _prompt(pipe, "abc\x03\x04")


# How much of a large binary message the REPL shows (render_event is pure)


def _shown(data: bytes, view: str) -> str:
    from wscli.protocol.events import Message
    from wscli.repl.view import render_event

    rendered = render_event(Message(data, "in"), view=view, pretty=True, timestamps=False)  # type: ignore[arg-type]
    assert rendered is not None
    return rendered.plain


def test_hex_view_of_a_large_message_shows_16_rows_and_counts_the_rest() -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    lines = _shown(data, "hex").split("\n")
    assert lines[0] == "< [binary, 1048576 bytes]"
    assert len(lines) == 1 + 16 + 1
    assert lines[1].startswith("00000000  00 01 02")
    assert lines[16].startswith("000000f0  f0 f1")
    assert lines[17] == f"... {len(data) - 256} more bytes (/save to keep them all)"


def test_hex_view_of_256_bytes_or_fewer_is_whole_without_a_note() -> None:
    for size in (0, 1, 255, 256):
        shown = _shown(bytes(size), "hex")
        assert "more bytes" not in shown
        assert shown.count("\n") == (size + 15) // 16


def test_base64_and_text_views_are_capped_at_about_4_kib() -> None:
    import base64

    data = b"A" * (3 * 1024 * 1024)
    shown = _shown(data, "base64")
    header, rest = shown.split(" ", 1)[0], shown.split("] ", 1)[1]
    assert header == "<"
    encoded, note = rest.split("\n")
    assert len(encoded) == 4096
    assert base64.b64decode(encoded) == data[:3072]
    assert note == f"... {len(data) - 3072} more bytes (/save to keep them all)"
    text, note = _shown(data, "text").split("] ", 1)[1].split("\n")
    assert text == "A" * 3072
    assert note == f"... {len(data) - 3072} more bytes (/save to keep them all)"
    assert "more bytes" not in _shown(b"A" * 3072, "base64") + _shown(b"A" * 3072, "text")


def test_ansi_matches_what_rich_prints_line_by_line() -> None:
    """The batch renderer writes exactly what console.print(text, soft_wrap=True) writes."""
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    from wscli.protocol.events import Message
    from wscli.repl.view import ansi, render_event

    console = Console(
        file=StringIO(), force_terminal=True, color_system="standard", highlight=False
    )
    texts = [
        render_event(Message(data, "in"), view="hex", pretty=True, timestamps=True)
        for data in ("m1", '{"a": [1, "x"]}', b"\x00abc" * 9, "a\n\nb\tc", b"")
    ]
    texts += [Text("plain\nmulti", style="bold red"), Text("")]
    with console.capture() as capture:
        for text in texts:
            assert text is not None
            console.print(text, soft_wrap=True)
    assert ansi([t for t in texts if t is not None], console) == capture.get()
