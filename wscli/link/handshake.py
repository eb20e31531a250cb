"""What the opening handshake settled, as the browser's WebSocket shows it."""

from typing import Any

from wscli.protocol.events import Opened

__all__ = ["HandshakeFacts"]


class HandshakeFacts:
    """The negotiated subprotocol and extensions, the headers both ways, and the open
    event; read from the engine's connection (``_ws``, None while CONNECTING)."""

    __slots__ = ()
    _ws: Any

    @property
    def protocol(self) -> str:
        """The negotiated subprotocol, or ""."""
        return (self._ws.subprotocol or "") if self._ws is not None else ""

    @property
    def extensions(self) -> str:
        """The ``Sec-WebSocket-Extensions`` value of the handshake response, or ""."""
        if self._ws is None or self._ws.response is None:
            return ""
        return str(self._ws.response.headers.get("Sec-WebSocket-Extensions", ""))

    @property
    def request_headers(self) -> tuple[tuple[str, str], ...]:
        if self._ws is None or self._ws.request is None:
            return ()
        return tuple(self._ws.request.headers.raw_items())

    @property
    def response_headers(self) -> tuple[tuple[str, str], ...]:
        if self._ws is None or self._ws.response is None:
            return ()
        return tuple(self._ws.response.headers.raw_items())

    def opened_event(self, url: str, remote: str = "") -> Opened:
        """The open event of this link, once its handshake is done (``remote``: the
        client's address, on the server's side)."""
        return Opened(
            url=url,
            protocol=self.protocol,
            extensions=self.extensions,
            request_headers=self.request_headers,
            response_headers=self.response_headers,
            remote=remote,
        )
