"""``wscli connect`` in pipe mode: stdin lines in, replies out, a clean close at EOF."""

import signal

from tests.conftest import TIMEOUT, run_wscli
from tests.processes import LineReader, running_wscli, start_wscli
from tests.scenario import ScenarioServer


def test_each_line_is_one_text_message_without_its_newline(server: ScenarioServer) -> None:
    """connect sends each stdin line as one text message, newline removed, nothing appended."""
    result = run_wscli("connect", server.url("/echo"), "--count", "2", input=b"hello\nworld\n")
    assert server.last().messages == ["hello", "world"]
    assert result.stdout == b"hello\nworld\n"


def test_crlf_line_endings_are_stripped(server: ScenarioServer) -> None:
    """connect removes a CR LF line ending entirely: the server sees no trailing CR."""
    run_wscli("connect", server.url("/echo"), "--count", "2", input=b"one\r\ntwo\r\n")
    assert server.last().messages == ["one", "two"]


def test_a_lone_cr_inside_a_line_is_kept(server: ScenarioServer) -> None:
    """connect strips only the CR of a line ending, not a CR inside the line."""
    run_wscli("connect", server.url("/echo"), "--count", "1", input=b"a\rb\n")
    assert server.last().messages == ["a\rb"]


def test_empty_lines_are_empty_messages(server: ScenarioServer) -> None:
    """connect sends an empty stdin line as an empty text message and prints its empty echo."""
    result = run_wscli("connect", server.url("/echo"), "--count", "3", input=b"a\n\nb\n")
    assert server.last().messages == ["a", "", "b"]
    assert result.stdout == b"a\n\nb\n"


def test_last_line_without_newline_is_sent(server: ScenarioServer) -> None:
    """connect sends a final line that has no newline at EOF."""
    result = run_wscli("connect", server.url("/echo"), "--count", "2", input=b"first\nlast")
    assert server.last().messages == ["first", "last"]
    assert result.lines == ["first", "last"]


def test_lines_read_before_the_handshake_all_reach_the_server(server: ScenarioServer) -> None:
    """connect queues the lines it reads while CONNECTING and sends every one, in order."""
    lines = [f"line {index}" for index in range(2000)]
    data = "".join(line + "\n" for line in lines).encode()
    result = run_wscli("connect", server.url("/echo"), "--count", "2000", input=data)
    assert server.last().messages == lines
    assert result.lines == lines


def test_lines_sent_while_connecting_to_a_slow_handshake_arrive(server: ScenarioServer) -> None:
    """Lines read while the server takes 500 ms to answer the handshake are all sent, in order."""
    lines = [f"early {index}" for index in range(100)]
    data = "".join(line + "\n" for line in lines).encode()
    result = run_wscli("connect", server.url("/slow-open?ms=500"), "--count", "100", input=data)
    assert server.last().messages == lines
    assert result.lines == lines
    assert server.last().close_code == 1000


def test_a_long_line_is_one_message(server: ScenarioServer) -> None:
    """A 1 MiB stdin line (longer than any read chunk) is sent as one message."""
    line = "x" * (1024 * 1024)
    result = run_wscli("connect", server.url("/echo"), "--count", "1", input=line + "\n")
    assert server.last().messages == [line]
    assert result.stdout == (line + "\n").encode()


def test_utf8_text_goes_through_unchanged(server: ScenarioServer) -> None:
    """connect sends UTF-8 lines as text and prints the replies as the same UTF-8."""
    result = run_wscli("connect", server.url("/echo"), "--count", "1", input="héllo ✓ 日本\n")
    assert server.last().messages == ["héllo ✓ 日本"]
    assert result.stdout == "héllo ✓ 日本\n".encode()


def test_at_eof_waits_for_late_replies_then_closes_with_1000(server: ScenarioServer) -> None:
    """At stdin EOF connect waits for the replies of a slow server, then closes with 1000."""
    result = run_wscli("connect", server.url("/delay?ms=300"), "--count", "3", input=b"a\nb\nc\n")
    assert result.lines == ["a", "b", "c"]
    connection = server.last()
    assert connection.messages == ["a", "b", "c"]
    assert connection.close_code == 1000
    assert "closed by wscli: 1000 (Normal Closure)" in result.stderr


