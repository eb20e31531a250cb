"""Property tests (issue 13, fuzzing) of each dialect's packets (wscli.dialect), both
sides: any frame a server (or, for ``listen --dialect``, a client) sends is shown,
answered, skipped or reported as one-line protocol errors, never an exception (it
would fail the connection as an internal error); any line the user types is the
protocol's frames or a UsageError with a one-line message. The frames are built from
each protocol's own shapes (JSON objects with its types, Engine.IO and Socket.IO
prefixes, STOMP frames) with hostile values, which random text seldom reaches
(tests/test_dialects.py has the random-text properties)."""

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wscli.dialect.base import Decoded, Dialect, DialectSettings
from wscli.dialect.registry import NAMES, make_dialect
from wscli.dialect.serving import SERVER_DIALECTS, ServerDialect
from wscli.dialect.stomp import make_frame, split_frames
from wscli.errors import UsageError

SPECIALS = '\x00\n\r\t\x1b\x7f\x85\u2028\udcff :,/-{}[]"\\0123456789'
CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS))
TEXT = st.text(CHARS, max_size=12)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | TEXT
    | st.sampled_from(["next", "error", "complete", "1", "connection_ack", "ping"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
TYPES = ["connection_ack", "next", "data", "error", "complete", "ping", "pong", "ka"]
TYPES += ["connection_error", "subscribe", "connection_init", "start", "stop", "x"]
#: A deeply nested value: Python's json raises RecursionError, not ValueError.
DEEP = "[" * 3000 + "]" * 3000
HUGE = "9" * 5000  # more digits than int() converts


@st.composite
def json_messages(draw: st.DrawFn) -> str:
    """A GraphQL or JSON-RPC message: an object with the protocol's keys, any values."""
    keys = ["type", "id", "payload", "jsonrpc", "method", "params", "result", "error"]
    message = draw(st.dictionaries(st.sampled_from(keys), JSON, max_size=5))
    if draw(st.booleans()):
        message["type"] = draw(st.sampled_from(TYPES))
    if draw(st.booleans()):
        message["payload"] = draw(st.dictionaries(st.sampled_from(["errors", "data"]), JSON))
    text = json.dumps(message, ensure_ascii=False)
    return draw(
        st.sampled_from([text, f"[{text}]", f"[{text},{text}]", text.replace("null", DEEP, 1)])
    )


ENGINE_IO = st.builds(
    lambda engine, socket, attachments, namespace, ident, data: (
        engine + socket + attachments + namespace + ident + data
    ),
    st.sampled_from(["4", "4", "0", "1", "2", "3", "6", "x", ""]),
    st.sampled_from(["0", "1", "2", "3", "4", "5", "6", "7", ""]),
    st.sampled_from(["", "1-", "0-", "²-", HUGE + "-", "-", "x-"]),
    st.sampled_from(["", "/", "/chat,", "/chat", "/x,"]),
    st.sampled_from(["", "1", "42", HUGE]),
    st.one_of(JSON.map(json.dumps), TEXT, st.sampled_from([DEEP, "[", "true", "5"])),
)
STOMP = st.builds(
    lambda command, headers, body, end: make_frame(command, headers, body) + end,
    st.sampled_from(["MESSAGE", "CONNECTED", "RECEIPT", "ERROR", "SEND", "SUBSCRIBE", "X", ""]),
    st.lists(
        st.tuples(
            st.sampled_from(["heart-beat", "message", "destination", "id", "receipt", "x"]),
            st.one_of(TEXT, st.sampled_from(["0,0", "1,1", f"1,{HUGE}", f"0,{HUGE}", "1,1e9"])),
        ),
        max_size=3,
    ),
    TEXT,
    st.sampled_from(["", "\n", "\0", "MESSAGE\n\n"]),
)
FRAMES = st.one_of(json_messages(), ENGINE_IO, STOMP, TEXT, st.binary(max_size=12))
#: Frames these properties found to raise (each failed the connection as an internal error).
FOUND = [
    '{"type":"next","id":"1","payload":{"errors":5}}',  # graphql: TypeError
    DEEP,  # every JSON dialect: RecursionError
    '{"jsonrpc":"2.0","result":1,"id":[1]}',  # jsonrpc, with a request pending: TypeError
    '45²-["a"]',  # socketio: "²".isdigit(), int("²") ValueError
    "431true",  # socketio: an ack whose data is no array: TypeError
    "43" + HUGE + "[]",  # socketio: int() of 5000 digits: ValueError
    make_frame("CONNECTED", [("heart-beat", "1," + "9" * 400)]),  # stomp: OverflowError
]


def assert_decoded(result: Decoded) -> None:
    assert all(isinstance(error, str) and "\n" not in error for error in result.errors)
    assert all(isinstance(item, str | bytes) for item in [*result.shown, *result.notices])
    assert all(isinstance(reply, str | bytes) for reply in result.replies)


def client(name: str) -> Dialect:
    dialect = make_dialect(DialectSettings(name, namespace="/chat" if name == "socketio" else "/"))
    dialect.encode(
        "sum [1]"
        if name == "jsonrpc"
        else '["e"]'
        if name == "socketio"
        else "SEND /q x"
        if name == "stomp"
        else "{ a }"
    )
    return dialect


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=300, deadline=None)
@given(frames=st.lists(FRAMES, min_size=1, max_size=4))
def test_any_frame_from_a_server_is_shown_answered_skipped_or_one_line_errors(
    name: str, frames: list[str | bytes]
) -> None:
    dialect = client(name)
    dialect.opening()
    for frame in frames:
        assert_decoded(dialect.decode(frame))
    for frame in dialect.closing():
        assert isinstance(frame, str)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("frame", FOUND, ids=lambda frame: frame[:24])
def test_the_frames_that_raised(name: str, frame: str) -> None:
    assert_decoded(client(name).decode(frame))


LINES = st.one_of(
    TEXT,
    JSON.map(json.dumps),
    st.builds(
        lambda m, p: f"{m} {p}",
        st.sampled_from(["sum", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "a b"]),
        st.one_of(TEXT, JSON.map(json.dumps)),
    ),
    st.sampled_from(
        [DEEP, '{"method":"a","id":[1]}', '{"query":5}', '["e",' + DEEP + "]", "", "{"]
    ),
)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.one_of(LINES, st.binary(max_size=8)), min_size=1, max_size=3))
@example(lines=['{"method":"a","id":[1]}'])  # jsonrpc: an id that is no key: TypeError
@example(lines=[DEEP])  # RecursionError
@example(lines=["0\n1"])  # jsonrpc: a message of two lines, "0\n: params are not JSON"
def test_any_line_the_user_types_is_frames_or_a_usage_error(
    name: str, lines: list[str | bytes]
) -> None:
    dialect = client(name)
    for line in lines:
        try:
            frames = dialect.encode(line)
        except UsageError as error:
            assert error.message.strip() and "\n" not in error.message
            continue
        assert frames and all(isinstance(frame, str) for frame in frames)
    assert all(isinstance(frame, str) for frame in dialect.closing())


