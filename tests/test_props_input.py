"""Property tests (issue 13, fuzzing) of what becomes a message: stdin lines in each
``--input-format``, MESSAGE arguments, and binary written out as hex or base64 and read
back. Each input is the right payload, or a UsageError with a one-line message naming
it (exit 2 on the command line, after the messages before it and none after); never a
traceback or a message that should not have been sent."""

import asyncio
import base64
import itertools
import os
import re
import tempfile

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Result, run_wscli
from tests.scenario import Connection, ScenarioServer
from tests.timing import TIMEOUT
from wscli.errors import UsageError
from wscli.flows.stdin import Payload, stdin_source
from wscli.options import InputFormat
from wscli.protocol.events import Message
from wscli.protocol.payload import decode_input, decode_program_line
from wscli.render import binary_text, data_line

FORMATS: tuple[InputFormat, ...] = ("text", "binary", "hex", "base64")
E2E = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_TAGS = itertools.count()


def encoded(data: bytes, fmt: InputFormat) -> bytes:
    """``data`` as an input line in ``fmt`` (for text: data decoded, invalid bytes replaced)."""
    if fmt == "hex":
        return data.hex(" ").encode()
    if fmt == "base64":
        return base64.b64encode(data)
    if fmt == "text":
        return data.decode("utf-8", "replace").encode()
    return data


def lines_in(fmt: InputFormat) -> st.SearchStrategy[bytes]:
    """Input lines in ``fmt``, valid or not, without a newline."""
    valid = st.binary(max_size=24).map(lambda data: encoded(data, fmt))
    nasty = st.sampled_from([b"", b"\r", b"zz", b"4", b"QQ=", b"\xff", b"\xed\xa0\x80", b"\x00"])
    return st.one_of(valid, st.binary(max_size=24), nasty).map(
        lambda line: line.replace(b"\n", b"")
    )


def assert_one_line(error: UsageError) -> None:
    assert error.message.strip()
    assert "\n" not in error.message and "\r" not in error.message


def assert_usage_error(result: Result, said: str) -> None:
    """Exit 2 with one line on stderr: ``wscli: error: ...`` saying ``said``."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.split("\n")
    assert len(lines) == 2 and lines[1] == "", result.stderr
    assert lines[0].startswith("wscli: error: ") and said in lines[0], result.stderr


# decode_input: one line, argument or file


_HEX = re.compile(rb"[ \t\n\r\x0b\x0c]*(?:[0-9a-fA-F]{2}[ \t\n\r\x0b\x0c]*)*")


@settings(max_examples=500, deadline=None)
@given(
    raw=st.one_of(st.binary(max_size=40), lines_in("hex"), lines_in("base64")),
    fmt=st.sampled_from(FORMATS),
)
def test_input_is_its_payload_or_a_usage_error_naming_it(raw: bytes, fmt: InputFormat) -> None:
    try:
        payload = decode_input(raw, fmt, where="stdin line 7")
    except UsageError as error:
        assert_one_line(error)
        assert error.message.startswith("stdin line 7 is not valid ")
        assert fmt != "binary"
        if fmt == "hex":
            assert not _HEX.fullmatch(raw)
        return
    if fmt == "text":
        assert payload == raw.decode("utf-8")
    elif fmt == "hex":
        assert _HEX.fullmatch(raw) and payload == bytes.fromhex(raw.decode())
    elif fmt == "binary":
        assert payload == raw
    else:
        assert payload == base64.b64decode(b"".join(raw.split()))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=60), wrap=st.integers(1, 80), upper=st.booleans())
def test_hex_and_base64_in_round_trip(data: bytes, wrap: int, upper: bool) -> None:
    """Hex in any case, with spaces between the bytes; base64 cut by whitespace."""
    hex_text = data.hex(" ").upper() if upper else data.hex()
    assert decode_input(hex_text.encode(), "hex", where="x") == data
    b64 = base64.b64encode(data)
    cut = b" \t".join(b64[start : start + wrap] for start in range(0, len(b64), wrap))
    assert decode_input(cut, "base64", where="x") == data


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), view=st.sampled_from(["hex", "base64"]))
def test_binary_written_out_reads_back_as_the_same_bytes(data: bytes, view: str) -> None:
    """What wscli writes for a binary message (``--binary-as hex|base64``, a pipe's line or
    /save's text) is input that ``--input-format hex|base64`` turns back into it."""
    line = data_line(Message(data, "in"), binary_as=view, terminal=False, timestamps=False)  # type: ignore[arg-type]
    assert line.endswith(b"\n")
    assert decode_input(line[:-1], view, where="x") == data  # type: ignore[arg-type]
    assert decode_input(binary_text(data, view).encode(), view, where="x") == data  # type: ignore[arg-type]


DEEP = "[" * 3000 + "]" * 3000  # Python's json: RecursionError, not ValueError


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(), st.sampled_from([DEEP, "[" * 900 + "]" * 900, '{"a":' * 3000])),
    terminal=st.booleans(),
)
@example(text=DEEP, terminal=False)  # --pretty (and the prompt) raised RecursionError
def test_a_received_text_message_is_written_whatever_it_holds(text: str, terminal: bool) -> None:
    """--pretty indents what is JSON; anything else goes out as it came (escaped on a
    terminal): the server's data never fails wscli."""
    line = data_line(
        Message(text, "in"), binary_as="hex", terminal=terminal, timestamps=False, pretty=True
    )
    assert line.endswith(b"\n")
    if terminal:
        assert b"\x1b" not in line


