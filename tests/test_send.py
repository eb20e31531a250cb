"""``wscli send``: messages, wait rules, exit codes, input formats and received binary."""

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, run_wscli, wscli_env
from tests.scenario import ScenarioServer

# Messages and stdin


def test_send_sends_each_argument_and_prints_the_replies(server: ScenarioServer) -> None:
    """send sends every MESSAGE argument as a text message and prints each reply on a line."""
    result = run_wscli("send", server.url("/echo"), "one", "two", "three", "--count", "3")
    assert server.last().messages == ["one", "two", "three"]
    assert result.lines == ["one", "two", "three"]
    assert server.last().close_code == 1000


def test_send_reads_stdin_lines_without_message_arguments(server: ScenarioServer) -> None:
    """send with no MESSAGE and stdin not a terminal sends the stdin lines."""
    result = run_wscli("send", server.url("/echo"), "--count", "2", input=b"x\ny\n")
    assert server.last().messages == ["x", "y"]
    assert result.lines == ["x", "y"]


def test_send_dash_reads_stdin_in_place(server: ScenarioServer) -> None:
    """send with MESSAGE '-' sends the stdin lines at that position among the arguments."""
    run_wscli("send", server.url("/echo"), "first", "-", "last", "--count", "4", input=b"s1\ns2\n")
    assert server.last().messages == ["first", "s1", "s2", "last"]


def test_send_hello_against_echo_exits_0_with_the_default_idle_rule(
    server: ScenarioServer,
) -> None:
    """send URL hello (no wait option) prints the echo and exits 0 after the idle time."""
    result = run_wscli("send", server.url("/echo"), "hello")
    assert result.lines == ["hello"]
    assert server.last().close_code == 1000


def test_send_empty_string_argument_is_an_empty_message(server: ScenarioServer) -> None:
    """send '' sends one empty text message."""
    result = run_wscli("send", server.url("/echo"), "", "--count", "1")
    assert server.last().messages == [""]
    assert result.stdout == b"\n"


# Wait rules


def test_count_prints_exactly_n_even_if_more_arrive(server: ScenarioServer) -> None:
    """--count 3 stops after three received messages although the server sends ten."""
    result = run_wscli("send", server.url("/burst?n=10"), "x", "--count", "3")
    assert result.lines == ["m0", "m1", "m2"]
    assert server.last().close_code == 1000


def test_until_stops_at_the_first_match(server: ScenarioServer) -> None:
    """--until REGEX stops at the first received message that matches and exits 0."""
    result = run_wscli("send", server.url("/burst?n=10"), "x", "--until", "m[4-6]")
    assert result.lines == ["m0", "m1", "m2", "m3", "m4"]


def test_until_that_never_matches_when_the_server_closes_exits_9(server: ScenarioServer) -> None:
    """--until that never matched before the server closed exits 9 and names the regex."""
    result = run_wscli(
        "send", server.url("/close?code=1000&after=1"), "hello", "--until", "nomatch", expect=9
    )
    assert "nomatch" in result.stderr


def test_until_with_a_bad_regex_is_a_usage_error(server: ScenarioServer) -> None:
    """--until with an invalid regular expression exits 2 before connecting."""
    result = run_wscli("send", server.url("/echo"), "x", "--until", "(", expect=2)
    assert "--until" in result.stderr
    assert server.connections == []


def test_default_idle_waits_for_replies_500_ms_apart(server: ScenarioServer) -> None:
    """The default idle rule prints all replies of a server answering every 500 ms."""
    result = run_wscli("send", server.url("/delay?ms=500"), "a", "b", "c")
    assert result.lines == ["a", "b", "c"]


def test_idle_shorter_than_the_reply_delay_stops_first(server: ScenarioServer) -> None:
    """--idle 0.2 stops before a reply that comes after 1.5 s and exits 0 with nothing printed."""
    result = run_wscli("send", server.url("/delay?ms=1500"), "late", "--idle", "0.2")
    assert result.stdout == b""
    assert server.last().messages == ["late"]
    assert server.last().close_code == 1000


def test_idle_longer_than_the_reply_delay_waits(server: ScenarioServer) -> None:
    """--idle 1.4 waits for a reply that comes 1 s later (the default 0.8 s would not)."""
    result = run_wscli("send", server.url("/delay?ms=1000"), "late", "--idle", "1.4")
    assert result.lines == ["late"]


def test_timeout_before_count_exits_6(server: ScenarioServer) -> None:
    """--timeout 0.5 with --count 1 against a 3 s delayed echo exits 6 (timeout)."""
    result = run_wscli(
        "send", server.url("/delay?ms=3000"), "x", "--timeout", "0.5", "--count", "1", expect=6
    )
    assert "timed out" in result.stderr
    assert result.stdout == b""


def test_timeout_before_until_exits_6(server: ScenarioServer) -> None:
    """--timeout with --until that has not matched by the deadline exits 6."""
    run_wscli("send", server.url("/echo"), "x", "--until", "never", "--timeout", "0.5", expect=6)


