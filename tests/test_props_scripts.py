"""Property tests (issue 13, fuzzing) of script files and JSON patterns (wscli.script):
any file is a script or a ScriptError with a one-line message naming the file and line;
any message a script's step is matched against gives an outcome with a one-line
difference; what a send step sends is its payload, or a UsageError; and every step
``--record`` writes (messages, pings, closes, the settings) parses back to what was
recorded. tests/test_record.py has the property for plain messages."""

import base64
import json
import re
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import run_wscli
from tests.scenario import ScenarioServer
from wscli.cli.shared_options import checked_json_pattern, checked_regex
from wscli.cli.stream_options import stream_rules
from wscli.errors import UsageError
from wscli.protocol.codes import validate_close
from wscli.protocol.events import Closed, Ping
from wscli.protocol.target import parse_url
from wscli.script.match import check_names, expect, fill, needed_names, payload_of
from wscli.script.record import event_lines, header_lines
from wscli.script.streams import Streams
from wscli.script.syntax import NAME, Script, ScriptError, Step, parse_script

SPECIALS = "\x00\t\r\x0b\x1b\x7f\x85\u2028\ufeff\udcff {}[]\"'\\/:,=#-.0123456789"
CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS))
TEXT = st.text(CHARS, max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
NAMES = st.sampled_from(["{{id}}", "{{a.b}}", "{{x}}", '"{{id}}"', "{{", "}}", "{{1}}"])
ARGS = st.one_of(
    TEXT,
    JSON.map(json.dumps),
    st.binary(max_size=8).map(bytes.hex),
    st.binary(max_size=8).map(lambda data: base64.b64encode(data).decode()),
    st.builds(lambda a, b: f"/{a}/{b}", TEXT, st.sampled_from(["", "i", "x"])),
    st.builds(lambda a, n, b: a + n + b, TEXT, NAMES, TEXT),
    st.builds(lambda n: json.dumps({"id": n}), NAMES),
    TEXT.map(lambda text: json.dumps(text, ensure_ascii=False)),
    st.sampled_from(["[" * 3000, '"' + "\\" * 3, "1e999", "-1", "nan", "inf", "9" * 5000]),
)
WORDS = ["ping", "sleep", "close", "expect-close", "url", "timeout", "ignore", "pipeline"]
WORDS += ["header", "subprotocol", "max-size", "Url", "bogus", "#", ""]
LINES = st.one_of(
    st.builds(
        lambda mark, form, arg: f"{mark}{form} {arg}",
        st.sampled_from([">", "<", "<~"]),
        st.sampled_from(["", "hex", "base64", "file", "quoted", "text"]),
        ARGS,
    ),
    st.builds(lambda word, arg: f"{word} {arg}", st.sampled_from(WORDS), ARGS),
    TEXT,
    st.sampled_from(["", "# comment", ">", "<", "<~", "close", "expect-close", "pipeline yes"]),
)
SCRIPTS = st.lists(LINES, max_size=8).map("\n".join)
VALUES = st.dictionaries(st.sampled_from(["id", "a.b", "x"]), st.one_of(st.text(max_size=6), JSON))


def assert_one_line(text: str) -> None:
    assert text.strip() and "\n" not in text and "\r" not in text


def parsed(text: str) -> Script | None:
    """The script, or None after checking its error names the file and the line."""
    try:
        return parse_script(text, "s.wscli")
    except ScriptError as error:
        assert_one_line(error.message)
        assert re.match(r"s\.wscli(:\d+)?: ", error.message), error.message
        return None


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re on "[["
@settings(max_examples=500, deadline=None)
@given(text=SCRIPTS)
@example(text="< " + "[" * 3000)  # parsed; matching it raised RecursionError (exit 1)
def test_any_file_is_a_script_or_an_error_naming_its_line(text: str) -> None:
    script = parsed(text)
    if script is None:
        return
    for step in script.steps:
        assert step.kind in ("send", "expect", "skip-to", "ping", "sleep", "close", "expect-close")
        assert step.form in ("text", "hex", "base64", "file", "quoted")
        assert step.seconds >= 0
        if step.kind == "close" and step.code is not None and not NAME.search(step.reason or ""):
            assert 1000 <= step.code <= 4999 and len((step.reason or "").encode()) <= 123
    for side in ("client", "server"):
        try:
            check_names(script, {}, side=side)
            assert needed_names(script, side) == []
        except ScriptError as error:
            assert_one_line(error.message)


MESSAGES = st.one_of(
    TEXT, st.binary(max_size=8), JSON.map(json.dumps), st.sampled_from(["[" * 3000, "{" * 3000])
)


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re on "[["
@settings(max_examples=500, deadline=None)
@given(text=SCRIPTS, messages=st.lists(MESSAGES, min_size=1, max_size=3), values=VALUES)
@example(text="< [1]", messages=["[" * 3000], values={})  # a peer's message: RecursionError
@example(text="<hex {{x}}", messages=[b"\x00"], values={"x": "zz"})  # ValueError (exit 1)
def test_every_step_matches_or_sends_or_fails_in_one_line(
    text: str, messages: list[str | bytes], values: dict[str, object]
) -> None:
    """Each expectation against any message: an outcome (a one-line difference when it
    fails); each send with any values: its payload, or a one-line UsageError."""
    script = parsed(text)
    if script is None:
        return
    for step in script.steps:
        known = dict.fromkeys(re.findall(r"\{\{([^}]*)\}\}", step.arg + (step.reason or "")), "v")
        known.update(values)
        if step.kind in ("expect", "skip-to"):
            for message in messages:
                outcome = expect(step, message, known)
                assert outcome.ok or outcome.difference
                assert "\n" not in outcome.difference
        elif step.kind == "send":
            try:
                payload = payload_of(step, known, lambda path: path.encode("utf-8", "replace"))
            except UsageError as error:
                assert_one_line(error.message)
                assert step.form in ("hex", "base64") and "{{" in step.arg
                continue
            assert isinstance(payload, bytes if step.form in ("hex", "base64", "file") else str)


@settings(max_examples=300, deadline=None)
@given(pattern=JSON, extra=st.dictionaries(st.text(max_size=4), JSON, max_size=2))
def test_a_json_pattern_matches_its_own_document_and_more_keys(
    pattern: object, extra: dict[str, object]
) -> None:
    step = Step(1, "", "expect", arg=json.dumps(pattern))
    assert expect(step, json.dumps(pattern), {}).ok
    if isinstance(pattern, dict):
        document = {**extra, **pattern}
        assert expect(step, json.dumps(document), {}).ok


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=10), JSON), inside=st.booleans())
def test_a_captured_value_fills_in_and_matches_again(value: object, inside: bool) -> None:
    """``{"id": "{{id}}"}`` captures any value; filled into the same pattern, it matches
    the message it came from, and a send of it is that JSON."""
    pattern = '{"id": "{{id}}"}' if inside else '["{{id}}"]'
    message = json.dumps({"id": value} if inside else [value])
    outcome = expect(Step(1, "", "expect", arg=pattern), message, {})
    assert outcome.ok and outcome.captured == {"id": value}
    assert json.loads(fill(pattern, outcome.captured)) == json.loads(message)
    assert expect(Step(1, "", "expect", arg=pattern), message, outcome.captured).ok


