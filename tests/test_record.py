"""``connect --record FILE``: a session written as a script, in a pipe and at the prompt;
the script plays back with ``wscli run`` against the same server and serves as a mock
with ``listen --script``; credentials never reach the file; a killed session leaves a
valid file."""

import signal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ScenarioServer, run_wscli
from tests.listening import listening
from tests.processes import LineReader, start_wscli
from tests.test_repl import Terminal, quit_cleanly
from tests.timing import TIMEOUT
from wscli.script.match import expect, payload_of
from wscli.script.record import message_line
from wscli.script.syntax import parse_script

#: Texts a plain script line cannot hold as they are.
AWKWARD = [
    "two\nlines",
    "{{not_a_name}}",
    "/looks like a regex/",
    "  spaces around  ",
    "\x1b[31mred\x1b[0m",
    "tab\there",
    "",
]


def _steps(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_a_pipe_session_plays_back_and_passes(server: ScenarioServer, tmp_path: Path) -> None:
    record = tmp_path / "session.wscli"
    url = server.url("/echo")
    args = [arg for text in AWKWARD for arg in ("-x", text)]
    run_wscli("connect", url, *args, "--record", str(record), input='{"id":1,"ok":true}\nbye\n')
    first = server.last().messages
    assert first == [*AWKWARD, '{"id":1,"ok":true}', "bye"]
    steps = _steps(record)
    assert steps[0] == f"url {url}"
    assert '>quoted "two\\nlines"' in steps and '<quoted "two\\nlines"' in steps
    assert '<quoted "/looks like a regex/"' in steps
    assert '< {"id":1,"ok":true}' in steps and steps[-1] == "close 1000"

    result = run_wscli("run", str(record))  # its own url
    assert server.last().messages == first
    assert "1 script: 1 passed, 0 failed; 19 steps" in result.stderr


def test_binary_messages_are_recorded_as_hex_or_base64(
    server: ScenarioServer, tmp_path: Path
) -> None:
    record = tmp_path / "binary.wscli"
    big = "ab" * 100
    run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "hex",
        "--record",
        str(record),
        input=f"00ff41\n{big}\n",
    )
    steps = _steps(record)
    assert ">hex 00ff41" in steps and "<hex 00ff41" in steps
    assert any(step.startswith(">base64 q6ur") for step in steps)
    run_wscli("run", str(record))
    assert server.last().messages == [b"\x00\xffA", bytes.fromhex(big)]


def test_the_servers_close_becomes_expect_close(server: ScenarioServer, tmp_path: Path) -> None:
    record = tmp_path / "close.wscli"
    url = server.url("/close?code=4001&reason=bye&after=1")
    run_wscli("connect", url, "--record", str(record), input="hi\n", expect=8)
    assert _steps(record)[-2:] == ["> hi", "expect-close 4001 bye"]
    run_wscli("run", str(record))


def test_a_recording_serves_as_a_mock_server(server: ScenarioServer, tmp_path: Path) -> None:
    """record against a real server; listen --script the recording; run it against that."""
    record = tmp_path / "mock.wscli"
    run_wscli(
        "connect",
        server.url("/echo"),
        "--record",
        str(record),
        input='{"type":"hello"}\nsecond line\n',
    )
    with listening("--script", str(record), "--once") as mock:
        result = run_wscli("run", str(record), "--url", mock.url)
        assert mock.wait() == 0
        assert f"client 1: followed {record}" in mock.stderr.rest()
    assert "1 script: 1 passed" in result.stderr


