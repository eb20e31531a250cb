"""The client core in-process: the browser WebSocket's attributes and the event stream."""

import asyncio
import socket
from collections.abc import Callable

import pytest

from tests.conftest import TIMEOUT
from tests.scenario import ScenarioServer
from wscli.client.session import Session
from wscli.errors import ConnectFailed, UsageError
from wscli.options import ConnectOptions
from wscli.protocol.events import Closed, Event, Failed, Message, Opened, Ping, Pong, ReadyState


async def _until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Wait for a condition of the running session, checking it as the loop turns."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def _collect(session: Session) -> list[Event]:
    return [event async for batch in session.event_batches() for event in batch]


def test_ready_state_goes_connecting_open_closing_closed(server: ScenarioServer) -> None:
    """readyState is CONNECTING during the handshake, then OPEN, CLOSING, CLOSED.

    The server never answers the close frame, so CLOSING lasts until close_timeout.
    """

    async def main() -> list[ReadyState]:
        session = Session(ConnectOptions(server.url("/silent-close"), close_timeout=1.0))
        seen = [session.ready_state]
        opening = asyncio.create_task(session.open())
        await asyncio.sleep(0)
        seen.append(session.ready_state)
        await opening
        seen.append(session.ready_state)
        closing = asyncio.create_task(session.close())
        await _until(lambda: session.ready_state != ReadyState.OPEN)
        seen.append(session.ready_state)
        await closing
        seen.append(session.ready_state)
        return seen

    states = asyncio.run(main())
    assert states == [
        ReadyState.CONNECTING,
        ReadyState.CONNECTING,
        ReadyState.OPEN,
        ReadyState.CLOSING,
        ReadyState.CLOSED,
    ]


def test_messages_sent_while_connecting_are_delivered(server: ScenarioServer) -> None:
    """send() during CONNECTING queues; the messages go out, in order, once OPEN."""

    async def main() -> list[Event]:
        session = Session(ConnectOptions(server.url("/echo"), subprotocols=("chat.v1",)))
        assert session.send("one") and session.send(b"\x00two")
        assert session.buffered_amount == 7
        await session.open()
        collector = asyncio.create_task(_collect(session))
        await _until(lambda: session.messages_in == 2)
        await session.close()
        return await collector

    events = asyncio.run(main())
    assert server.last().messages == ["one", b"\x00two"]
    assert isinstance(events[0], Opened) and events[0].protocol == "chat.v1"
    data = [(e.direction, e.data) for e in events if isinstance(e, Message)]
    assert ("out", "one") in data and ("in", b"\x00two") in data
    assert isinstance(events[-1], Closed)
    closed = events[-1]
    assert (closed.code, closed.was_clean, closed.initiated_by) == (1000, True, "client")


def test_buffered_amount_grows_while_the_peer_reads_slowly(server: ScenarioServer) -> None:
    """bufferedAmount counts queued bytes; it grows against a slow reader, then drains."""

    async def main() -> tuple[int, int]:
        session = Session(ConnectOptions(server.url("/slow-reader"), compression=False))
        await session.open()
        chunk = b"x" * 65536
        for _ in range(200):
            session.send(chunk)
        peak = session.buffered_amount
        await _until(lambda: session.buffered_amount < peak, timeout=TIMEOUT)
        lower = session.buffered_amount
        await session.abort()
        return peak, lower

    peak, lower = asyncio.run(main())
    assert peak >= 200 * 65536
    assert lower < peak


def test_ping_returns_the_round_trip_time_and_is_reported(server: ScenarioServer) -> None:
    """ping() returns the RTT in seconds; the ping out and the pong in are events."""

    async def main() -> tuple[float, list[Event]]:
        session = Session(ConnectOptions(server.url("/echo")))
        await session.open()
        collector = asyncio.create_task(_collect(session))
        rtt = await session.ping(b"probe")
        await session.close()
        return rtt, await collector

    rtt, events = asyncio.run(main())
    assert 0 < rtt < TIMEOUT
    assert Ping(b"probe", "out", at=0) in [
        Ping(e.data, e.direction, at=0) for e in events if isinstance(e, Ping)
    ]
    assert any(isinstance(e, Pong) and e.direction == "in" and e.data == b"probe" for e in events)


def test_refused_close_code_leaves_the_connection_open(server: ScenarioServer) -> None:
    """close(1005) is refused before anything is sent; the session stays OPEN and usable."""

    async def main() -> Closed:
        session = Session(ConnectOptions(server.url("/echo")))
        await session.open()
        with pytest.raises(UsageError, match="1005"):
            await session.close(1005)
        with pytest.raises(UsageError, match="124 bytes"):
            await session.close(4000, "x" * 124)
        assert session.ready_state == ReadyState.OPEN
        session.send("still here")
        return await session.close(4000, "bye")

    closed = asyncio.run(main())
    connection = server.last()
    assert connection.messages == ["still here"]
    assert (connection.close_code, connection.close_reason) == (4000, "bye")
    assert (closed.code, closed.reason, closed.sent_code, closed.was_clean) == (
        4000,
        "bye",
        4000,
        True,
    )


def test_server_close_and_abort_are_reported_like_the_browser(server: ScenarioServer) -> None:
    """The server's 4001 is a clean close it initiated; a TCP drop is 1006, not clean."""

    async def run(path: str) -> Closed:
        session = Session(ConnectOptions(server.url(path)))
        await session.open()
        session.send("go")
        return await session.wait_closed()

    closed = asyncio.run(run("/close?code=4001&reason=bye&after=1"))
    assert (closed.code, closed.reason, closed.initiated_by, closed.was_clean) == (
        4001,
        "bye",
        "server",
        True,
    )
    dropped = asyncio.run(run("/abort?after=1"))
    assert (dropped.code, dropped.was_clean, dropped.initiated_by) == (1006, False, None)


def test_failed_connection_goes_connecting_to_closed_with_error_and_close_events() -> None:
    """A refused connection emits error then close(1006), and readyState ends CLOSED."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> tuple[list[Event], ReadyState]:
        session = Session(ConnectOptions(f"ws://127.0.0.1:{port}/"))
        with pytest.raises(ConnectFailed):
            await session.open()
        return await _collect(session), session.ready_state

    events, state = asyncio.run(main())
    assert [type(e) for e in events] == [Failed, Closed]
    assert isinstance(events[1], Closed) and events[1].code == 1006
    assert state == ReadyState.CLOSED
