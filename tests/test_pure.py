"""Unit tests of the pure modules: close codes, URL and header checks, payloads, rendering,
verdicts."""

import base64
import json

import pytest

from wscli.errors import UsageError
from wscli.options import DEFAULT_IDLE, WaitRules
from wscli.protocol.codes import (
    close_code_name,
    is_sendable,
    parse_close_code,
    parse_expected_code,
    validate_close,
)
from wscli.protocol.events import Closed, Message, Opened, Ping
from wscli.protocol.payload import decode_input
from wscli.protocol.target import parse_header, parse_size, parse_url
from wscli.protocol.verdict import judge
from wscli.render import data_line, escape, event_json, hexdump, mask_header
from wscli.status import ExitStatus


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999])
def test_sendable_codes_pass(code: int) -> None:
    """Codes 1000-1003, 1007-1014 and 3000-4999 may be sent."""
    validate_close(code, "")
    assert is_sendable(code)


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])
def test_unsendable_codes_are_refused_with_the_rule(code: int) -> None:
    """Reserved and out-of-range codes are refused, and the message names the rule."""
    with pytest.raises(UsageError) as caught:
        validate_close(code, "")
    assert str(code) in caught.value.message
    assert caught.value.hint is not None and "3000-4999" in caught.value.hint


def test_reason_limit_is_123_utf8_bytes() -> None:
    """A reason of 123 UTF-8 bytes fits; 124 bytes is refused."""
    validate_close(1000, "é" * 61 + "a")
    with pytest.raises(UsageError, match="124 bytes"):
        validate_close(1000, "a" * 124)


def test_close_code_names() -> None:
    """Registry names come from RFC 6455 and IANA; 4000-4999 is private use."""
    assert close_code_name(1000) == "Normal Closure"
    assert close_code_name(1006) == "Abnormal Closure"
    assert close_code_name(4001) == "Private Use"
    assert parse_close_code("none", allow_none=True) is None
    with pytest.raises(UsageError):
        parse_close_code("abc")
    assert parse_expected_code("1006") == 1006
    with pytest.raises(UsageError, match="never be received"):
        parse_expected_code("99999")


def test_url_checks() -> None:
    """http:// suggests ws://, https:// suggests wss://, a bare host:port means ws://."""
    with pytest.raises(UsageError) as caught:
        parse_url("http://example.test/chat")
    assert caught.value.hint == "did you mean ws://example.test/chat?"
    with pytest.raises(UsageError) as caught:
        parse_url("https://example.test/")
    assert caught.value.hint == "did you mean wss://example.test/?"
    assert parse_url("localhost:8080").url == "ws://localhost:8080/"
    target = parse_url("wss://alice:s3cret@example.test/p?q=1")
    assert (target.url, target.port, target.userinfo) == (
        "wss://example.test/p?q=1",
        443,
        ("alice", "s3cret"),
    )
    for bad in ("ws://", "ws://h:99999/", "ws://h/#frag", "ftp://h/", ""):
        with pytest.raises(UsageError):
            parse_url(bad)


def test_header_checks() -> None:
    """Headers need a colon and a token name; handshake headers are refused."""
    assert parse_header("X-Token:  abc ") == ("X-Token", "abc")
    for bad in ("NoColon", "Bad Name: x", "Sec-WebSocket-Key: x", "X: caf\u00e9\u20ac"):
        with pytest.raises(UsageError):
            parse_header(bad)


def test_sizes() -> None:
    """--max-size takes k/M/G suffixes in powers of 1024; 0 means no limit."""
    assert parse_size("512") == 512
    assert parse_size("1k") == 1024
    assert parse_size("64M") == 64 * 1024**2
    assert parse_size("1G") == 1024**3
    assert parse_size("0") is None
    with pytest.raises(UsageError):
        parse_size("lots")


def test_payload_formats() -> None:
    """Input lines become text or binary frames; bad input names where it came from."""
    assert decode_input(b"caf\xc3\xa9", "text", where="x") == "café"
    assert decode_input(b"48 69", "hex", where="x") == b"Hi"
    assert decode_input(b"SGk=", "base64", where="x") == b"Hi"
    assert decode_input(b"\x00\xff", "binary", where="x") == b"\x00\xff"
    with pytest.raises(UsageError, match="stdin line 7 is not valid hex"):
        decode_input(b"zz", "hex", where="stdin line 7")
    with pytest.raises(UsageError, match="not valid UTF-8"):
        decode_input(b"\xff", "text", where="x")


def test_escape_neutralises_terminal_controls() -> None:
    """ESC, CR, C1 and bidi overrides are escaped; tab and newline stay unless asked."""
    assert escape("\x1b[31mred\r") == "\\x1b[31mred\\x0d"
    assert escape("a\tb\nc") == "a\tb\nc"
    assert escape("a\nb", keep_newlines=False) == "a\\x0ab"
    assert escape("\u202eevil") == "\\u202eevil"