def test_credentials_never_reach_the_file(server: ScenarioServer, tmp_path: Path) -> None:
    record = tmp_path / "secret.wscli"
    url = server.url("/echo?token=T0K3N&room=1").replace("ws://", "ws://ann:PA55@")
    run_wscli(
        "connect",
        url,
        "-H",
        "Authorization: Bearer S3CR3T",
        "-H",
        "Cookie: sid=C00K13",
        "-H",
        "X-Trace: visible",
        "--record",
        str(record),
        input="hello\n",
    )
    text = record.read_text(encoding="utf-8")
    for secret in ("T0K3N", "PA55", "S3CR3T", "C00K13"):
        assert secret not in text
    steps = _steps(record)
    assert "auth-env WSCLI_AUTH" in steps
    assert "header Authorization: {{WSCLI_AUTHORIZATION}}" in steps
    assert "header Cookie: {{WSCLI_COOKIE}}" in steps
    assert "header X-Trace: visible" in steps
    assert any("token={{WSCLI_TOKEN}}&room=1" in step for step in steps)

    env = {
        "WSCLI_AUTH": "ann:PA55",
        "WSCLI_AUTHORIZATION": "Bearer S3CR3T",
        "WSCLI_COOKIE": "sid=C00K13",
        "WSCLI_TOKEN": "T0K3N",
    }
    run_wscli("run", str(record), env=env)
    headers = dict(server.last().headers)
    assert headers["Authorization"] == "Bearer S3CR3T"  # -H beats the auth-env's Basic
    assert headers["Cookie"] == "sid=C00K13"
    del env["WSCLI_TOKEN"]
    result = run_wscli("run", str(record), env=env, expect=2)
    assert "{{WSCLI_TOKEN}} is not captured before this line, nor given" in result.stderr


def test_a_killed_session_leaves_a_valid_script(server: ScenarioServer, tmp_path: Path) -> None:
    record = tmp_path / "killed.wscli"
    process = start_wscli("connect", server.url("/echo"), "--record", str(record))
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"one\ntwo\n")
        process.stdin.flush()
        stdout = LineReader(process.stdout)
        stdout.wait_for("two")  # echoed: recorded in the same batch, before stdout
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=TIMEOUT)
    finally:
        process.kill()
        process.wait()
    assert _steps(record)[1:] == ["> one", "> two", "< one", "< two"]
    result = run_wscli("run", str(record))
    assert "1 script: 1 passed" in result.stderr


def test_a_record_file_that_cannot_be_written_exits_2_before_connecting(
    server: ScenarioServer, tmp_path: Path
) -> None:
    where = tmp_path / "no-such-folder" / "x.wscli"
    result = run_wscli("connect", server.url("/echo"), "--record", str(where), expect=2)
    assert result.stderr.startswith(f"wscli: error: cannot write --record {where}")
    assert len(result.stderr.splitlines()) == 1
    assert server.connections == []


def test_the_prompt_records_messages_pings_and_the_close(
    server: ScenarioServer, tmp_path: Path
) -> None:
    record = tmp_path / "repl.wscli"
    home = tmp_path / "home"
    home.mkdir()
    terminal = Terminal(home, server.url("/echo"), "--record", str(record))
    try:
        terminal.ready()
        terminal.type_line("hello")
        terminal.expect(r"^< hello$")
        terminal.type_line("/binary 00ff")
        terminal.expect(r"binary, 2 bytes")
        terminal.type_line("/ping knock")
        terminal.expect(r"pong after")
        terminal.type_line("/close 4000 done")
        terminal.expect(r'closed by wscli: 4000 \(Private Use\) "done"')
        assert terminal.exit_status() == 0
    finally:
        terminal.close()
    assert _steps(record)[1:] == [
        "> hello",
        "< hello",
        ">hex 00ff",
        "<hex 00ff",
        "ping knock",
        "close 4000 done",
    ]
    run_wscli("run", str(record))
    assert server.last().messages == ["hello", b"\x00\xff"]
    assert server.last().close_code == 4000


def test_quit_at_the_prompt_records_close_1000(server: ScenarioServer, tmp_path: Path) -> None:
    record = tmp_path / "quit.wscli"
    home = tmp_path / "home"
    home.mkdir()
    terminal = Terminal(home, server.url("/echo"), "--record", str(record))
    try:
        terminal.ready()
        quit_cleanly(terminal)
    finally:
        terminal.close()
    assert _steps(record) == [f"url {server.url('/echo')}", "close 1000"]


@given(st.one_of(st.text(), st.binary()))
def test_every_message_is_recorded_so_that_it_plays_back_exactly(data: str | bytes) -> None:
    """What a ``>`` line sends is the message; what a ``<`` line expects matches it."""
    sent = parse_script(message_line(">", data), "t").steps[0]
    received = parse_script(message_line("<", data), "t").steps[0]
    assert payload_of(sent, {}) == data
    assert expect(received, data, {}).ok