def test_count_reached_before_timeout_exits_0(server: ScenarioServer) -> None:
    """--timeout does not fail a run whose --count held in time."""
    result = run_wscli("send", server.url("/echo"), "x", "--count", "1", "--timeout", "10")
    assert result.lines == ["x"]


def test_keep_open_waits_for_the_server_to_close(server: ScenarioServer) -> None:
    """--keep-open never closes from our side: the server's 1000 ends the run with exit 0."""
    result = run_wscli("send", server.url("/close?code=1000&after=1"), "hello", "--keep-open")
    assert "closed by the server" in result.stderr
    assert server.last().close_code == 1000


def test_keep_open_outlasts_the_idle_rule(server: ScenarioServer) -> None:
    """--keep-open waits past the idle rule (a reply after 1 s is printed) until --timeout."""
    result = run_wscli(
        "send", server.url("/delay?ms=1000"), "x", "--keep-open", "--timeout", "2.5", expect=6
    )
    assert result.lines == ["x"]


def test_expect_close_matching_exits_0(server: ScenarioServer) -> None:
    """--expect-close 4001 exits 0 when the server closes with 4001."""
    run_wscli("send", server.url("/close?code=4001&reason=bye"), "x", "--expect-close", "4001")
    assert server.last().close_code == 4001


def test_expect_close_mismatch_exits_9(server: ScenarioServer) -> None:
    """--expect-close 1000 exits 9 when the server closes with 4001, naming both codes."""
    result = run_wscli(
        "send", server.url("/close?code=4001&reason=bye"), "x", "--expect-close", "1000", expect=9
    )
    assert "1000" in result.stderr
    assert "4001" in result.stderr


def test_server_closing_before_count_exits_9(server: ScenarioServer) -> None:
    """The server closing normally before --count messages arrived exits 9."""
    result = run_wscli(
        "send", server.url("/close?code=1000&after=1"), "x", "--count", "2", expect=9
    )
    assert "0 of 2" in result.stderr


# Exit codes from how the connection ended


def test_tcp_drop_without_close_frame_exits_7(server: ScenarioServer) -> None:
    """A server that drops TCP without a close frame makes send exit 7 (1006)."""
    result = run_wscli("send", server.url("/abort"), "x", expect=7)
    assert "1006" in result.stderr
    assert server.last().messages == ["x"]


def test_tcp_drop_before_count_exits_7_not_9(server: ScenarioServer) -> None:
    """A TCP drop before --count held exits 7: the connection failed, the server did not close."""
    result = run_wscli("send", server.url("/abort"), "x", "--count", "1", expect=7)
    assert "1006" in result.stderr


def test_server_close_4001_exits_8_and_shows_code_and_reason(server: ScenarioServer) -> None:
    """send exits 8 when the server closes with 4001 and shows 4001 and "bye" on stderr."""
    result = run_wscli("send", server.url("/close?code=4001&reason=bye"), "x", expect=8)
    assert "4001" in result.stderr
    assert '"bye"' in result.stderr
    assert result.stdout == b""


def test_server_close_1011_exits_8(server: ScenarioServer) -> None:
    """send exits 8 when the server closes with 1011 Internal Error."""
    result = run_wscli("send", server.url("/close?code=1011"), "x", expect=8)
    assert "1011 (Internal Error)" in result.stderr


@pytest.mark.parametrize("code", ["1000", "1001", "none"])
def test_server_close_with_a_normal_code_exits_0(server: ScenarioServer, code: str) -> None:
    """send exits 0 when the server closes with 1000, 1001 or an empty close frame (1005)."""
    result = run_wscli("send", server.url(f"/close?code={code}"), "x")
    assert "closed by the server" in result.stderr
    assert server.last().messages == ["x"]


# Input formats and files


@pytest.mark.parametrize(
    ("fmt", "argument", "payload"),
    [
        ("text", "héllo", "héllo"),
        ("binary", "AB", b"AB"),
        ("hex", "00ff10", b"\x00\xff\x10"),
        ("base64", "AP8Q", b"\x00\xff\x10"),
    ],
)
def test_input_format_turns_arguments_into_frames(
    server: ScenarioServer, fmt: str, argument: str, payload: str | bytes
) -> None:
    """--input-format decides how a MESSAGE argument becomes a text or binary frame."""
    run_wscli("send", server.url("/echo"), "--input-format", fmt, argument, "--count", "1")
    assert server.last().messages == [payload]


def test_argument_that_is_not_utf8_is_refused_as_text(server: ScenarioServer) -> None:
    """A MESSAGE argument whose bytes are not UTF-8 exits 2 in the text format."""
    result = run_wscli("send", server.url("/echo"), "\udcff", expect=2)
    assert "MESSAGE argument 1" in result.stderr
    assert server.connections == []


