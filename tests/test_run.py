"""``wscli run``: scripted conversations against real servers (the scenario server and
Node ``ws``): what reached the server, the step lines, the exit status of each failure
kind, parse errors (file, line) before anything connects, JUnit XML."""

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import ScenarioServer, run_wscli
from tests.node_server import NodeServer
from tests.timing import TIMEOUT


def _script(tmp_path: Path, text: str, name: str = "flow.wscli") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


EVERY_STEP = """\
# every kind of step against an echo server
timeout 5
ignore /^noise$/
> {"type":"hello","id":7,"extra":[1,2]}
< {"type":"hello","id":"{{id}}"}
> noise
> id was {{id}} for {{who}}
< /id was (?P<n>\\d+) for (?P<who2>\\w+)/
> {"echo":"{{n}}","whole":"{{id}}"}
< {"echo":"7","whole":7}
>hex 00ff41
<hex 00ff41
>base64 AAEC
<base64 AAEC
> a
> b
<~ /^b$/
ping hi
sleep 0.01
close 4000 done
"""


def test_a_script_plays_every_step_and_passes(server: ScenarioServer, tmp_path: Path) -> None:
    path = _script(tmp_path, EVERY_STEP)
    result = run_wscli("run", path, "--url", server.url("/echo"), "--var", "who=ann")
    record = server.last()
    assert record.messages == [
        '{"type":"hello","id":7,"extra":[1,2]}',
        "noise",
        "id was 7 for ann",
        '{"echo":"7","whole":7}',
        b"\x00\xffA",
        b"\x00\x01\x02",
        "a",
        "b",
    ]
    assert (record.close_code, record.close_reason) == (4000, "done")
    steps = [line for line in result.stderr.splitlines() if " ok " in f" {line} "]
    assert len(steps) == 17
    assert (
        f"{path}:5" in result.stderr and "1 script: 1 passed, 0 failed; 17 steps" in result.stderr
    )


def test_the_environment_fills_names_and_var_beats_it(
    server: ScenarioServer, tmp_path: Path
) -> None:
    path = _script(tmp_path, "> {{GREETING}} {{who}}\n< /hello/\n")
    env = {"GREETING": "hello", "who": "from-env", "PATH": "/usr/bin"}
    run_wscli("run", path, "--url", server.url("/echo"), "--var", "who=cli", env=env)
    assert server.last().messages == ["hello cli"]


def test_a_json_difference_names_its_path_and_exits_9(
    server: ScenarioServer, tmp_path: Path
) -> None:
    path = _script(
        tmp_path, '> {"payload":{"data":{"tick":4}}}\n< {"payload":{"data":{"tick":3}}}\n'
    )
    result = run_wscli("run", path, "--url", server.url("/echo"), expect=9)
    assert f"FAIL {path}:2" in result.stderr
    assert "$.payload.data.tick: expected 3, got 4" in result.stderr
    assert server.last().close_code == 1000  # closed properly after the failure


def test_waiting_too_long_exits_6_and_lists_what_was_skipped(
    server: ScenarioServer, tmp_path: Path
) -> None:
    path = _script(tmp_path, "timeout 0.3\n> one\n> two\n<~ /never/\n")
    result = run_wscli("run", path, "--url", server.url("/echo"), "-q", expect=6)
    assert "timed out after 0.3 s" in result.stderr
    assert "skipped: one" in result.stderr and "skipped: two" in result.stderr
    assert " ok " not in result.stderr  # -q: failures and the summary only


@pytest.mark.parametrize(
    ("path", "script", "status", "words"),
    [
        ("/close?code=4001&reason=bye&after=1", "> x\nexpect-close 4001 bye\n", 0, "1 passed"),
        (
            "/close?code=4001&reason=bye&after=1",
            "> x\nexpect-close 4002\n",
            9,
            "expected a close 4002",
        ),
        ("/close?code=4001&reason=bye&after=1", "> x\n< y\n", 8, "closed 4001"),
        ("/close?code=1000&after=1", "> x\n< y\n", 9, "closed 1000"),
        ("/abort?after=1", "> x\n< y\n", 7, "closed while waiting"),
        ("/reject?status=403", "> x\n", 4, "403"),
    ],
)
def test_each_way_a_connection_ends_has_its_exit_status(
    server: ScenarioServer, tmp_path: Path, path: str, script: str, status: int, words: str
) -> None:
    result = run_wscli("run", _script(tmp_path, script), "--url", server.url(path), expect=status)
    assert words in result.stderr