@settings(max_examples=300, deadline=None)
@given(line=st.one_of(st.binary(max_size=40), lines_in("hex")), fmt=st.sampled_from(FORMATS))
def test_a_programs_lines_are_taken_leniently(line: bytes, fmt: InputFormat) -> None:
    """listen --exec: a program's line is never an error; text is never dropped."""
    payload = decode_program_line(line, fmt)
    if fmt in ("text", "binary"):
        assert payload == (line.decode("utf-8", "replace") if fmt == "text" else line)
    else:
        assert payload is None or isinstance(payload, bytes)


# stdin: the lines of a stream


def per_line(data: bytes, fmt: InputFormat) -> tuple[list[Payload], str | None]:
    """The oracle: each line (CR LF or LF, the last one's newline optional) on its own."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    payloads: list[Payload] = []
    for number, line in enumerate(lines, start=1):
        try:
            payloads.append(decode_input(line.removesuffix(b"\r"), fmt, where="x"))
        except UsageError:
            return payloads, f"stdin line {number} is not valid"
    return payloads, None


async def read_stdin(data: bytes, fmt: InputFormat) -> tuple[list[Payload], UsageError | None]:
    payloads: list[Payload] = []
    with tempfile.TemporaryFile() as stream:
        stream.write(data)
        stream.seek(0)
        try:
            async for batch in stdin_source(stream, fmt):
                payloads += batch
        except UsageError as error:
            return payloads, error
    return payloads, None


@settings(max_examples=150, deadline=None)
@given(data=st.data(), fmt=st.sampled_from(FORMATS), crlf=st.booleans(), last=st.booleans())
def test_stdin_gives_each_line_up_to_the_first_bad_one(
    data: st.DataObject, fmt: InputFormat, crlf: bool, last: bool
) -> None:
    lines = data.draw(st.lists(lines_in(fmt), max_size=8))
    stream = (b"\r\n" if crlf else b"\n").join(lines) + (b"\n" if last and lines else b"")
    check_stdin(stream, fmt)


def test_stdin_lines_longer_than_a_read() -> None:
    """Lines across the reader's 256 KiB chunks, then a bad one and one never sent."""
    check_stdin(b"x" * 600_000 + b"\r\n" + b"y" * 300_000 + b"\n\xff\nnever\n", "text")
    check_stdin(b"41" * 200_000 + b"\n4g\n41\n", "hex")