def test_argument_bytes_are_sent_as_they_are_with_binary(server: ScenarioServer) -> None:
    """--input-format binary sends an argument's exact bytes, even when they are not UTF-8."""
    run_wscli("send", server.url("/echo"), "--input-format", "binary", "a\udcffb", "--count", "1")
    assert server.last().messages == [b"a\xffb"]


def test_bad_hex_argument_exits_2_before_connecting(server: ScenarioServer) -> None:
    """A MESSAGE that is not valid hex exits 2 with one error line that names the argument."""
    result = run_wscli("send", server.url("/echo"), "--input-format", "hex", "00", "zz", expect=2)
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "MESSAGE argument 2" in errors[0]
    assert server.connections == []


def test_bad_hex_stdin_line_exits_2_and_sends_nothing_after_it(server: ScenarioServer) -> None:
    """send with a bad hex stdin line (2 of 3) exits 2, names it; line 1 sent, line 3 not."""
    result = run_wscli(
        "send",
        server.url("/echo"),
        "--input-format",
        "hex",
        "--idle",
        "0.3",
        input=b"01\nxyz\n03\n",
        expect=2,
    )
    assert "stdin line 2" in result.stderr
    assert server.last().messages == [b"\x01"]


def test_file_is_sent_as_one_message(server: ScenarioServer, tmp_path: Path) -> None:
    """-f sends a whole file, newlines included, as one text message."""
    path = tmp_path / "doc.json"
    path.write_text('{\n  "a": 1\n}\n')
    run_wscli("send", server.url("/echo"), "-f", str(path), "--count", "1")
    assert server.last().messages == ['{\n  "a": 1\n}\n']


def test_file_after_arguments_with_binary_format(server: ScenarioServer, tmp_path: Path) -> None:
    """--file comes after the MESSAGE arguments; --input-format binary sends its exact bytes."""
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)))
    run_wscli(
        "send",
        server.url("/echo"),
        "--input-format",
        "binary",
        "first",
        "--file",
        str(path),
        "--count",
        "2",
    )
    assert server.last().messages == [b"first", bytes(range(256))]


def test_missing_file_exits_2_with_one_line(server: ScenarioServer, tmp_path: Path) -> None:
    """A missing --file exits 2 with one 'wscli: error:' line naming the file, no connection."""
    missing = tmp_path / "nope.txt"
    result = run_wscli("send", server.url("/echo"), "--file", str(missing), expect=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wscli: error:")
    assert "nope.txt" in lines[0]
    assert server.connections == []


# Received binary


@pytest.mark.parametrize(
    ("binary_as", "expected"),
    [
        ("hex", b"00ff41\n"),
        ("base64", base64.b64encode(b"\x00\xffA") + b"\n"),
        ("text", "\x00\ufffdA\n".encode()),
        ("raw", b"\x00\xffA"),
    ],
)
def test_binary_as_controls_how_received_binary_is_written(
    server: ScenarioServer, binary_as: str, expected: bytes
) -> None:
    """--binary-as writes received binary as hex, base64, text or the raw bytes (no newline)."""
    result = run_wscli(
        "send",
        server.url("/echo"),
        "--input-format",
        "hex",
        "00ff41",
        "--binary-as",
        binary_as,
        "--count",
        "1",
    )
    assert result.stdout == expected


def test_binary_as_raw_concatenates_messages(server: ScenarioServer) -> None:
    """--binary-as raw writes consecutive binary messages back to back, exactly."""
    result = run_wscli(
        "send",
        server.url("/echo"),
        "--input-format",
        "hex",
        "0a00",
        "ff0d",
        "--binary-as",
        "raw",
        "--count",
        "2",
    )
    assert result.stdout == b"\x0a\x00\xff\x0d"


def test_big_binary_message_arrives_whole(server: ScenarioServer) -> None:
    """A 1 MiB binary message from the server is written whole with --binary-as raw."""
    result = run_wscli(
        "send", server.url("/big?size=1048576"), "x", "--binary-as", "raw", "--count", "1"
    )
    assert result.stdout == b"\x00" * 1048576


# stdout closed early


def _send_into_closed_pipe(url: str) -> tuple[int, bytes, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "wscli", "send", url, "a", "b", "c", "--count", "3"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=wscli_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        first = process.stdout.readline()
        process.stdout.close()
        code = process.wait(TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, first, process.stderr.read().decode("utf-8", "replace")


def test_stdout_closed_after_one_line_exits_quietly(server: ScenarioServer) -> None:
    """send into `| head -1` exits 0 with no traceback or BrokenPipe message."""
    code, first, stderr = _send_into_closed_pipe(server.url("/echo"))
    assert first == b"a\n"
    assert code == 0
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert "Broken pipe" not in stderr


def test_stdout_closed_before_later_replies_exits_quietly(server: ScenarioServer) -> None:
    """Replies written after the reader closed stdout end send quietly with exit 0."""
    code, first, stderr = _send_into_closed_pipe(server.url("/delay?ms=300"))
    assert first == b"a\n"
    assert code == 0
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert "Broken pipe" not in stderr
    assert "error" not in stderr
