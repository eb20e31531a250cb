"""Property tests (issue 13, fuzzing) of the slash commands of both prompts (wscli.repl.commands
and wscli.repl.stream_commands): any line typed at ``wscli connect``'s or ``wscli listen``'s
prompt is an input the session can act on, or a UsageError with a one-line message (the
prompt shows it and goes on). Never another exception (it would end the session), and
never a frame that may not be sent: text that is not UTF-8, a ping over 125 bytes, a close
code or reason RFC 6455 forbids. A prompt's line may hold lone surrogates: prompt_toolkit
decodes the terminal's bytes with ``surrogateescape``."""

import base64
import json
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wscli.errors import UsageError
from wscli.repl import inputs as i
from wscli.repl.commands import CONNECT, LISTEN, CommandTable

TABLES = pytest.mark.parametrize("table", [CONNECT, LISTEN], ids=["connect", "listen"])

#: Characters that break naive parsers: controls, line and paragraph separators, bidi
#: overrides, a BOM, lone surrogates (the one surrogateescape makes from byte 0xff, and
#: one no decoder makes), and the punctuation of commands, JSON and regexes.
SPECIALS = (
    "\x00\t\n\r\x0b\x0c\x1b\x7f\x85\u2028\u202e\ufeff\udcff\ud800 /{}[]\"'\\:,=#-+._0123456789²٣"
)
CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS))
TEXT = st.text(CHARS, max_size=30)
NUMBERS = st.one_of(
    st.integers(-5, 70000).map(str),
    st.integers(1, 10**40).map(str),
    st.sampled_from(["9" * 5000, "²", "٣", "1e3", "0x10", "1_000", " 7", "none", "NONE", ""]),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)
ARGUMENTS = st.one_of(
    TEXT,
    NUMBERS,
    st.builds(lambda a, b: f"{a} {b}", NUMBERS, TEXT),
    st.builds(lambda a, b, c: f"{a} {b} {c}", NUMBERS, NUMBERS, TEXT),
    JSON_VALUES.map(json.dumps),
    st.binary(max_size=20).map(bytes.hex),
    st.sampled_from(["[" * 5000, "{" * 3000, '{"a":' * 3000, "[" * 5000 + "]" * 5000]),
)
NAMES = sorted({*CONNECT.usages, *LISTEN.usages, "/exit", "/", "/nope", "/to1", "/CLOSE"})
COMMAND_NAMES = st.sampled_from(NAMES).flatmap(lambda name: st.sampled_from([name, name.upper()]))
LINES = st.one_of(
    st.builds(
        lambda name, sep, rest: name + sep + rest,
        COMMAND_NAMES,
        st.sampled_from([" ", "  ", "\t", "\n", "", "\u2028"]),
        ARGUMENTS,
    ),
    TEXT,
    TEXT.map(lambda text: "/" + text),
)
#: Examples of the bugs these properties found (each raised another exception).
FOUND = (
    "/to ²",  # a digit str.isdigit() accepts and int() does not: ValueError
    "/kick " + "9" * 5000,  # more digits than int() converts: ValueError
    "/ping 1 \udcff",  # DATA not UTF-8: UnicodeEncodeError
    "/binary 4\udcff",  # UnicodeEncodeError
    "/close 4000 \udcff",  # a reason not UTF-8: UnicodeEncodeError
    "/filter " + "[" * 5000,  # RecursionError
    "/emit chat " + "[" * 5000,  # RecursionError
    "caf\udce9",  # Latin-1 typed on a UTF-8 terminal: an invalid text frame was sent
)


def assert_one_line(error: UsageError) -> None:
    """What the prompt shows for an error: one non-empty line."""
    assert error.message.strip()
    assert "\n" not in error.message and "\r" not in error.message
    assert error.hint is None or "\n" not in error.hint


def assert_sendable(parsed: object) -> None:
    """An input the session acts on carries only what may go on the wire."""
    match parsed:
        case i.SendText(text=text):
            text.encode("utf-8")  # a text frame is UTF-8
        case i.SendPing(data=data) | i.SendPong(data=data) | i.PingClient(data=data):
            assert isinstance(data, bytes) and len(data) <= 125
        case i.CloseConnection(code=code, reason=reason) | i.Kick(code=code, reason=reason):
            assert_close(code, reason)
        case i.SendBinary(data=data):
            assert isinstance(data, bytes)
        case i.AddFilter(pattern=pattern):
            if pattern.startswith("/"):
                re.compile(pattern[1:-1])
            else:
                json.loads(pattern)
    if isinstance(parsed, i.SetTarget | i.Kick | i.PingClient):
        assert parsed.conn_id is None or parsed.conn_id >= 1