def check_stdin(stream: bytes, fmt: InputFormat) -> None:
    payloads, error = asyncio.run(read_stdin(stream, fmt))
    wanted, said = per_line(stream, fmt)
    assert payloads == wanted
    if said is None:
        assert error is None
    else:
        assert error is not None and error.message.startswith(said)
        assert_one_line(error)


def tagged(server: ScenarioServer, tag: str) -> list[Connection]:
    """The connections whose handshake carried ``X-Example: tag``, once closed."""
    found = [c for c in server.connections if ("X-Example", tag) in c.headers]
    for connection in found:
        assert connection.closed.wait(TIMEOUT)
    return found


def valid_line(fmt: InputFormat) -> st.SearchStrategy[tuple[bytes, Payload]]:
    if fmt == "text":
        texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"))
        return texts.map(lambda text: (text.encode(), text))
    return st.binary(max_size=20).map(lambda data: (encoded(data, fmt), data))


BAD_LINES = {
    "text": [b"\xff", b"ok \xc3"],
    "hex": [b"zz", b"414", b"\xff"],
    "base64": [b"QQ=", b"!"],
}


@E2E
@given(data=st.data(), fmt=st.sampled_from(["text", "hex", "base64"]))
def test_a_bad_stdin_line_exits_2_after_the_lines_before_it_and_none_after(
    server: ScenarioServer, data: st.DataObject, fmt: InputFormat
) -> None:
    before = data.draw(st.lists(valid_line(fmt), max_size=4))
    bad = data.draw(st.sampled_from(BAD_LINES[fmt]))
    after = data.draw(st.lists(valid_line(fmt), min_size=1, max_size=3))
    stdin = b"".join(line + b"\n" for line, _ in [*before, (bad, ""), *after])
    tag = str(next(_TAGS))
    result = run_wscli(
        *("connect", server.url("/sink"), "-q", "--idle", "0.05", "--input-format", fmt),
        *("-H", f"X-Example: {tag}"),
        input=stdin,
        expect=None,
    )
    assert_usage_error(result, f"stdin line {len(before) + 1} is not valid")
    received = [m for c in tagged(server, tag) for m in c.messages]
    assert received == [payload for _, payload in before]


# MESSAGE arguments: what argv can hold (bytes but NUL, decoded with surrogateescape)

ARGV = st.binary(max_size=16).filter(lambda raw: b"\0" not in raw).map(os.fsdecode)


def argument(fmt: InputFormat) -> st.SearchStrategy[str]:
    valid = st.binary(max_size=12).map(lambda data: os.fsdecode(encoded(data, fmt)))
    return st.one_of(valid, ARGV).filter(lambda text: "\0" not in text)


@E2E
@given(messages=st.data(), fmt=st.sampled_from(FORMATS))
def test_message_arguments_are_sent_all_or_none(
    server: ScenarioServer, messages: st.DataObject, fmt: InputFormat
) -> None:
    check_arguments(server, messages.draw(st.lists(argument(fmt), min_size=1, max_size=4)), fmt)


def test_message_arguments_not_utf_8(server: ScenarioServer) -> None:
    """Bytes that are not UTF-8 (argv holds them as lone surrogates) are no text."""
    check_arguments(server, ["ok", os.fsdecode(b"caf\xe9")], "text")
    check_arguments(server, ["ok", os.fsdecode(b"caf\xe9")], "binary")


def check_arguments(server: ScenarioServer, messages: list[str], fmt: InputFormat) -> None:
    wanted: list[Payload] = []
    bad = None
    for number, message in enumerate(messages, start=1):
        try:
            wanted.append(decode_input(os.fsencode(message), fmt, where="x"))
        except UsageError:
            bad = bad or number
    tag = str(next(_TAGS))
    args = ("send", server.url("/echo"), "-q", "--input-format", fmt, "-H", f"X-Example: {tag}")
    result = run_wscli(*args, "--count", str(len(messages)), "--", *messages, expect=None)
    if bad is not None:
        assert_usage_error(result, f"MESSAGE argument {bad} is not valid")
        assert tagged(server, tag) == []
        return
    assert result.returncode == 0, result
    [connection] = tagged(server, tag)
    assert connection.messages == wanted
