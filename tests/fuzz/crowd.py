"""Well-behaved clients of ``wscli listen --echo`` (the websockets library's own), echoing
all along while the fuzzer attacks the same server: none may lose a message or wait more
than a second for an echo."""

import asyncio
import itertools
import random

from websockets.asyncio.client import ClientConnection, connect

from tests.background import BackgroundLoop

__all__ = ["Crowd"]

#: The longest an echo may take.
MAX_DELAY = 1.0


class Crowd(BackgroundLoop):
    """``clients`` websockets clients of ``url`` in a thread, each sending a message and
    waiting for its echo, again and again, until the ``with`` block ends."""

    def __init__(self, url: str, clients: int = 20, pause: float = 0.05) -> None:
        super().__init__()
        self.url, self.clients, self.pause = url, clients, pause
        self.sent = self.echoed = 0
        self.max_delay = 0.0
        self.errors: list[str] = []
        self._connected = 0

    async def _main(self) -> None:
        assert self._stop is not None
        stop = self._stop
        tasks = [asyncio.create_task(self._client(number, stop)) for number in range(self.clients)]
        async with asyncio.timeout(10):
            while self._connected < self.clients and not all(t.done() for t in tasks):
                await asyncio.sleep(0.01)
        self._ready.set()
        await asyncio.gather(*tasks)

    async def _client(self, number: int, stop: asyncio.Event) -> None:
        rng = random.Random(number)
        try:
            async with connect(self.url, max_size=None, open_timeout=10) as ws:
                self._connected += 1
                for sequence in itertools.count():
                    await self._exchange(ws, number, sequence, rng)
                    if stop.is_set():
                        break
                    await asyncio.sleep(self.pause * rng.uniform(0.5, 1.5))
        except Exception as exc:
            self.errors.append(f"client {number}: {exc!r}")
            self._connected += 1  # counted, so the start does not wait for it

    async def _exchange(
        self, ws: ClientConnection, number: int, sequence: int, rng: random.Random
    ) -> None:
        """Send one message, wait for its echo, and time it."""
        filler = "é" * rng.choice((0, 10, 500, 3000))
        text = f"{number}:{sequence}:{filler}"
        message: str | bytes = text.encode() if sequence % 3 == 2 else text
        loop = asyncio.get_running_loop()
        start = loop.time()
        await ws.send(message)
        self.sent += 1
        echo = await asyncio.wait_for(ws.recv(), 10)
        delay = loop.time() - start
        self.max_delay = max(self.max_delay, delay)
        if echo != message:
            self.errors.append(f"client {number}: sent {message[:40]!r}, got {echo[:40]!r}")
        else:
            self.echoed += 1
        if delay > MAX_DELAY:
            self.errors.append(f"client {number}: an echo took {delay:.2f} s")

    def problems(self) -> list[str]:
        """What went wrong for the crowd (empty: nothing lost, nothing late)."""
        found = list(self.errors)
        if self.echoed != self.sent:
            found.append(f"the crowd sent {self.sent} messages and got {self.echoed} back")
        if self.sent == 0:
            found.append("the crowd sent nothing")
        return found
