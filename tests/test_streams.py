"""Long-running streams on ``connect`` and ``send``: ``--reply`` (application heartbeats),
``--every`` (timers), ``--filter``/``--ignore`` and their JSON forms. The server is a
``wscli listen --script`` that demands exactly the conversation expected: it exits 0
when the client followed it, 9 when not (tests/test_listen_script.py tests that)."""

import json
from pathlib import Path

import pytest

from tests.conftest import ScenarioServer, run_wscli
from tests.listening import listening


def _script(tmp_path: Path, text: str) -> str:
    path = tmp_path / "server.wscli"
    path.write_text("timeout 5\n" + text, encoding="utf-8")
    return str(path)


def test_reply_answers_heartbeats_with_what_they_capture(tmp_path: Path) -> None:
    server_side = (
        "< ping 1\n> pong 1\n"
        '< {"type":"ping","id":7,"at":"now"}\n> {"type":"pong","id":7}\n'
        "< ping 2\n> pong 2\n"
        "< data\n"
        "expect-close 4000 done\n"
    )
    with listening("--script", _script(tmp_path, server_side), "--once") as server:
        result = run_wscli(
            "connect",
            server.url,
            "--reply",
            r"^ping (?P<n>\d+)$=>pong {{n}}",
            "--reply",
            '{"type":"ping","id":"{{id}}"}=>{"type":"pong","id":{{id}}}',
            "--ignore",
            "^ping",
            "--ignore-json",
            '{"type":"ping"}',
            "--keep-open",
            "--expect-close",
            "4000",
        )
        assert server.wait() == 0
    assert result.lines == ["data"]  # the heartbeats were answered, not printed


def test_every_sends_on_a_timer_while_open(tmp_path: Path) -> None:
    server_side = "> tick\n> tick\n> tick\nexpect-close 4000 enough\n"
    with listening("--script", _script(tmp_path, server_side), "--once") as server:
        run_wscli(
            "connect",
            server.url,
            "--every",
            "0.05",
            "tick",
            "--keep-open",
            "--expect-close",
            "4000",
        )
        assert server.wait() == 0


def test_filter_decides_what_is_printed_and_counted(tmp_path: Path) -> None:
    server_side = "< a1\n< b1\n< b2\n< a2\n< a3\nclose 1000\n"
    with listening("--script", _script(tmp_path, server_side), "--once") as server:
        result = run_wscli("send", server.url, "--filter", "^a", "--count", "2")
        assert server.wait() == 0
    assert result.lines == ["a1", "a2"]  # --count 2 counted a1 and a2 only


def test_jsonl_marks_what_the_filters_held_back(server: ScenarioServer) -> None:
    messages = '{"type":"ka"}\n{"type":"data","n":1}\n{"type":"ka"}\n'
    result = run_wscli(
        "connect",
        server.url("/echo"),
        "--ignore-json",
        '{"type":"ka"}',
        "--filter-json",
        '{"type":"{{any}}"}',
        "--jsonl",
        input=messages,
    )
    received = [
        (json.loads(r["text"])["type"], r.get("filtered", False))
        for r in map(json.loads, result.lines)
        if r["event"] == "message" and r["direction"] == "in"
    ]
    assert received == [("ka", True), ("data", False), ("ka", True)]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--reply", "ping"), "--reply 'ping' has no =>"),
        (("--reply", "^ping$=>pong {{n}}"), "--reply: {{n}} is not captured by /^ping$/"),
        (("--filter", "("), "--filter '(' is not a valid regular expression"),
        (("--ignore-json", "ka"), "--ignore-json 'ka' is not a JSON object or array"),
        (("--every", "-1", "x"), "-1"),
    ],
)
def test_bad_stream_options_exit_2_before_connecting(
    server: ScenarioServer, args: tuple[str, ...], error: str
) -> None:
    result = run_wscli("send", server.url("/echo"), "hi", *args, expect=2)
    assert error in result.stderr
    assert server.connections == []


def test_the_prompt_replies_filters_and_ticks_too(tmp_path: Path) -> None:
    from tests.test_repl import Terminal, quit_cleanly

    server_side = "< ping 1\n> pong 1\n> tick\n< hello\nclose 1000\n"
    home = tmp_path / "home"
    home.mkdir()
    with listening("--script", _script(tmp_path, server_side), "--once") as server:
        terminal = Terminal(
            home,
            server.url,
            "--reply",
            r"^ping (?P<n>\d+)$=>pong {{n}}",
            "--ignore",
            "^ping",
            "--every",
            "1.5",  # the second tick would come long after the quit
            "tick",
        )
        try:
            terminal.ready()
            terminal.expect(r"^< hello$")
            quit_cleanly(terminal, after_output=True)
        finally:
            terminal.close()
        assert server.wait() == 0
    assert "ping 1" not in terminal.text


def test_pretty_indents_json_in_a_pipe(server: ScenarioServer) -> None:
    result = run_wscli("connect", server.url("/echo"), "--pretty", input='{"a":[1]}\nplain\n')
    assert result.out.splitlines() == ["{", '  "a": [', "    1", "  ]", "}", "plain"]


def test_filters_at_the_prompt(server: ScenarioServer, tmp_path: Path) -> None:
    """/filter and /ignore change what is shown; /filters lists and clears them."""
    from tests.test_repl import Terminal, quit_cleanly

    home = tmp_path / "home"
    home.mkdir()
    terminal = Terminal(home, server.url("/echo"), "--ignore", "^noise")
    try:
        terminal.ready()
        terminal.type_line("/filter ^a")
        terminal.expect(r"2 filters in force")
        terminal.type_line("banana")
        terminal.type_line("noise")
        terminal.type_line("apple")
        terminal.expect(r"^< apple$")
        terminal.type_line("/filters")
        terminal.expect(r"^filter /\^a/\nignore /\^noise/$")
        terminal.type_line("/filters clear")
        terminal.expect(r"0 filters in force")
        terminal.type_line("cherry")
        terminal.expect(r"^< cherry$")
        quit_cleanly(terminal, after_output=True)
    finally:
        terminal.close()
    shown = terminal.text
    assert "< banana" not in shown and "< noise" not in shown
    assert server.last().messages == ["banana", "noise", "apple", "cherry"]
