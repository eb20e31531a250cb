"""A test server's event loop, run in a daemon thread for the length of a ``with`` block."""

import asyncio
import threading
from typing import Self

from tests.timing import TIMEOUT as BASE_TIMEOUT

#: A test server starts and stops well within one of a test's waits.
TIMEOUT = BASE_TIMEOUT / 2


class BackgroundLoop:
    """``with`` runs :meth:`_main` on its own event loop in a daemon thread and returns once
    it calls ``self._ready.set()``; leaving sets ``self._stop``, which ``_main`` awaits
    before it returns."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    async def _main(self) -> None:
        raise NotImplementedError

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self._main()

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        assert self._ready.wait(TIMEOUT), f"{type(self).__name__} did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        assert self._thread is not None
        self._thread.join(TIMEOUT)