def test_default_idle_rule_waits_for_a_server_answering_every_500_ms(
    server: ScenarioServer,
) -> None:
    """Without a wait option connect prints all replies of a server answering every 500 ms."""
    result = run_wscli("connect", server.url("/delay?ms=500"), input=b"one\ntwo\nthree\n")
    assert result.lines == ["one", "two", "three"]
    assert server.last().close_code == 1000


def test_empty_stdin_connects_and_closes_cleanly(server: ScenarioServer) -> None:
    """connect with empty stdin opens, sends nothing, closes with 1000 and exits 0."""
    result = run_wscli("connect", server.url("/echo"), "--idle", "0", input=b"")
    connection = server.last()
    assert connection.messages == []
    assert connection.close_code == 1000
    assert result.stdout == b""


def test_no_url_starts_the_builtin_echo_server() -> None:
    """connect without a URL starts an echo server on 127.0.0.1, says so, and echoes."""
    result = run_wscli("connect", "--count", "2", input=b"ping\npong\n")
    assert result.lines == ["ping", "pong"]
    assert "built-in echo server at ws://127.0.0.1:" in result.stderr


def test_no_url_echo_server_echoes_binary() -> None:
    """The built-in echo server answers binary with binary (shown as hex by default)."""
    result = run_wscli("connect", "--count", "1", "--input-format", "hex", input=b"00ff10\n")
    assert result.lines == ["00ff10"]


def test_replies_are_written_as_they_arrive(server: ScenarioServer) -> None:
    """connect writes each reply to stdout while stdin is still open (no buffering to EOF)."""
    process = start_wscli("connect", server.url("/echo"))
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    stderr = LineReader(process.stderr)
    try:
        process.stdin.write(b"first\n")
        process.stdin.flush()
        stdout = LineReader(process.stdout)
        assert stdout.wait_for("first") == "first\n"
        process.stdin.write(b"second\n")
        process.stdin.close()
        assert stdout.wait_for("second") == "second\n"
        assert process.wait(TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr.rest()
    assert server.last().messages == ["first", "second"]


def test_sigint_closes_with_1001_and_exits_130(server: ScenarioServer) -> None:
    """Ctrl-C (SIGINT) makes connect close with 1001 Going Away and exit 130."""
    with running_wscli("connect", server.url("/echo")) as (process, stderr):
        stderr.wait_for("connected to")
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT) == 130
    assert server.last().close_code == 1001


def test_sigint_while_waiting_for_replies_exits_130(server: ScenarioServer) -> None:
    """Ctrl-C after stdin EOF, while connect waits for replies, still closes 1001 and exits 130."""
    args = ("connect", server.url("/delay?ms=5000"), "--count", "1")
    with running_wscli(*args) as (process, stderr):
        assert process.stdin is not None
        process.stdin.write(b"slow\n")
        process.stdin.close()
        stderr.wait_for("connected to")
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT) == 130
    assert server.last().close_code == 1001


def test_bad_hex_line_names_the_line_and_stops_the_input(server: ScenarioServer) -> None:
    """A bad hex line on stdin: exit 2, stderr names the line, no later line is sent."""
    result = run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "hex",
        "--idle",
        "0.3",
        input=b"0a0b\nzz\n0c0d\n",
        expect=2,
    )
    assert "stdin line 2" in result.stderr
    assert "wscli: error:" in result.stderr
    assert server.last().messages == [b"\x0a\x0b"]


def test_bad_base64_line_names_the_line(server: ScenarioServer) -> None:
    """A bad base64 line on stdin exits 2 and names that line; earlier lines were sent."""
    result = run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "base64",
        "--idle",
        "0.3",
        input=b"AAE=\nnot base64!\n",
        expect=2,
    )
    assert "stdin line 2" in result.stderr
    assert server.last().messages == [b"\x00\x01"]


def test_invalid_utf8_text_line_is_refused(server: ScenarioServer) -> None:
    """A stdin line that is not UTF-8 in the text format exits 2 naming the line."""
    result = run_wscli(
        "connect", server.url("/echo"), "--idle", "0.3", input=b"ok\n\xff\xfe\n", expect=2
    )
    assert "stdin line 2" in result.stderr
    assert server.last().messages == ["ok"]


