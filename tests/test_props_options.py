"""Property tests (issue 13, fuzzing) of the options that say where and how to connect and
close: URLs, ``-H`` headers and ``--origin``, close codes and reasons, ``--max-size``'s
sizes and the options in seconds. Each value is taken as the right one, or refused with a
one-line UsageError: exit 2 before connecting, never a traceback, and never a handshake
the server refuses (exit 4) for what wscli could have checked."""

import itertools
import os
import string

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Result, run_wscli
from tests.scenario import ScenarioServer
from wscli.errors import UsageError
from wscli.protocol.codes import parse_close_code, parse_expected_code, validate_close
from wscli.protocol.target import parse_header, parse_size, parse_url

SPECIALS = "\x00\t\n\r\x0b\x1b\x7f\x85\xa0\u2028\ufeff\udcff\ud800 :/@[]%#?.-_0123456789²٣"
CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS))
TEXT = st.text(CHARS, max_size=30)
#: What argv can hold: any bytes but NUL, decoded with surrogateescape.
ARGV = st.binary(max_size=30).filter(lambda raw: b"\0" not in raw).map(os.fsdecode)
E2E = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_TAGS = itertools.count()


def assert_one_line(error: UsageError) -> None:
    assert error.message.strip()
    assert "\n" not in error.message and "\r" not in error.message


def assert_usage_error(result: Result) -> None:
    """Exit 2 and one line on stderr, ``wscli: error: ...``; no traceback."""
    assert result.returncode == 2, result
    lines = result.stderr.split("\n")
    assert len(lines) == 2 and lines[0].startswith("wscli: error: "), result.stderr
    assert lines[1] == "" and "Traceback" not in result.stderr


def refused(parse: object, *args: object) -> bool:
    """Whether ``parse(*args)`` raises a UsageError (which must be one line)."""
    try:
        parse(*args)  # type: ignore[operator]
    except UsageError as error:
        assert_one_line(error)
        return True
    return False


# URLs

HOSTS = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){0,2}", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
)
PATHS = st.from_regex(
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,8}){0,3}(\?[a-z0-9=&]{0,10})?", fullmatch=True
)


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["ws://", "wss://", "WS://", ""]),
    host=HOSTS,
    port=st.one_of(st.none(), st.integers(0, 65535)),
    path=PATHS,
)
@example(scheme="", host="localhost", port=1, path="/a?to=ws://b/")  # refused ("localhost://")
@example(scheme="ws://", host="h", port=0, path="/")  # taken, and wscli connected to port 80
def test_a_websocket_url_is_taken_with_its_host_and_port(
    scheme: str, host: str, port: int | None, path: str
) -> None:
    text = f"{scheme}{host}{'' if port is None else f':{port}'}{path}"
    if port == 0:  # was taken, and wscli connected to port 80
        with pytest.raises(UsageError, match="port 0"):
            parse_url(text)
        return
    target = parse_url(text)
    assert target.scheme == ("wss" if scheme == "wss://" else "ws")
    assert target.host == host.strip("[]").lower()
    assert target.port == (port or (443 if target.secure else 80))
    assert parse_url(target.url) == target


URLS = st.one_of(
    TEXT,
    st.builds(
        lambda scheme, rest: scheme + rest,
        st.sampled_from(["ws://", "wss://", "http://", "ftp:", "ws:"]),
        TEXT,
    ),
    st.builds(lambda host, rest: f"ws://{host}{rest}", HOSTS, TEXT),
)


@settings(max_examples=600, deadline=None)
@given(text=URLS)
@example(text="ws://h:99999999999999999999999/")
@example(text="ws://[::]@]/")  # was taken with the host "]": its url parsed no more
@example(text="0?\x0b#")  # its url "ws://0/?\x0b" parsed again as "ws://0/"
@example(text="ws://h/\ud800")  # (once %-encoded: UnicodeEncodeError)
@example(text="ws://[::]@[:")  # was taken with the host ":": its url parsed no more
@example(text="ws://[::1]:-1/")
def test_any_url_is_a_target_that_parses_again_or_a_usage_error(text: str) -> None:
    try:
        target = parse_url(text)
    except UsageError as error:
        assert_one_line(error)
        return
    assert target.scheme in ("ws", "wss") and 0 <= target.port <= 65535
    assert parse_url(target.url) == target._replace(userinfo=None)


@E2E
@given(url=st.one_of(ARGV, URLS.filter(lambda text: "\0" not in text)))
def test_a_refused_url_exits_2_before_connecting(url: str) -> None:
    assume(refused(parse_url, url))
    assert_usage_error(run_wscli("send", url, "hi", expect=None))


@pytest.mark.parametrize("path", ["/echo?a b", "/echo?\x01", "/echo?" + os.fsdecode(b"\xff")])
def test_a_url_with_a_space_or_a_control_is_sent_percent_encoded(
    server: ScenarioServer, path: str
) -> None:
    """As a browser does: a raw space in the request line made the server drop the
    connection (exit 4, "closed the connection before answering the handshake")."""
    result = run_wscli("send", server.url(path), "hi", "--count", "1", "-q")
    assert result.stdout == b"hi\n"
    assert server.requests[-1] in ("/echo?a%20b", "/echo?%01", "/echo?%FF")