def test_no_server_exits_3(tmp_path: Path) -> None:
    result = run_wscli("run", _script(tmp_path, "> x\n"), "--url", "ws://127.0.0.1:1/", expect=3)
    assert "refused" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("> a\nurl ws://x/\n", 2, "after the first step"),
        ("timeout soon\n", 1, "not a number of seconds"),
        ("ignore nope\n", 1, "not a /regex/"),
        ("ignore /(/\n", 1, "bad regex"),
        (">hex 0g\n", 1, "not valid hex"),
        ("<base64 !!\n", 1, "not valid base64"),
        ("<file x\n", 1, "only a send reads a file"),
        ("<~hex 00\n", 1, "<~ takes a pattern"),
        ("close 999\n", 1, "999"),
        ("close 4000 " + "r" * 124 + "\n", 1, "reason"),
        ("expect-close\n", 1, "needs a close code"),
        ("sleep -1\n", 1, "not a number of seconds"),
        ("Frobnicate!\n", 1, "not a step or a setting"),
        ("> {{nobody}}\n", 1, "{{nobody}} is not captured"),
        ('< {"a":"{{x}}"}\n> {{y}}\n', 2, "{{y}} is not captured"),
        ("retries 3\n> a\n", 1, "unknown setting 'retries'"),
        (">quoted abc\n", 1, "not valid quoted"),
        ('<quoted ["a"]\n', 1, "not valid quoted"),
        ('>quoted "unterminated\n', 1, "not valid quoted"),
        ("pipeline maybe\n", 1, "pipeline: not yes or no"),
        ("expect-close 5000\n", 1, "can never be received"),
        ("close 4000 bye {{who}}\n", 1, "{{who}} is not captured"),
    ],
)
def test_a_script_that_does_not_parse_exits_2_before_connecting(
    server: ScenarioServer, tmp_path: Path, text: str, line: int, words: str
) -> None:
    good = _script(tmp_path, "> fine\n< fine\n", "a.wscli")
    bad = _script(tmp_path, text, "b.wscli")
    result = run_wscli("run", good, bad, "--url", server.url("/echo"), expect=2)
    assert f"b.wscli:{line}: " in result.stderr and words in result.stderr
    assert server.requests == []  # nothing connected, not even the good script


def test_settings_are_connect_options(server: ScenarioServer, tmp_path: Path) -> None:
    text = (
        "header X-Test: yes\nsubprotocol chat.v1\norigin https://example.com\n"
        "compression off\n<~ /X-Test/\n"
    )
    run_wscli("run", _script(tmp_path, text), "--url", server.url("/headers"))
    record = server.last()
    headers = {name.lower(): value for name, value in record.headers}
    assert headers["x-test"] == "yes" and headers["origin"] == "https://example.com"
    assert "sec-websocket-extensions" not in headers
    assert headers["sec-websocket-protocol"] == "chat.v1"


def test_a_folder_runs_its_scripts_in_order_and_junit_reports_each(
    server: ScenarioServer, tmp_path: Path
) -> None:
    folder = tmp_path / "checks"
    folder.mkdir()
    _script(folder, "> one\n< one\n", "1-pass.wscli")
    _script(folder, "> two\n< three\n", "2-fail.wscli")
    _script(folder, "> four\n< four\n", "3-pass.wscli")
    junit = tmp_path / "junit.xml"
    result = run_wscli(
        "run", str(folder), "--url", server.url("/echo"), "--junit", str(junit), expect=9
    )
    assert "3 scripts: 2 passed, 1 failed" in result.stderr
    suite = ElementTree.parse(junit).getroot()
    assert suite.tag == "testsuite"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "0")
    cases = suite.findall("testcase")
    assert [Path(case.get("name", "")).name for case in cases] == [
        "1-pass.wscli",
        "2-fail.wscli",
        "3-pass.wscli",
    ]
    assert all(float(case.get("time", "x")) >= 0 for case in cases)
    failure = cases[1].find("failure")
    assert failure is not None and cases[0].find("failure") is None
    assert 'expected "three", got "two"' in (failure.get("message") or "")
    assert "2-fail.wscli:2" in (failure.text or "")


