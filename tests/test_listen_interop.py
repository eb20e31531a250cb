"""``wscli listen`` with other clients: Node's ``ws`` package and a real browser.

The Node client is tests/node/client.js; the browser is headless Chromium driven by
playwright-core (tests/node/browser.js) through wscli's own console page on ``GET /``. Both
print JSON lines that the tests compare with what wscli printed with ``--jsonl``.

Node, the npm packages (``npm ci --prefix tests/node``) and Debian's ``chromium`` are needed:
without them these tests are skipped locally and fail when the ``CI`` environment variable is
set, because CI installs them (.ci/run).
"""

import base64
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TIMEOUT, wscli_env
from tests.listening import Listening, listening
from tests.node_server import NODE_DIR, require_node
from tests.processes import LineReader
from tests.tls import make_tls

CLIENT_JS = NODE_DIR / "client.js"
BROWSER_JS = NODE_DIR / "browser.js"

Event = dict[str, Any]


def _unavailable(problem: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser interop unavailable under CI: {problem}")
    pytest.skip(f"browser interop unavailable: {problem}")


def require_chromium() -> str:
    """Chromium's path; skip (fail under CI) without it or without playwright-core."""
    require_node()
    if not (NODE_DIR / "node_modules" / "playwright-core" / "package.json").is_file():
        _unavailable("playwright-core is not installed (run `npm ci --prefix tests/node`)")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if chromium is None or not os.access(chromium, os.X_OK):
        _unavailable("chromium is not installed (apt-get install chromium)")
    assert chromium is not None
    return chromium


def run_node(script: Path, *args: str, env: dict[str, str] | None = None) -> list[Event]:
    """Run ``node SCRIPT ARGS``, check it exits 0, return its stdout's JSON lines.

    The script runs in its own process group, so that a timeout also ends a browser it started.
    """
    node = require_node()
    process = subprocess.Popen(
        [node, str(script), *args],
        cwd=NODE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env or wscli_env(),
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT + 10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(f"{script.name} timed out: {err.decode(errors='replace')}") from None
    assert process.returncode == 0, f"{script.name} failed: {err.decode(errors='replace')}"
    return [json.loads(line) for line in out.decode().splitlines()]


def run_browser(page_url: str, *args: str) -> Event:
    """Drive the console page at ``page_url`` in headless Chromium; browser.js's one result."""
    chromium = require_chromium()
    lines = run_node(
        BROWSER_JS,
        page_url,
        "--timeout",
        str(int(TIMEOUT * 1000)),
        *args,
        env=wscli_env(CHROMIUM=chromium),
    )
    assert len(lines) == 1, lines
    result = lines[0]
    assert result["pageErrors"] == []
    # Chromium also asks for /favicon.ico, which wscli answers with 426 (not a page of its own).
    assert [e for e in result["httpErrors"] if not e["url"].endswith("/favicon.ico")] == []
    return result


def wait_for_event(server: Listening, kind: str, client_id: int) -> list[Event]:
    """Wait for client ``client_id``'s ``kind`` event on wscli's --jsonl stdout; return
    all that client's events so far."""
    while True:
        events = [json.loads(line) for line in server.stdout.lines]
        mine = [event for event in events if event.get("id") == client_id]
        if any(event["event"] == kind for event in mine):
            return mine
        server.stdout.wait_for(f'"event":"{kind}"')


def jsonl_events(server: Listening, client_id: int) -> list[Event]:
    """Client ``client_id``'s events on wscli's --jsonl stdout, up to its close event."""
    return wait_for_event(server, "close", client_id)


def header(event: Event, name: str) -> list[str]:
    """The values of request header ``name`` in a jsonl open event."""
    return [value for key, value in event["request_headers"] if key.lower() == name.lower()]


def messages(events: list[Event], direction: str) -> list[Event]:
    return [e for e in events if e["event"] == "message" and e["direction"] == direction]


def only(events: list[Event], kind: str) -> Event:
    found = [e for e in events if e["event"] == kind]
    assert len(found) == 1, events
    return found[0]


def origin_of(server: Listening) -> str:
    return server.http_url.rstrip("/")


# The browser (headless Chromium on the console page)


def test_browser_console_page_round_trip_with_echo() -> None:
    """In Chromium, wscli's console page connects with subprotocol chat and compression,
    gets its text and binary messages echoed, and closes with 4000 and a reason; wscli's
    --jsonl shows the same session from its side, with the page's Origin."""
    require_chromium()
    with listening("--echo", "--jsonl", "-s", "chat") as server:
        result = run_browser(server.http_url + "/?autoconnect=0")
        events = jsonl_events(server, 1)
        assert server.stop() == 0

    ws_url = server.http_url.replace("http", "ws", 1) + "/"
    page = result["events"]
    assert result["urlField"] == ws_url
    opened = [e for e in page if e["type"] == "open"]
    assert len(opened) == 1
    assert opened[0]["protocol"] == "chat"
    assert "permessage-deflate" in opened[0]["extensions"]
    assert opened[0]["url"] == ws_url
    spans = result["spans"]
    assert spans["readyState"] == "OPEN (1)"
    assert spans["protocol"] == "chat"
    assert "permessage-deflate" in spans["extensions"]
    assert spans["bufferedAmount"] == "0"
    assert spans["urlShown"] == ws_url

    received = [e for e in page if e["type"] == "message" and e["direction"] == "in"]
    text_echo, binary_echo = received
    assert text_echo == {
        "type": "message",
        "direction": "in",
        "binary": False,
        "text": "hello from chromium",
        "size": 19,
    }
    assert binary_echo == {
        "type": "message",
        "direction": "in",
        "binary": True,
        "hex": "00 01 fe ff",
        "size": 4,
    }
    assert [e for e in page if e["type"] == "error"] == []
    closes = [e for e in page if e["type"] == "close"]
    assert len(closes) == 1
    assert closes[0]["code"] == 4000
    assert closes[0]["reason"] == "bye from the browser"
    assert closes[0]["wasClean"] is True
    assert result["closedState"] == "CLOSED (3)"

    # wscli's side of the same connection.
    open_event = only(events, "open")
    assert open_event["protocol"] == "chat"
    assert "permessage-deflate" in open_event["extensions"]
    assert header(open_event, "Origin") == [origin_of(server)]
    assert "HeadlessChrome" in header(open_event, "User-Agent")[0]
    incoming = messages(events, "in")
    assert [(m["type"], m.get("text")) for m in incoming] == [
        ("text", "hello from chromium"),
        ("binary", None),
    ]
    assert base64.b64decode(incoming[1]["base64"]) == b"\x00\x01\xfe\xff"
    assert incoming[1]["size"] == 4
    outgoing = messages(events, "out")
    assert [m.get("text") or base64.b64decode(m["base64"]) for m in outgoing] == [
        "hello from chromium",
        b"\x00\x01\xfe\xff",
    ]
    close = only(events, "close")
    assert close["code"] == 4000
    assert close["reason"] == "bye from the browser"
    assert close["initiated_by"] == "client"
    assert close["was_clean"] is True


EXEC_SCRIPT = """\
import os, sys
for line in sys.stdin:
    print("got", line.rstrip("\\n"), "from", os.environ["HTTP_ORIGIN"],
          "protocol", os.environ["WSCLI_SUBPROTOCOL"], flush=True)
"""


def test_browser_page_origin_is_admitted_under_exec() -> None:
    """--exec admits the console page's own origin (no --origin given): in Chromium the page
    connects, and the process answers its text and its binary message (as a hex line), and
    sees the page's Origin in its environment."""
    require_chromium()
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(EXEC_SCRIPT)}"
    with listening("--exec", command, "--jsonl", "-s", "chat") as server:
        result = run_browser(server.http_url + "/?autoconnect=0", "--text", "ping")
        events = jsonl_events(server, 1)
        assert server.stop() == 0

    origin = origin_of(server)
    page = result["events"]
    assert [e["protocol"] for e in page if e["type"] == "open"] == ["chat"]
    replies = [e["text"] for e in page if e["type"] == "message" and e["direction"] == "in"]
    assert replies == [
        f"got ping from {origin} protocol chat",
        f"got 0001feff from {origin} protocol chat",
    ]
    closes = [e for e in page if e["type"] == "close"]
    assert [(e["code"], e["reason"], e["wasClean"]) for e in closes] == [
        (4000, "bye from the browser", True)
    ]
    assert header(only(events, "open"), "Origin") == [origin]
    close = only(events, "close")
    assert (close["code"], close["initiated_by"]) == (4000, "client")


# Node's ws client


def test_node_ws_client_round_trip_with_echo() -> None:
    """Node's ws client offering chat gets subprotocol chat and compression, its text and
    binary messages echoed as sent, and its close 4001 "node bye" answered with the same;
    wscli's --jsonl shows the messages and a close initiated by the client."""
    require_node()
    with listening("--echo", "--jsonl", "-s", "chat") as server:
        lines = run_node(CLIENT_JS, server.url)
        events = jsonl_events(server, 1)
        assert server.stop() == 0

    assert lines[0]["type"] == "open"
    assert lines[0]["protocol"] == "chat"
    assert lines[0]["extensions"] == "permessage-deflate"
    assert lines[1:] == [
        {"type": "text", "data": "hello from node"},
        {"type": "binary", "hex": "010203"},
        {"type": "close", "code": 4001, "reason": "node bye"},
    ]

    open_event = only(events, "open")
    assert open_event["protocol"] == "chat"
    assert "permessage-deflate" in open_event["extensions"]
    assert header(open_event, "Origin") == []
    incoming = messages(events, "in")
    assert [(m["type"], m["size"]) for m in incoming] == [("text", 15), ("binary", 3)]
    assert incoming[0]["text"] == "hello from node"
    assert base64.b64decode(incoming[1]["base64"]) == b"\x01\x02\x03"
    close = only(events, "close")
    assert (close["code"], close["reason"]) == (4001, "node bye")
    assert close["initiated_by"] == "client"
    assert close["was_clean"] is True


def test_node_ws_clients_broadcast() -> None:
    """--broadcast relays one Node client's text and binary messages to another Node client,
    not back to the sender."""
    node = require_node()
    with listening("--broadcast", "--jsonl", "-s", "chat") as server:
        receiver = subprocess.Popen(
            [node, str(CLIENT_JS), server.url, "--receive-only", "--expect", "2"],
            cwd=NODE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=wscli_env(),
        )
        try:
            assert receiver.stdout is not None and receiver.stderr is not None
            received = LineReader(receiver.stdout)
            wait_for_event(server, "open", 1)
            sender = run_node(CLIENT_JS, server.url, "--expect", "0")
            received.rest()
            assert receiver.wait(TIMEOUT) == 0, receiver.stderr.read().decode()
        finally:
            if receiver.poll() is None:
                receiver.kill()
                receiver.wait()
        receiver_events = jsonl_events(server, 1)
        sender_events = jsonl_events(server, 2)
        assert server.stop() == 0

    assert [json.loads(line) for line in received.lines][1:] == [
        {"type": "text", "data": "hello from node"},
        {"type": "binary", "hex": "010203"},
        {"type": "close", "code": 4001, "reason": "node bye"},
    ]
    # The sender closed right after sending and was sent nothing.
    assert [e["type"] for e in sender] == ["open", "close"]
    assert [m["type"] for m in messages(sender_events, "in")] == ["text", "binary"]
    assert messages(sender_events, "out") == []
    assert [m["type"] for m in messages(receiver_events, "out")] == ["text", "binary"]
    assert messages(receiver_events, "in") == []
    assert only(receiver_events, "close")["initiated_by"] == "client"


def test_browser_page_autoconnects_to_the_listen_path() -> None:
    """With --path /ws, the page on GET / prefills ws://HOST/ws and connects there by itself
    on load (no ?autoconnect=0), with no subprotocol when the server supports none."""
    require_chromium()
    with listening("--echo", "--jsonl", "--path", "/ws") as server:
        root = server.http_url.removesuffix("/ws") + "/"
        result = run_browser(root, "--autoconnect", "--text", "auto", "--binary", "")
        events = jsonl_events(server, 1)
        assert server.stop() == 0

    assert result["urlField"] == server.url
    page = result["events"]
    assert [(e["url"], e["protocol"]) for e in page if e["type"] == "open"] == [(server.url, "")]
    assert [e["text"] for e in page if e["type"] == "message" and e["direction"] == "in"] == [
        "auto"
    ]
    assert only(events, "open")["url"] == server.url
    assert only(events, "open")["protocol"] == ""
    assert [m["text"] for m in messages(events, "in")] == ["auto"]
    assert only(events, "close")["code"] == 4000


def test_browser_page_over_tls_connects_with_wss(tmp_path: Path) -> None:
    """With --cert/--key the page is served over https:// and connects with wss://; its own
    https:// origin is admitted although --origin names another one."""
    require_chromium()
    tls = make_tls(tmp_path)
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    cert.write_bytes(b"".join(pem.bytes() for pem in tls.server_cert.cert_chain_pems))
    key.write_bytes(tls.server_cert.private_key_pem.bytes())
    options = ("--cert", str(cert), "--key", str(key), "--origin", "http://example.test")
    with listening("--echo", "--jsonl", *options) as server:
        assert server.http_url.startswith("https://")
        result = run_browser(
            server.http_url + "/?autoconnect=0", "--ignore-https-errors", "--protocols", ""
        )
        events = jsonl_events(server, 1)
        assert server.stop() == 0

    assert result["urlField"] == server.url + "/"
    page = result["events"]
    assert [e["url"] for e in page if e["type"] == "open"] == [server.url + "/"]
    received = [e for e in page if e["type"] == "message" and e["direction"] == "in"]
    assert [e.get("text") or e.get("hex") for e in received] == [
        "hello from chromium",
        "00 01 fe ff",
    ]
    assert header(only(events, "open"), "Origin") == [origin_of(server)]
    assert only(events, "close")["reason"] == "bye from the browser"
