"""``--input-format jsonl``'s parser (pure): what --jsonl writes reads back exactly; the
short forms and controls; every bad line is one UsageError naming it."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wscli.errors import UsageError
from wscli.protocol.events import Closed, Message, Opened, Ping, Pong
from wscli.protocol.jsonl_input import CloseRequest, PingRequest, parse_jsonl_line
from wscli.render import event_json, messages_jsonl, timestamp

#: Any Unicode scalar value (no lone surrogates: they are not text a frame can carry).
TEXT = st.text(st.characters(codec="utf-8"), max_size=300)
MESSAGES = st.one_of(TEXT, st.binary(max_size=300))


@settings(max_examples=300, deadline=None)
@given(data=MESSAGES, direction=st.sampled_from(["in", "out"]), conn_id=st.none() | st.integers(1))
def test_what_jsonl_writes_reads_back_exactly(
    data: str | bytes, direction: str, conn_id: int | None
) -> None:
    line = event_json(Message(data, direction), conn_id=conn_id)  # type: ignore[arg-type]
    parsed = parse_jsonl_line(line.encode("utf-8"), where="stdin line 1")
    assert parsed == data and type(parsed) is type(data)


def test_short_forms_and_controls() -> None:
    def parse(line: str) -> object:
        return parse_jsonl_line(line.encode(), where="stdin line 1")

    assert parse('"a\\nb"') == "a\nb"
    assert parse('{"text": "\\u0000\\u001b[2J"}') == "\x00\x1b[2J"
    assert parse('{"base64": "AAE="}') == b"\x00\x01"
    assert parse('{"text": "x", "time": 1, "direction": "in", "size": 1, "extra": []}') == "x"
    assert parse('{"event": "ping"}') == PingRequest(b"")
    assert parse('{"event": "ping", "base64": "aGk="}') == PingRequest(b"hi")
    assert parse('{"event": "close", "code": 4000, "reason": "done"}') == CloseRequest(4000, "done")
    assert parse('{"event": "close"}') == CloseRequest(None, "")
    assert parse('{"event": "close", "code": 1006, "reason": ""}') == CloseRequest(None, "")


def test_the_other_events_of_a_log_are_skipped() -> None:
    for event in (Opened("ws://h/", "", "", (), ()), Pong(b"x", "in")):
        assert parse_jsonl_line(event_json(event).encode(), where="stdin line 1") is None
    ping = parse_jsonl_line(event_json(Ping(b"k", "in")).encode(), where="stdin line 1")
    assert ping == PingRequest(b"k")
    closed = Closed(code=4001, reason="bye", initiated_by="server", was_clean=True)
    assert parse_jsonl_line(event_json(closed).encode(), where="x") == CloseRequest(4001, "bye")
    assert parse_jsonl_line(b'{"event": "listening", "url": "ws://x"}', where="x") is None


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"not json", "stdin line 7 is not valid JSON"),
        (b'{"text": "a", "base64": "AA=="}', "stdin line 7 has both text and base64"),
        (b'{"type": "text"}', "stdin line 7 has neither text nor base64"),
        (b'{"base64": "***"}', "stdin line 7 has invalid base64"),
        (b'"\\ud800"', "stdin line 7 has a lone surrogate in its text"),
        (b'{"event": "launch"}', "stdin line 7 has an unknown event 'launch'"),
        (b"[1, 2]", "stdin line 7 is not a message: a JSON array"),
        (b"42", "stdin line 7 is not a message: a JSON number"),
        (b'{"type": "binary", "text": "x"}', "stdin line 7 says type 'binary' but gives text"),
        (b'{"event": "close", "code": 999}', "stdin line 7: close code 999"),
        (b'{"event": "close", "code": "4000"}', "stdin line 7: the close code is not an integer"),
        (b'{"event": "close", "code": 4000, "reason": "' + b"x" * 124 + b'"}', "stdin line 7"),
        (
            b'{"event": "ping", "base64": "' + b"QUFB" * 50 + b'"}',
            "stdin line 7: a ping's payload is 150",
        ),
    ],
)
def test_bad_lines_are_one_line_errors(line: bytes, error: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_jsonl_line(line, where="stdin line 7")
    assert caught.value.message.startswith(error)
    assert "\n" not in caught.value.message and caught.value.hint


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | TEXT.map(str.encode))
def test_any_line_is_a_value_or_a_usage_error(line: bytes) -> None:
    try:
        parse_jsonl_line(line, where="stdin line 1")
    except UsageError as error:
        assert error.message.startswith("stdin line 1") and "\n" not in error.message


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.text(st.characters(codec=None)), st.binary(max_size=50)),
            st.sampled_from(["in", "out"]),
            st.sampled_from([1.5, 2.25]),
        ),
        max_size=6,
    ),
    st.none() | st.integers(1, 99),
)
def test_the_batch_writer_writes_what_event_json_writes(
    items: list[tuple[str | bytes, str, float]], conn_id: int | None
) -> None:
    """--jsonl's fast path for a batch of messages (lone surrogates included) is the same
    text as the general event_json, line for line."""
    messages = [Message(data, direction, at) for data, direction, at in items]  # type: ignore[arg-type]
    expected = "".join(_reference(m, conn_id) + "\n" for m in messages)
    assert messages_jsonl(messages, conn_id) == expected
    assert "".join(event_json(m, conn_id=conn_id) + "\n" for m in messages) == expected


def _reference(message: Message, conn_id: int | None) -> str:
    """The --jsonl schema's message record, by the book: a dict through json.dumps."""
    record: dict[str, object] = {"event": "message", "time": timestamp(message.at)}
    if conn_id is not None:
        record["id"] = conn_id
    record["direction"] = message.direction
    data = message.data
    if isinstance(data, bytes):
        record.update(type="binary", base64=base64.b64encode(data).decode(), size=len(data))
    else:
        size = len(data.encode("utf-8", "surrogatepass"))
        record.update(type="text", text=data, size=size)
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