def test_jsonl_writes_a_record_per_step_and_per_event(
    server: ScenarioServer, tmp_path: Path
) -> None:
    import json

    path = _script(tmp_path, "> a\n< a\n")
    result = run_wscli("run", path, "--url", server.url("/echo"), "--jsonl")
    records = [json.loads(line) for line in result.lines]
    assert all("time" in r for r in records)  # every record, step records too
    steps = [(r["line"], r["ok"]) for r in records if r["event"] == "step"]
    assert steps == [(1, True), (2, True), (0, True)]  # 0: the closing handshake at the end
    events = [(r["event"], r.get("direction"), r.get("text")) for r in records]
    assert events[0][0] == "open" and ("close", None, None) in events
    assert ("message", "out", "a") in events and ("message", "in", "a") in events
    # the received message is reported before the step that matched it
    assert events.index(("message", "in", "a")) < records.index(
        next(r for r in records if r["event"] == "step" and r["line"] == 2)
    )


@pytest.fixture
def node_server() -> Iterator[NodeServer]:
    with NodeServer() as running:
        yield running


def test_a_script_against_the_node_ws_server(node_server: NodeServer, tmp_path: Path) -> None:
    text = f'url {node_server.url("/echo")}\n> {{"n":1}}\n< {{"n":1}}\n>hex 0102\n<hex 0102\n'
    run_wscli("run", _script(tmp_path, text))
    assert node_server.last().messages[:2] == ['{"n":1}', b"\x01\x02"]


def test_until_json_stops_at_the_first_message_matching_the_pattern(
    server: ScenarioServer,
) -> None:
    """send/connect --until-json: wscli run's matching (keys present, others allowed)."""
    messages = ['{"t":"a"}', '{"t":"b","n":1}', '{"t":"b","n":2}']
    result = run_wscli("send", server.url("/echo"), *messages, "--until-json", '{"t":"b"}')
    assert result.lines == messages[:2]
    result = run_wscli(
        "connect",
        server.url("/echo"),
        "--until-json",
        '{"t":"c"}',
        "--timeout",
        "1",
        input="\n".join(messages) + "\n",
        expect=6,
    )
    assert "--until-json" in result.stderr


def test_until_json_must_be_a_json_object_or_array(server: ScenarioServer) -> None:
    result = run_wscli("send", server.url("/echo"), "x", "--until-json", "nope", expect=2)
    assert "--until-json 'nope' is not a JSON object or array" in result.stderr


def test_ctrl_c_closes_with_1001_and_exits_130(server: ScenarioServer, tmp_path: Path) -> None:
    import signal

    from tests.processes import LineReader, start_wscli
    from tests.timing import TIMEOUT

    path = _script(tmp_path, "> a\n< a\nsleep 60\n")
    process = start_wscli("run", path, "--url", server.url("/echo"))
    try:
        assert process.stderr is not None
        stderr = LineReader(process.stderr)
        stderr.wait_for("< a")  # the step before the sleep is done
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 130
    finally:
        process.kill()
    record = server.last()
    assert record.closed.wait(TIMEOUT) and record.close_code == 1001
    assert "1 script: 0 passed, 1 failed" in stderr.rest()


@pytest.mark.parametrize(
    ("script", "reached"),
    [
        ("> a\n< x\n> b\n< y\n> c\n", ["a"]),  # lock-step: b waits for "x"
        ("pipeline yes\n> a\n< x\n> b\n< y\n> c\n", ["a", "b", "c"]),
        # a send that uses a name waits for the expectation that captures it
        ("pipeline yes\n> a\n< /(?P<v>.+)/\n> got {{v}}\n", ["a"]),
        # a ping, a sleep or a close is a barrier: later sends wait for it
        ("pipeline yes\n> a\n< x\nping\n> b\n", ["a"]),
    ],
)
def test_pipeline_sends_ahead_of_the_expectations_unless_they_must_wait(
    server: ScenarioServer, tmp_path: Path, script: str, reached: list[str]
) -> None:
    path = _script(tmp_path, "timeout 0.3\n" + script)
    result = run_wscli("run", path, "--url", server.url("/sink"), expect=6)
    assert "timed out after 0.3 s waiting for" in result.stderr
    record = server.last()
    assert record.closed.wait(TIMEOUT)
    assert record.messages == reached
