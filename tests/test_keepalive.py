"""Keepalive on a busy connection: anything the peer sends proves it alive, so a pong
that waits behind a backlog of data does not fail the connection; a peer that goes quiet
is still failed (1011, exit 7) once nothing at all has arrived for --ping-timeout."""

import asyncio
import time

from websockets.asyncio.client import connect
from websockets.protocol import State

from tests.conftest import ScenarioServer, run_wscli, run_wscli_process
from tests.listening import listening
from tests.scenario import without_pongs
from tests.timing import TIMEOUT

KEEPALIVE = ("--ping-interval", "0.2", "--ping-timeout", "0.5")


def test_a_bulk_pipe_through_a_slow_server_is_not_failed_by_its_keepalive(
    server: ScenarioServer,
) -> None:
    """200,000 lines through a server slower than wscli (a backlog of megabytes builds up
    both ways, and each pong waits behind it, much longer than --ping-timeout): no 1011,
    every echo arrives, in order."""
    lines = [b"%099d" % index for index in range(200_000)]
    result = run_wscli_process(
        "connect",
        server.url("/slow-echo?every=200&ms=5"),
        *KEEPALIVE,
        "--count",
        str(len(lines)),
        "--no-compression",
        input=b"\n".join(lines) + b"\n",
        timeout=TIMEOUT * 6,
    )
    assert result.stdout == b"\n".join(lines) + b"\n"
    assert "1011" not in result.stderr and "ping" not in result.stderr
    assert server.last().close_code == 1000


def test_a_server_that_goes_silent_is_still_failed_by_the_keepalive(
    server: ScenarioServer,
) -> None:
    """A server that stops reading and sending (it drops TCP only after 3 s): the
    connection fails with 1011 after --ping-interval + --ping-timeout."""
    started = time.monotonic()
    result = run_wscli(
        "send", server.url("/silent-close"), "hi", *KEEPALIVE, "--keep-open", "-q", expect=7
    )
    assert "--ping-timeout" in result.stderr and "1011" in result.stderr
    assert time.monotonic() - started < 3  # before the server's own drop


def test_a_server_that_sends_but_never_pongs_is_failed_once_its_data_stops(
    server: ScenarioServer,
) -> None:
    """Messages for 1.5 s (three times --ping-timeout) and never a pong: the connection
    lives while they arrive (all 60 are printed), and fails with 1011 once they stop."""
    result = run_wscli(
        "connect", server.url("/trickle-no-pong?n=60&ms=25"), *KEEPALIVE, "--keep-open", expect=7
    )
    assert result.lines == [f"t{index}" for index in range(60)]
    assert "--ping-timeout" in result.stderr and "1011" in result.stderr
    assert server.last().close_code == 1011


def test_listen_keeps_a_client_that_is_busy_sending() -> None:
    """The server's side: a client that never answers pings but sends a message every
    25 ms for 1.5 s (three times --ping-timeout) is kept while it sends (every message is
    printed, the client is still open after), and dropped with 1011 once it stops."""
    with listening(*KEEPALIVE) as server:

        async def scenario() -> bool:
            async with connect(server.url, proxy=None, open_timeout=TIMEOUT) as ws:
                ws.protocol.send_frame = without_pongs(ws.protocol.send_frame)  # type: ignore[method-assign]
                for index in range(60):
                    await ws.send(f"c{index}")
                    await asyncio.sleep(0.025)
                still_open = ws.state is State.OPEN
                await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
                return still_open

        assert asyncio.run(scenario())
        for index in range(60):
            assert server.stdout.wait_for(f"c{index}").strip() == f"c{index}"
        line = server.stderr.wait_for("client 1 closed")
        assert "1011" in line
        assert server.stop() == 0