def test_data_lines() -> None:
    """Text goes out raw into a pipe and escaped on a terminal; binary per --binary-as."""
    text = Message("\x1b[2Jhi", "in", at=0.0)
    assert data_line(text, binary_as="hex", terminal=False, timestamps=False) == b"\x1b[2Jhi\n"
    assert data_line(text, binary_as="hex", terminal=True, timestamps=False) == b"\\x1b[2Jhi\n"
    binary = Message(b"\x00\xffA", "in", at=0.0)
    assert data_line(binary, binary_as="hex", terminal=False, timestamps=False) == b"00ff41\n"
    assert data_line(binary, binary_as="base64", terminal=False, timestamps=False) == b"AP9B\n"
    assert data_line(binary, binary_as="raw", terminal=False, timestamps=False) == b"\x00\xffA"
    stamped = data_line(text, binary_as="hex", terminal=False, timestamps=True)
    assert stamped.startswith(b"1970-01-01T00:00:00.000000Z ")


def test_jsonl_schema_is_lossless() -> None:
    """Binary is base64 in JSON Lines; text stays text; every record has event and time."""
    record = json.loads(event_json(Message(b"\x00\x01", "in", at=0.0)))
    assert record["event"] == "message" and record["type"] == "binary"
    assert base64.b64decode(record["base64"]) == b"\x00\x01"
    record = json.loads(event_json(Message("héllo", "out", at=0.0), conn_id=3))
    assert (record["text"], record["direction"], record["size"], record["id"]) == (
        "héllo",
        "out",
        6,
        3,
    )
    closed = Closed(4001, "bye", True, "server", 4001, "bye", at=0.0)
    record = json.loads(event_json(closed))
    assert record["code"] == 4001 and record["name"] == "Private Use"
    assert record["was_clean"] is True and record["initiated_by"] == "server"
    assert json.loads(event_json(Ping(b"x", "in")))["base64"] == "eA=="
    opened = Opened("ws://h/", "chat", "", (("A", "1"),), ())
    assert json.loads(event_json(opened))["request_headers"] == [["A", "1"]]


def test_secret_headers_are_masked() -> None:
    """Authorization keeps its scheme; cookies are hidden entirely."""
    assert mask_header("Authorization", "Basic YWxpY2U6cw==") == "Basic ***"
    assert mask_header("Cookie", "session=abc") == "***"
    assert mask_header("X-Trace", "abc") == "abc"


def test_hexdump_columns() -> None:
    """Offset, hex bytes and ASCII, 16 bytes a row."""
    dump = hexdump(b"Hello\x00" * 3)
    assert dump.splitlines()[0].startswith("00000000  48 65 6c 6c 6f 00")
    assert dump.splitlines()[1].startswith("00000010  ")
    assert "Hello." in dump


def _closed(code: int, by: str | None = "client") -> Closed:
    return Closed(code, "", code != 1006, by, at=0.0)  # type: ignore[arg-type]


def test_verdicts_follow_the_exit_code_table() -> None:
    """Each end of a session maps to the documented exit code."""
    rules = WaitRules()
    assert judge(_closed(1000), rules, received=0, matched=False).status == ExitStatus.OK
    for code in (1000, 1001, 1005):
        verdict = judge(_closed(code, "server"), rules, received=0, matched=False)
        assert verdict.status == ExitStatus.OK
    verdict = judge(_closed(4001, "server"), rules, received=0, matched=False)
    assert verdict.status == ExitStatus.CLOSED_WITH_ERROR_CODE
    verdict = judge(_closed(1006, None), rules, received=0, matched=False)
    assert verdict.status == ExitStatus.CLOSED_ABNORMALLY
    verdict = judge(_closed(1000), WaitRules(count=3), received=2, matched=False)
    assert verdict.status == ExitStatus.EXPECTATION_FAILED
    verdict = judge(_closed(1000), WaitRules(until="x"), received=2, matched=False)
    assert verdict.status == ExitStatus.EXPECTATION_FAILED
    verdict = judge(
        _closed(4001, "server"), WaitRules(expect_close=4001), received=0, matched=False
    )
    assert verdict.status == ExitStatus.OK
    verdict = judge(
        _closed(1000, "server"), WaitRules(expect_close=4001), received=0, matched=False
    )
    assert verdict.status == ExitStatus.EXPECTATION_FAILED
    timed = judge(
        _closed(1000), WaitRules(count=1, timeout=2), received=0, matched=False, timed_out=True
    )
    assert timed.status == ExitStatus.TIMEOUT
    waited = judge(_closed(1000), WaitRules(timeout=2), received=0, matched=False, timed_out=True)
    assert waited.status == ExitStatus.OK  # a plain deadline is a stop, not a failure
    kept = WaitRules(keep_open=True, timeout=2)
    assert judge(_closed(1000), kept, received=0, matched=False, timed_out=True).status == 6
    stopped = judge(_closed(1001), rules, received=0, matched=False, interrupted=True)
    assert stopped.status == ExitStatus.INTERRUPTED


def test_idle_is_the_default_rule_only() -> None:
    """The idle rule applies by default, but not when another rule says when to stop."""
    assert WaitRules().idle_seconds == DEFAULT_IDLE
    assert WaitRules(count=1).idle_seconds is None
    assert WaitRules(keep_open=True).idle_seconds is None
    assert WaitRules(count=1, idle=2).idle_seconds == 2