def assert_close(code: int | None, reason: str) -> None:
    """RFC 6455 section 7.4: a code that may be sent; a reason of at most 123 bytes."""
    if code is None:
        assert reason == ""
        return
    assert 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999
    assert len(reason.encode("utf-8")) <= 123


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re on "[["
@TABLES
@settings(max_examples=600, deadline=None)
@given(line=LINES)
def test_any_line_is_an_input_or_a_one_line_usage_error(table: CommandTable, line: str) -> None:
    try:
        parsed = table.parse(line)
    except UsageError as error:
        assert_one_line(error)
        return
    assert_sendable(parsed)


@TABLES
@pytest.mark.parametrize("line", FOUND)
def test_the_lines_that_raised_other_exceptions(table: CommandTable, line: str) -> None:
    with pytest.raises(UsageError) as raised:
        table.parse(line)
    assert_one_line(raised.value)


VALID_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@TABLES
@settings(max_examples=300, deadline=None)
@given(text=VALID_TEXT)
def test_text_is_sent_as_typed(table: CommandTable, text: str) -> None:
    """A line not beginning with / is sent as it is; //x sends /x; /text X sends X."""
    if not text.startswith("/"):
        assert table.parse(text) == i.SendText(text)
    assert table.parse("/" + "/" + text) == i.SendText("/" + text)
    assert table.parse("/text " + text) == i.SendText(text)


@TABLES
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40), sep=st.sampled_from(["", " ", "  "]), upper=st.booleans())
def test_binary_and_base64_arguments_round_trip(
    table: CommandTable, data: bytes, sep: str, upper: bool
) -> None:
    hex_text = sep.join(f"{byte:02X}" if upper else f"{byte:02x}" for byte in data)
    assert table.parse("/binary " + hex_text) == i.SendBinary(data)
    assert table.parse("/base64 " + base64.b64encode(data).decode()) == i.SendBinary(data)


REASONS = VALID_TEXT.filter(lambda text: text == text.strip())


@settings(max_examples=400, deadline=None)
@given(code=st.one_of(st.integers(-10, 70000), st.integers()), reason=REASONS)
def test_close_takes_exactly_the_codes_and_reasons_that_may_be_sent(code: int, reason: str) -> None:
    line = f"/close {code} {reason}".rstrip()
    sendable = 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999
    if sendable and len(reason.encode("utf-8")) <= 123:
        assert CONNECT.parse(line) == i.CloseConnection(code, reason)
    else:
        with pytest.raises(UsageError, match=r"^/close: ") as raised:
            CONNECT.parse(line)
        assert_one_line(raised.value)


@settings(max_examples=300, deadline=None)
@given(conn_id=st.integers(-3, 10**30), code=st.sampled_from([1000, 4001, 1005]), data=TEXT)
def test_client_ids_of_the_listen_prompt(conn_id: int, code: int, data: str) -> None:
    """/to N, /kick N CODE and /ping N take a client id from 1 up; nothing else."""
    parsed = [f"/to {conn_id}", f"/kick {conn_id} {code}", f"/ping {conn_id}"]
    if conn_id < 1:
        for line in parsed:
            with pytest.raises(UsageError, match="client id"):
                LISTEN.parse(line)
        return
    assert LISTEN.parse(parsed[0]) == i.SetTarget(conn_id)
    assert LISTEN.parse(parsed[2]) == i.PingClient(conn_id, b"")
    if code == 1005:
        with pytest.raises(UsageError, match="may not be sent"):
            LISTEN.parse(parsed[1])
    else:
        assert LISTEN.parse(parsed[1]) == i.Kick(conn_id, code, "")


EVENTS = st.text(st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1)


@settings(max_examples=300, deadline=None)
@given(event=EVENTS, args=st.lists(JSON_VALUES, max_size=4))
def test_emit_sends_the_event_and_its_json_arguments(event: str, args: list[object]) -> None:
    line = " ".join(["/emit", event, *(json.dumps(arg) for arg in args)])
    parsed = CONNECT.parse(line)
    assert isinstance(parsed, i.SendText)
    assert json.loads(parsed.text) == [event, *args]


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re on "[["
@settings(max_examples=300, deadline=None)
@given(
    pattern=st.one_of(TEXT, JSON_VALUES.map(json.dumps)),
    command=st.sampled_from(["/filter", "/ignore"]),
)
def test_filter_takes_a_regex_or_a_json_pattern(pattern: str, command: str) -> None:
    try:
        parsed = CONNECT.parse(f"{command} {pattern}")
    except UsageError as error:
        assert_one_line(error)
        assert error.message.startswith(command)
        return
    assert isinstance(parsed, i.AddFilter) and parsed.kind == command[1:]
    assert_sendable(parsed)


@TABLES
@settings(max_examples=300, deadline=None)
@given(topic=st.one_of(TEXT, st.sampled_from(NAMES)))
@example(topic="/exit")
def test_help_on_any_topic(table: CommandTable, topic: str) -> None:
    """/help TOPIC describes the command, or says it knows none such, in one line."""
    try:
        text = table.help(topic)
    except UsageError as error:
        assert_one_line(error)
        return
    assert text.strip()
    parsed = table.parse(f"/help {topic}")
    assert isinstance(parsed, i.ShowHelp)
