"""``--reconnect`` in a pipe and for ``send``: a server killed and started again on the
same port while lines are fed; nothing is lost, messages resume; ``--reconnect-max``
gives up with the last failure's exit status. The servers are ``wscli listen --echo``
processes (their stdout: what each received)."""

import json
from urllib.parse import urlsplit

from tests.listening import Listening, listening
from tests.processes import LineReader, running_wscli, start_wscli


def _again(port: int) -> Listening:
    """``wscli listen PORT --echo`` on the port a killed server had."""
    return Listening(start_wscli("listen", str(port), "--echo"))


def test_a_pipe_goes_on_across_a_server_restart() -> None:
    with listening("--echo") as first:
        port = urlsplit(first.url).port
        assert port is not None
        with running_wscli("connect", first.url, "--reconnect", "--jsonl") as (client, stderr):
            assert client.stdin is not None and client.stdout is not None
            stdout = LineReader(client.stdout)
            client.stdin.write(b"one\n")
            client.stdin.flush()
            stdout.wait_for('"direction":"in","type":"text","text":"one"')
            first.process.kill()
            first.process.wait()
            stderr.wait_for("the connection dropped (1006); reconnecting")
            client.stdin.write(b"two\n")  # read while disconnected: queued
            client.stdin.flush()
            second = _again(port)
            try:
                stdout.wait_for('"direction":"in","type":"text","text":"two"')
                client.stdin.write(b"three\n")
                client.stdin.close()
                assert client.wait(timeout=10) == 0
            finally:
                second.process.terminate()
                second.process.wait()
            events = [json.loads(line) for line in stdout.rest().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("open") == 2 and kinds.count("reconnect") >= 1
    texts = [e["text"] for e in events if e["event"] == "message" and e["direction"] == "in"]
    assert texts == ["one", "two", "three"]  # nothing lost, in order
    assert second.stdout.rest().splitlines() == ["two", "three"]


def test_reconnect_max_gives_up_with_the_last_failure() -> None:
    with (
        listening("--echo") as server,
        running_wscli(
            "send", server.url, "hi", "--keep-open", "--reconnect", "--reconnect-max", "2"
        ) as (client, stderr),
    ):
        stderr.wait_for("connected to")
        server.process.kill()
        server.process.wait()
        assert client.wait(timeout=20) == 3
        rest = stderr.rest()
    assert "(attempt 1 of 2)" in rest and "(attempt 2 of 2)" in rest
    assert "error: connection refused" in rest


def test_send_keep_open_sends_its_messages_again_on_the_new_connection() -> None:
    with listening("--echo") as first:
        port = urlsplit(first.url).port
        assert port is not None
        with running_wscli("send", first.url, "subscribe", "--keep-open", "--reconnect") as (
            client,
            stderr,
        ):
            assert first.stdout.wait_for("subscribe")
            first.process.kill()
            first.process.wait()
            stderr.wait_for("reconnecting")
            second = _again(port)
            try:
                assert second.stdout.wait_for("subscribe")  # sent again
            finally:
                second.process.terminate()
                second.process.wait()
            client.terminate()
            client.wait(timeout=10)