def test_binary_input_lines_become_binary_frames(server: ScenarioServer) -> None:
    """--input-format binary sends each stdin line's bytes as a binary frame."""
    result = run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "binary",
        "--count",
        "2",
        input=b"\x00\x01\xff\nab\n",
    )
    assert server.last().messages == [b"\x00\x01\xff", b"ab"]
    assert result.lines == ["0001ff", "6162"]


def test_hex_input_lines_allow_spaces(server: ScenarioServer) -> None:
    """--input-format hex accepts spaces between the byte pairs."""
    run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "hex",
        "--count",
        "1",
        input=b"48 65 6c 6c 6f\n",
    )
    assert server.last().messages == [b"Hello"]


def test_base64_input_lines_become_binary_frames(server: ScenarioServer) -> None:
    """--input-format base64 decodes each stdin line to a binary frame."""
    run_wscli(
        "connect",
        server.url("/echo"),
        "--input-format",
        "base64",
        "--count",
        "1",
        input=b"AP8Q\n",
    )
    assert server.last().messages == [b"\x00\xff\x10"]


def test_peer_text_goes_raw_into_a_pipe(server: ScenarioServer) -> None:
    """In a pipe, connect writes received text as it came, control characters included."""
    result = run_wscli("connect", server.url("/echo"), "--count", "1", input=b"\x1b[31mred\x07\n")
    assert result.stdout == b"\x1b[31mred\x07\n"


def test_server_close_before_eof_ends_the_run(server: ScenarioServer) -> None:
    """When the server closes with 1000 while stdin is still open, connect exits 0 at once."""
    process = start_wscli("connect", server.url("/close?code=1000&after=1"))
    assert process.stdin is not None and process.stderr is not None
    stderr = LineReader(process.stderr)
    try:
        process.stdin.write(b"bye\n")
        process.stdin.flush()
        assert process.wait(TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdin.close()
    assert "closed by the server: 1000 (Normal Closure)" in stderr.rest()
    assert server.last().messages == ["bye"]


def test_until_stops_connect_at_the_matching_reply(server: ScenarioServer) -> None:
    """connect --until stops at the first reply that matches and exits 0."""
    result = run_wscli("connect", server.url("/burst?n=10"), "--until", "^m3$", input=b"")
    assert result.lines == ["m0", "m1", "m2", "m3"]
    assert server.last().close_code == 1000


def test_a_slow_server_holds_back_stdin_without_losing_lines(server: ScenarioServer) -> None:
    """Against a server that reads slowly, wscli stops reading stdin while 4 MiB wait to be
    written, then resumes: all 160 lines of 64 KiB (10 MiB) arrive, in order."""
    lines = [f"{index:04d}".encode() + b"x" * 65532 for index in range(160)]
    run_wscli(
        "connect",
        server.url("/slow-reader?ms=5"),
        "--no-compression",
        "--idle",
        "0.2",
        input=b"\n".join(lines) + b"\n",
    )
    received = server.last().messages
    assert [m[:4] for m in received] == [line[:4].decode() for line in lines]
    assert all(len(m) == 65536 for m in received)


def test_timeout_holds_when_the_server_stops_reading(server: ScenarioServer) -> None:
    """--timeout bounds the whole run even when the server stops reading mid-stream: wscli
    drops the connection after a short grace, reports the messages it could not send,
    and exits 6."""
    data = (b"x" * 1000 + b"\n") * 20000  # 20 MB: more than loopback buffers absorb
    result = run_wscli(
        "connect",
        server.url("/silent-close"),
        "--keep-open",
        "--timeout",
        "1",
        "--no-compression",
        input=data,
        expect=6,
    )
    assert "queued messages were not sent" in result.stderr
    assert "timed out after 1 s" in result.stderr


def test_execute_messages_go_before_stdin_in_a_pipe(server: ScenarioServer) -> None:
    """``-x MSG`` off a terminal: each MSG is sent right after the handshake, then stdin's
    lines follow."""
    result = run_wscli(
        "connect", server.url("/echo"), "-x", "first", "-x", "second", input="third\n"
    )
    assert result.lines == ["first", "second", "third"]
    assert server.last().messages == ["first", "second", "third"]