# What --record writes parses back


SENDABLE = st.one_of(st.integers(1000, 1003), st.integers(1007, 1014), st.integers(3000, 4999))


@settings(max_examples=300, deadline=None)
@given(
    code=st.one_of(st.sampled_from([1000, 1005, 1006, 1015]), st.integers(1000, 4999)),
    sent=st.one_of(st.none(), SENDABLE),
    reason=st.one_of(TEXT, st.text(max_size=130)),
    by=st.sampled_from(["client", "server"]),
    clean=st.booleans(),
)
@example(code=1000, sent=None, reason="bye\xa0", by="server", clean=True)  # came back "bye"
def test_a_recorded_close_parses_back(
    code: int, sent: int | None, reason: str, by: str, clean: bool
) -> None:
    """The server's close becomes ``expect-close CODE [REASON]``; wscli's, ``close CODE
    [REASON]`` (an empty close frame: ``close``); a reason a line cannot hold is left
    out, never changed."""
    if by == "client":  # what wscli sent passed validate_close
        try:
            validate_close(sent, reason)
        except UsageError:
            reason = ""
        event = Closed(code, "", clean, "client", sent_code=sent, sent_reason=reason)
    else:
        event = Closed(code, reason, clean, "server")
    script = parsed("\n".join(event_lines(event)))
    assert script is not None
    steps = [step for step in script.steps if step.kind in ("close", "expect-close")]
    if by == "server" and not clean:
        assert steps == []
        return
    [step] = steps
    assert step.kind == ("close" if by == "client" else "expect-close")
    assert step.code == (code if by == "server" else sent or 1000)
    if step.reason:
        assert step.reason == reason


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(st.binary(max_size=125), TEXT.map(lambda t: t.encode("utf-8", "replace"))))
def test_a_recorded_ping_parses_back(data: bytes) -> None:
    lines = event_lines(Ping(data, "out"))
    script = parsed("\n".join(lines))
    assert script is not None and [step.kind for step in script.steps] == ["ping"]
    if script.steps[0].arg:
        assert script.steps[0].arg.encode() == data


