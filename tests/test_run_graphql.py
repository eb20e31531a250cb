"""Scripts against the reference implementation of GraphQL over WebSocket (npm
``graphql-ws`` on ``graphql``, protocol ``graphql-transport-ws``): ``wscli run`` checks a
subscription; ``connect --record`` records one; the recording, loosened by hand as a user
would, serves the reference *client* as a mock (``listen --script``)."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_wscli
from tests.listening import listening
from tests.node_server import NODE_DIR, node_script, require_node
from tests.processes import LineReader, start_wscli
from tests.timing import TIMEOUT

SUBSCRIPTION = """\
# a graphql-transport-ws subscription, as in README
url ws://127.0.0.1:{{PORT}}/graphql
subprotocol graphql-transport-ws
timeout 5
> {"type":"connection_init","payload":{"token":"{{TOKEN}}"}}
< {"type":"connection_ack"}
> {"id":"1","type":"subscribe","payload":{"query":"subscription { tick(to: 3) }"}}
< {"id":"1","type":"next","payload":{"data":{"tick":1}}}
< {"id":"1","type":"next","payload":{"data":{"tick":"{{second}}"}}}
> {"id":"2","type":"subscribe","payload":{"query":"{ hello(name: \\"{{second}}\\") }"}}
<~ {"id":"2","type":"next","payload":{"data":{"hello":"hello 2"}}}
<~ {"id":"1","type":"complete"}
"""


@pytest.fixture
def graphql_port() -> Iterator[int]:
    """``node tests/node/graphql.js``: a graphql-ws server; its port."""
    with node_script("graphql.js", "graphql-ws", "graphql") as port:
        yield port


def test_a_subscription_script_passes_and_captures(graphql_port: int, tmp_path: Path) -> None:
    path = tmp_path / "subscription.wscli"
    path.write_text(SUBSCRIPTION, encoding="utf-8")
    variables = ("--var", f"PORT={graphql_port}", "--var", "TOKEN=t0k3n")
    result = run_wscli("run", str(path), *variables, "-v")
    assert "1 script: 1 passed, 0 failed; 9 steps" in result.stderr
    # the captured tick (2) went into the next query, whose answer was checked
    assert '"hello":"hello 2"' in result.stderr


def test_a_refused_connection_init_fails_with_the_servers_close(
    graphql_port: int, tmp_path: Path
) -> None:
    path = tmp_path / "subscription.wscli"
    path.write_text(SUBSCRIPTION, encoding="utf-8")
    variables = ("--var", f"PORT={graphql_port}", "--var", "TOKEN=wrong")
    result = run_wscli("run", str(path), *variables, expect=8)
    assert f"FAIL {path}:6" in result.stderr
    assert 'closed 4403 (Private Use) "Forbidden"' in result.stderr


def test_a_recorded_subscription_replays_and_mocks_the_server_for_its_client(
    graphql_port: int, tmp_path: Path
) -> None:
    record = tmp_path / "recorded.wscli"
    url = f"ws://127.0.0.1:{graphql_port}/graphql"
    process = start_wscli(
        "connect",
        url,
        "-s",
        "graphql-transport-ws",
        "--record",
        str(record),
        "--until-json",
        '{"type":"complete"}',
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        stdout = LineReader(process.stdout)
        process.stdin.write(b'{"type":"connection_init","payload":{"token":"t0k3n"}}\n')
        process.stdin.flush()
        stdout.wait_for("connection_ack")  # the protocol: subscribe only after the ack
        query = b'{"id":"1","type":"subscribe","payload":{"query":"subscription { tick(to: 2) }"}}'
        process.stdin.write(query + b"\n")
        process.stdin.close()
        assert process.wait(TIMEOUT) == 0
    finally:
        process.kill()
        process.wait()
    text = record.read_text(encoding="utf-8")
    assert "subprotocol graphql-transport-ws" in text
    assert '< {"id":"1","type":"next","payload":{"data":{"tick":2}}}' in text
    run_wscli("run", str(record))  # against the real server again

    # Loosened by hand, as a user would: the client picks its own ids and params.
    loose = text.replace('"id":"1"', '"id":"{{id}}"').replace('{"token":"t0k3n"}', "{}")
    record.write_text(loose, encoding="utf-8")
    node = require_node("graphql-ws")
    with listening("--script", str(record), "--once") as mock:
        client = subprocess.run(
            [node, "graphql-client.js", mock.url, "any", "subscription { tick(to: 2) }"],
            cwd=NODE_DIR,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert mock.wait() == 0, mock.stderr.rest()
    assert client.stdout.decode().splitlines() == [
        '{"data":{"tick":1}}',
        '{"data":{"tick":2}}',
        "complete",
    ]
    assert client.returncode == 0
