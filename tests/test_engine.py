"""The engine's data path against a real server that sends frames one by one: fragments
with UTF-8 split across them and control frames between them are reassembled exactly as
websockets' own recv() would; bad UTF-8 in a later fragment fails the connection with
1007, as the library does."""

import asyncio
import threading
from collections.abc import Awaitable

from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode

from tests.conftest import TIMEOUT
from wscli.client.session import Session
from wscli.options import ConnectOptions
from wscli.protocol.events import Closed, Event, Failed, Message, Ping

Frames = list[Frame]


def _exchange(frames: Frames) -> tuple[list[Event], int | None]:
    """Serve ``frames`` (then wait for the close) to a wscli Session; return the session's
    events and the close code the server received."""
    received: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            ws.protocol.send_frame(frame)
        ws.send_data()
        await ws.wait_closed()
        received.append(ws.close_code)

    async def main() -> list[Event]:
        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            session = Session(
                ConnectOptions(f"ws://127.0.0.1:{port}/", compression=False, close_timeout=2)
            )
            events: list[Event] = []
            expected = sum(1 for frame in frames if frame.fin and frame.opcode in DATA)

            async def collect() -> None:
                async for batch in session.event_batches():
                    events.extend(batch)
                    if expected and sum(isinstance(e, Message) for e in events) == expected:
                        await session.close(1000)  # every message is in: close

            await _within(asyncio.gather(session.open(), collect()))
            return events

    events = asyncio.run(main())
    return events, received[0] if received else None


DATA = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)


async def _within(work: Awaitable[object], timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        await work


def test_fragments_with_split_utf8_and_a_ping_between_them() -> None:
    """A text message in three fragments, an é split across two of them and a ping in
    the middle, then a binary message with an empty middle fragment: two whole messages,
    the ping reported, and a clean 1000 close."""
    events, code = _exchange(
        [
            Frame(Opcode.TEXT, b"caf\xc3", fin=False),
            Frame(Opcode.PING, b"mid"),
            Frame(Opcode.CONT, b"\xa9", fin=False),
            Frame(Opcode.CONT, b"!", fin=True),
            Frame(Opcode.BINARY, b"\x00", fin=False),
            Frame(Opcode.CONT, b"", fin=False),
            Frame(Opcode.CONT, b"\xff", fin=True),
        ]
    )
    messages = [e.data for e in events if isinstance(e, Message) and e.direction == "in"]
    assert messages == ["café!", b"\x00\xff"]
    assert [e.data for e in events if isinstance(e, Ping) and e.direction == "in"] == [b"mid"]
    assert code == 1000


def test_invalid_utf8_in_a_later_fragment_fails_with_1007() -> None:
    """Bad UTF-8 in a continuation frame: the client closes with 1007 and says why; the
    message is not delivered."""
    events, code = _exchange(
        [
            Frame(Opcode.TEXT, b"ok \xf0\x9f", fin=False),
            Frame(Opcode.CONT, b"\x41", fin=True),
        ]
    )
    assert code == 1007
    assert not [e for e in events if isinstance(e, Message) and e.direction == "in"]
    failures = [e.message for e in events if isinstance(e, Failed)]
    assert failures and "not valid UTF-8" in failures[0]
    closed = [e for e in events if isinstance(e, Closed)]
    assert closed and closed[0].sent_code == 1007


async def _flood(texts: list[str]) -> list[Event]:
    """Serve ``texts`` as text messages, each in its own TCP write as fast as the server
    can, to a wscli Session; close (1000) once all arrived; the session's events."""

    async def handler(ws: ServerConnection) -> None:
        for text in texts:
            ws.protocol.send_text(text.encode())
            ws.send_data()  # one write each
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        session = Session(ConnectOptions(f"ws://127.0.0.1:{port}/", compression=False))
        events: list[Event] = []

        async def collect() -> None:
            async for batch in session.event_batches():
                events.extend(batch)
                if sum(isinstance(e, Message) for e in events) == len(texts):
                    await session.close(1000)

        await _within(asyncio.gather(session.open(), collect()))
        return events


def _received(events: list[Event]) -> list[str | bytes]:
    return [e.data for e in events if isinstance(e, Message) and e.direction == "in"]


def test_a_flood_of_small_writes_arrives_whole_and_in_order() -> None:
    """5,000 short messages, each in its own TCP write as fast as the server can: the
    engine's read coalescing (reading pauses for a moment in a flood of small reads)
    loses, splits and reorders nothing, and the close after them is clean."""
    texts = [f"message {number}" for number in range(5000)]
    events = asyncio.run(_flood(texts))
    assert _received(events) == texts
    closed = [e for e in events if isinstance(e, Closed)]
    assert closed and closed[0].code == 1000 and closed[0].was_clean


def test_reading_stays_paused_while_any_hold_is_on() -> None:
    """The link's holds on reading (backpressure) nest, and the end of a coalescing pause
    does not resume reading over them."""

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async def main() -> list[bool]:
        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            session = Session(ConnectOptions(f"ws://127.0.0.1:{port}/", compression=False))
            await _within(session.open())
            ws = session._ws
            reading = ws.transport.is_reading
            seen = [reading()]
            ws.hold_reading()
            ws.hold_reading()
            ws.release_reading()
            seen.append(reading())  # one hold left
            ws.release_reading()
            seen.append(reading())
            ws._coalesce()  # a flood: reading pauses for a moment...
            seen.append(reading())
            ws.hold_reading()  # ...backpressure holds it meanwhile...
            ws._coalesced()  # ...and the moment is over: the hold still holds
            seen.append(reading())
            ws.release_reading()
            seen.append(reading())
            await _within(session.close(1000))
            return seen

    assert asyncio.run(main()) == [True, False, True, False, False, True]


def test_event_loops_in_two_threads_read_into_their_own_buffers() -> None:
    """Reads go into a buffer of the engine's, one per thread: two event loops flooding
    their connections at once, in two threads, each get exactly their own messages."""
    texts = {tag: [f"{tag}{number} {tag * 10000}" for number in range(3000)] for tag in "ab"}
    results: dict[str, list[str | bytes]] = {}

    def run_loop(tag: str) -> None:
        results[tag] = _received(asyncio.run(_flood(texts[tag])))

    threads = [threading.Thread(target=run_loop, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    for tag in "ab":
        assert results.get(tag) == texts[tag]