SETTINGS = st.lists(
    st.tuples(
        st.sampled_from(["header", "subprotocol", "origin", "max-size", "auth", "init-payload"]),
        st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12),
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    query=st.dictionaries(st.sampled_from(["token", "a", "api_key", "x y"]), st.text(max_size=6)),
    given_settings=SETTINGS,
)
def test_recorded_settings_parse_back_without_secrets(
    query: dict[str, str], given_settings: list[tuple[str, str]]
) -> None:
    url = "ws://127.0.0.1:1/p" + ("?" + urlencode(query) if query else "")
    lines = header_lines(url, given_settings, note="recorded")
    script = parsed("\n".join(lines))
    assert script is not None and script.url is not None
    for name, value in given_settings:
        if name == "auth":
            assert ("auth-env", "WSCLI_AUTH") in [(n, v) for n, v, _ in script.options]
        elif value.strip() and name != "init-payload" and not _secret(name, value):
            assert (name, value.strip()) in [(n, v) for n, v, _ in script.options]
    recorded = parse_url(script.url.replace("{{", "").replace("}}", ""))
    kept = dict(parse_qsl(urlsplit(recorded.url).query, keep_blank_values=True))
    for key, value in query.items():
        secret = key in ("token", "api_key")
        assert kept[key] == (f"WSCLI_{key.upper()}" if secret else value)


def _secret(name: str, value: str) -> bool:
    return name == "header" and value.partition(":")[0].strip().lower() in (
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    )


@pytest.mark.parametrize(
    "line",
    ["sleep nan", "sleep -1", "sleep inf", "sleep " + "9" * 400, "timeout 1e999", "close 99999"],
)
def test_bad_numbers_in_a_script_are_errors(line: str) -> None:
    """sleep inf (or 400 digits, inf as a float) slept for ever; timeout inf waited so."""
    with pytest.raises(ScriptError) as raised:
        parse_script(line, "s.wscli")
    assert_one_line(raised.value.message)


