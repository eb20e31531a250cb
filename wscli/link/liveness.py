"""Keepalive and pings of an engine connection (see :mod:`wscli.link.engine`).

The library's keepalive fails a connection when the pong of its ping is late; on a busy
connection a pong may wait behind megabytes of data, so here the peer's liveness is
proven by anything it sends: the connection fails (1011) only when nothing at all has
arrived for ping_timeout since the ping was sent.
"""

import asyncio
import os
from typing import Any

from websockets.asyncio.connection import Connection
from websockets.frames import CloseCode
from websockets.typing import DataLike

__all__ = ["Liveness"]


class Liveness(Connection):
    """The keepalive and ping of the engine's connection, which says when data last
    arrived and reports the pings sent."""

    def last_heard(self) -> float:
        """When data last arrived (loop time)."""
        raise NotImplementedError

    def report_ping(self, payload: bytes, *, keepalive: bool) -> None:
        """A ping was sent (``keepalive``: by the keepalive, not asked for)."""
        raise NotImplementedError

    async def keepalive(self) -> None:
        """The library's keepalive, with liveness as the module's doc says."""
        assert self.ping_interval is not None
        latency = 0.0
        try:
            while True:
                await asyncio.sleep(self.ping_interval - latency)
                pong = await self.ping(keepalive=True)
                sent = self.loop.time()
                if self.ping_timeout is None:
                    continue
                alive = await self._answered(pong, sent, self.ping_timeout)
                if alive is None:
                    # The peer is gone: fail the connection (1011) and drop TCP at once;
                    # the library would wait close_timeout more for a closing handshake
                    # that cannot come (and a peer that stopped reading never gets it).
                    self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
                    self.send_data()
                    self.transport.abort()
                    return
                latency = alive
        except Exception:
            self.logger.error("keepalive ping failed", exc_info=True)

    async def _answered(
        self, pong: "asyncio.Future[float]", sent: float, timeout: float
    ) -> float | None:
        """The ping's latency once its pong arrives; None when nothing at all arrived
        for ``timeout`` seconds since the ping was sent."""
        while True:
            remaining = max(sent, self.last_heard()) + timeout - self.loop.time()
            if remaining <= 0:
                return None
            try:
                async with asyncio.timeout(remaining):
                    return await asyncio.shield(pong)
            except TimeoutError:
                continue  # data arrived meanwhile: the peer is alive, wait on

    async def ping(self, data: DataLike | None = None, *, keepalive: bool = False) -> Any:
        payload = os.urandom(4) if data is None else data
        waiter = await super().ping(payload)
        raw = payload.encode() if isinstance(payload, str) else bytes(payload)
        self.report_ping(raw, keepalive=keepalive)
        return waiter