def server(name: str) -> ServerDialect:
    dialect = SERVER_DIALECTS[name](0.5)
    for frame in {
        "socketio": ["40", "40/chat,"],
        "stomp": [make_frame("SUBSCRIBE", [("id", "1"), ("destination", "/q")])],
    }.get(name, []):
        dialect.decode(frame)
    return dialect


CLIENT_FRAMES = st.one_of(
    FRAMES,
    st.builds(lambda m: "42" + json.dumps(m), JSON),
    st.builds(
        lambda ack, m: "42/chat," + ack + json.dumps(m), st.sampled_from(["", "7", HUGE]), JSON
    ),
    st.builds(
        lambda m: json.dumps({"jsonrpc": "2.0", "method": m[0], "params": m[1], "id": 1}),
        st.tuples(TEXT, JSON),
    ),
    st.builds(lambda i, p: json.dumps({"type": "subscribe", "id": i, "payload": p}), TEXT, JSON),
)


@pytest.mark.parametrize("name", sorted(SERVER_DIALECTS))
@settings(max_examples=300, deadline=None)
@given(frames=st.lists(CLIENT_FRAMES, min_size=1, max_size=4), line=LINES)
@example(frames=['{"jsonrpc":"2.0","method":"a b","params":[1],"id":1}'], line="x")  # ValueError
@example(frames=[DEEP], line=DEEP)  # RecursionError
def test_the_servers_side_takes_any_frame_and_answers_it(
    name: str, frames: list[str | bytes], line: str
) -> None:
    """listen --dialect: each client frame decoded; --echo's answer to each application
    message it carries; a line typed at listen's prompt is frames or a UsageError."""
    dialect = server(name)
    for frame in frames:
        result = dialect.decode(frame)
        assert_decoded(result)
        for message in result.shown:
            assert all(isinstance(reply, str) for reply in dialect.answer(message))
    try:
        assert all(isinstance(frame, str) for frame in dialect.encode(line))
    except UsageError as error:
        assert error.message.strip() and "\n" not in error.message


@settings(max_examples=300, deadline=None)
@given(
    command=st.sampled_from(["MESSAGE", "SEND", "ERROR", "X-Y"]),
    headers=st.lists(
        st.tuples(
            st.text(st.characters(exclude_characters=":\n\r\0"), min_size=1, max_size=8),
            TEXT.map(lambda text: text.replace("\0", "")),  # (no way to write NUL in STOMP)
        ),
        max_size=4,
    ),
    body=TEXT.map(lambda text: text.replace("\0", "")),
)
@example(command="MESSAGE", headers=[("h", "a\\nb")], body="")  # came back "a\\" LF "b"
@example(command="MESSAGE", headers=[("h", "x\r")], body="")  # came back "x"
def test_stomp_frames_round_trip(command: str, headers: list[tuple[str, str]], body: str) -> None:
    """What make_frame writes, split_frames reads: the first of a repeated header wins."""
    first: dict[str, str] = {}
    for key, value in headers:
        first.setdefault(key, value)
    frames = split_frames(make_frame(command, headers, body))
    assert frames == [(command, first, body)]