@pytest.mark.parametrize(
    ("steps", "variables", "status", "said"),
    [
        (">hex {{x}}", ["--var", "x=zz"], 2, "line 3: not valid hex: 'zz'"),
        (">base64 {{x}}", ["--var", "x=!!"], 2, "line 3: not valid base64"),
        (">file /nonexistent/x", [], 2, "line 3: cannot read /nonexistent/x"),
        ("> hi\n<hex {{x}}", ["--var", "x=zz"], 9, "line 4: not valid hex"),
        ("> x\n< " + "[" * 3000, [], 9, 'got "x"'),
    ],
    ids=["hex", "base64", "file", "expect-hex", "deep-pattern"],
)
def test_a_step_its_values_make_invalid_fails_with_its_line(
    server: ScenarioServer, tmp_path: Path, steps: str, variables: list[str], status: int, said: str
) -> None:
    """These ended as internal errors (exit 1): ValueError, FileNotFoundError,
    binascii.Error, RecursionError. Now the step fails, and says why."""
    script = tmp_path / "t.wscli"
    script.write_text(f"url {server.url('/echo')}\ntimeout 5\n{steps}\n", encoding="utf-8")
    result = run_wscli("run", str(script), *variables, expect=status)
    assert said in result.stderr and "internal error" not in result.stderr


PATTERNS = st.one_of(
    ARGS, st.builds(lambda name: f"(?P<{name}>.)", st.sampled_from(["id", "1", "a b"]))
)


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re on "[["
@settings(max_examples=300, deadline=None)
@given(
    pattern=PATTERNS,
    reply=st.one_of(TEXT, NAMES),
    messages=st.lists(MESSAGES, min_size=1, max_size=3),
)
@example(pattern="[" * 3000, reply="x", messages=["[1]"])  # --until-json: RecursionError
@example(pattern="\r", reply="{{id}}", messages=[""])  # "is not captured by /" CR "/"
def test_stream_patterns_are_checked_then_match_any_message(
    pattern: str, reply: str, messages: list[str | bytes]
) -> None:
    """--reply, --filter(-json), --ignore(-json), --until(-json): a pattern is checked
    once, in one line; a checked one then answers or filters any message."""
    values: dict[str, object] = {"every": ()}
    values |= {"replies": (f"{pattern}=>{reply}",), "filters": (), "ignores": ()}
    values |= {"filters_json": (pattern,), "ignores_json": ()}
    for check in (checked_regex, checked_json_pattern):
        try:
            assert check(pattern, "--until") == pattern
        except UsageError as error:
            assert_one_line(error.message)
    try:
        rules = stream_rules(values)
    except UsageError as error:
        assert_one_line(error.message)
        return
    streams = Streams(rules.replies, rules.filters, rules.ignores)
    for message in messages:
        assert all(isinstance(answer, str) for answer in streams.answers(message))
        assert isinstance(streams.passes(message), bool)


#: Steps that parse, mostly: what a script that runs holds.
STEPS = st.one_of(
    st.builds(lambda mark, arg: f"{mark} {arg}", st.sampled_from([">", "<", "<~"]), ARGS),
    st.builds(lambda data: f">hex {data.hex()}", st.binary(max_size=8)),
    st.builds(lambda data: f"<base64 {base64.b64encode(data).decode()}", st.binary(max_size=8)),
    st.builds(lambda value: f">quoted {json.dumps(value)}", st.text(max_size=8)),
    st.sampled_from(["ping", "ping hi", "close", "close 4000 bye", "expect-close 1000"]),
    st.sampled_from(["> {{id}}", '< {"id": "{{id}}"}', ">hex {{x}}", "<~ /(?P<x>.)/"]),
)


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re on "[["
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(st.one_of(STEPS, STEPS, LINES), max_size=6), values=VALUES)
def test_any_script_runs_to_a_documented_exit_status(
    server: ScenarioServer, lines: list[str], values: dict[str, object]
) -> None:
    """``wscli run`` on any script against an echo server: passes, fails a step, or is
    refused; never an internal error (exit 1). (Its own timeout: each wait is short.)"""
    steady = [line for line in lines if line.split(" ")[0] not in ("timeout", "sleep", "url")]
    text = "\n".join([f"url {server.url('/echo')}", "timeout 0.3", *steady])
    variables = [f"--var={name}={value}" for name, value in values.items()]
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "fuzz.wscli"
        script.write_bytes(text.encode("utf-8", "surrogateescape"))
        result = run_wscli("run", str(script), *variables, expect=None)
    assert result.returncode in (0, 2, 6, 7, 8, 9), result
    assert "internal error" not in result.stderr