# Headers: -H NAME: VALUE, and --origin

TOKEN = st.text(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1, max_size=12)
MANAGED = {"upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}
MANAGED |= {"sec-websocket-protocol", "sec-websocket-extensions"}
#: What RFC 9110 allows in a field value: VCHAR, obs-text, space and tab.
FIELD_VALUE = st.text(
    st.sampled_from([chr(c) for c in [9, *range(0x20, 0x7F), *range(0x80, 0x100)]])
)


@settings(max_examples=400, deadline=None)
@given(name=TOKEN, value=FIELD_VALUE, space=st.sampled_from(["", " ", "  \t"]))
def test_a_valid_header_is_taken_as_given(name: str, value: str, space: str) -> None:
    assume(name.lower() not in MANAGED)
    assert parse_header(f"{space}{name}{space}:{space}{value}") == (name, value.strip())


@settings(max_examples=600, deadline=None)
@given(text=st.one_of(TEXT, st.builds(lambda n, v: f"{n}:{v}", TOKEN, TEXT)))
@example(text="X: a\x01b")  # a control character: the server refused the handshake (exit 4)
def test_any_header_is_one_a_server_takes_or_a_usage_error(text: str) -> None:
    try:
        name, value = parse_header(text)
    except UsageError as error:
        assert_one_line(error)
        return
    assert name and all(c in string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~" for c in name)
    assert value == value.strip()
    assert all(c == "\t" or 0x20 <= ord(c) <= 0x7E or 0x80 <= ord(c) <= 0xFF for c in value)


@E2E
@given(header=st.one_of(ARGV, st.builds(lambda v: "X-Test:" + v, ARGV)), origin=st.booleans())
@example(header="X-Test: a\x01b", origin=False)
@example(header="X-Test: \x7f", origin=True)
def test_a_header_the_server_would_refuse_exits_2_before_connecting(
    server: ScenarioServer, header: str, origin: bool
) -> None:
    """What -H takes, and --origin VALUE, the server takes too: exit 0, else exit 2."""
    value = header.partition(":")[2]
    option = ("-o", value) if origin else ("-H", header)
    tag = f"x{next(_TAGS)}"
    url = server.url(f"/echo?{tag}")
    result = run_wscli("send", url, "hi", "--count", "1", "-q", *option, expect=None)
    if refused(parse_header, f"Origin: {value}" if origin else header):
        assert_usage_error(result)
        assert f"/echo?{tag}" not in server.requests
    else:
        assert result.returncode == 0, result
        assert result.stdout == b"hi\n"


# Close codes and reasons: wscli close --code --reason, --expect-close, /close, scripts

CODES = st.one_of(
    st.integers(-10, 70000).map(str),
    st.integers().map(str),
    st.sampled_from(["none", " None ", "1e3", "0x3e8", "1_000", " 1000 ", "٤٠٠٠", "²", "9" * 5000]),
    TEXT,
)
REASONS = st.one_of(TEXT, st.text(max_size=130), st.sampled_from(["é" * 61, "é" * 62, "\udcff"]))


def sendable(code: int | None, reason: str) -> bool:
    """RFC 6455 section 7.4, written out on its own: the oracle of validate_close."""
    try:
        size = len(reason.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    if code is None:
        return reason == ""
    allowed = 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999
    return allowed and size <= 123


@settings(max_examples=600, deadline=None)
@given(text=CODES, reason=REASONS, allow_none=st.booleans())
@example(text="1000", reason="\udcff", allow_none=False)  # UnicodeEncodeError, a traceback
def test_a_close_code_and_reason_are_sent_only_as_rfc_6455_allows(
    text: str, reason: str, allow_none: bool
) -> None:
    try:
        wanted: int | None = int(text)
    except ValueError:
        wanted = None if allow_none and text.strip().lower() == "none" else -1
    try:
        code = parse_close_code(text, allow_none=allow_none)
    except UsageError as error:
        assert_one_line(error)
        assert wanted == -1
        return
    assert code == wanted
    assert refused(validate_close, code, reason) != sendable(code, reason)
    if code is not None:
        expected_ok = 1000 <= code <= 4999
        assert refused(parse_expected_code, text) != expected_ok


SENDABLE = st.one_of(st.integers(1000, 1003), st.integers(1007, 1014), st.integers(3000, 4999))


def to_code(text: str) -> int | None:
    return parse_close_code(text, allow_none=True)


@E2E
@given(
    code=st.one_of(CODES, st.sampled_from(["1000", "4000", "none"]), SENDABLE.map(str)),
    reason=st.one_of(ARGV, REASONS, st.text(max_size=20), st.just("")),
)
@example(code="1000", reason=os.fsdecode(b"\xff"))
def test_wscli_close_sends_exactly_a_code_and_reason_that_may_be_sent(
    server: ScenarioServer, code: str, reason: str
) -> None:
    assume("\0" not in code + reason)
    tag = f"x{next(_TAGS)}"
    args = ("close", server.url(f"/echo?{tag}"), "--code", code, "--reason", reason, "-q")
    result = run_wscli(*args, expect=None)
    if refused(to_code, code) or refused(validate_close, to_code(code), reason):
        assert_usage_error(result)
        assert f"/echo?{tag}" not in server.requests
        return
    assert result.returncode == 0, result
    connection = server.last()
    assert connection.close_code == (to_code(code) or 1005)
    assert connection.close_reason == reason


# Sizes: --max-size

UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2}
UNITS |= {"mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}


@settings(max_examples=400, deadline=None)
@given(number=st.integers(0, 10**12), unit=st.sampled_from(sorted(UNITS)), upper=st.booleans())
def test_a_size_is_its_bytes_in_powers_of_1024(number: int, unit: str, upper: bool) -> None:
    text = f" {number}{unit.upper() if upper else unit} "
    if number * UNITS[unit] > 2**62:
        with pytest.raises(UsageError, match="too large"):
            parse_size(text)
        return
    assert parse_size(text) == (number * UNITS[unit] or None)  # 0: no limit


SIZES = st.one_of(
    TEXT,
    st.builds(
        lambda n, u: f"{n}{u}", st.floats(allow_nan=False).map(repr), st.sampled_from(sorted(UNITS))
    ),
    st.sampled_from(
        [
            "9" * 400,
            "9" * 400 + "G",
            "0k",
            "0.5",
            "-1k",
            "none",
            "unlimited",
            "1e3",
            "\u0661\u0660k",
        ]
    ),
)


@settings(max_examples=500, deadline=None)
@given(text=SIZES)
@example(text="9" * 400)  # OverflowError: cannot convert float infinity to integer
@example(text="0k")  # 0 bytes, a limit no message fits, where 0 means no limit
@example(text="8589934592.0g")  # 2**63: zlib's OverflowError failed the connection (exit 7)
def test_any_size_is_a_limit_or_no_limit_or_a_usage_error(text: str) -> None:
    try:
        size = parse_size(text)
    except UsageError as error:
        assert_one_line(error)
        return
    assert size is None or (isinstance(size, int) and 0 < size <= 2**62)


@E2E
@given(
    text=st.one_of(
        SIZES,
        ARGV,
        st.builds(lambda n, u: f"{n}{u}", st.integers(0, 10**6), st.sampled_from(sorted(UNITS))),
    ).filter(lambda text: "\0" not in text)
)
@example(text="8589934592.0g")
def test_max_size_on_the_command_line(server: ScenarioServer, text: str) -> None:
    """A size that parse_size refuses exits 2 before connecting; any other works."""
    result = run_wscli(
        "send", server.url("/echo"), "hi", "--count", "1", "--max-size", text, "-q", expect=None
    )
    if refused(parse_size, text):
        assert_usage_error(result)
        return
    size = parse_size(text)
    if size is not None and size < 8:  # "hi" compressed takes 4 bytes: 1009, exit 7
        assert result.returncode in (0, 7), result
    else:
        assert result.returncode == 0, result


# Seconds: --timeout, --idle, --open-timeout, --ping-interval, --every, close --timeout


def not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return "\0" not in text
    return False


NOT_SECONDS = st.one_of(
    st.sampled_from(["nan", "NaN", "-nan", "+nan", "-inf", "-1", "-0.5"]),
    st.floats(max_value=-1e-9).map(repr),
    TEXT.filter(not_a_number),
)


@pytest.mark.parametrize("option", ["--timeout", "--idle", "--open-timeout", "--ping-interval"])
@settings(max_examples=25, deadline=None)
@given(value=NOT_SECONDS)
@example(value="nan")
def test_seconds_that_are_not_zero_or_more_exit_2(option: str, value: str) -> None:
    """NaN was taken: --idle nan waited forever, --timeout nan 20 s, --open-timeout nan
    failed at once as a timeout (exit 6)."""
    assert_usage_error(run_wscli("send", "ws://127.0.0.1:1/", "hi", option, value, expect=None))


@settings(max_examples=10, deadline=None)
@given(value=NOT_SECONDS)
def test_close_timeout_and_every_take_no_nan(value: str) -> None:
    run = ("close", "ws://127.0.0.1:1/", "--timeout", value)
    assert_usage_error(run_wscli(*run, expect=None))
    every = ("send", "ws://127.0.0.1:1/", "hi", "--every", value, "tick")
    assert_usage_error(run_wscli(*every, expect=None))


@pytest.mark.parametrize("option", ["--ping-interval", "--ping-timeout"])
def test_listen_seconds_take_no_nan(option: str) -> None:
    """listen OPTION nan is refused (exit 2, naming it) before --max-size is read."""
    result = run_wscli("listen", "0", option, "nan", "--max-size", "garbage", expect=None)
    assert_usage_error(result)
    assert option in result.stderr
