"""The built-in echo server that ``wscli connect`` starts when no URL is given. Never prints."""

import logging

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

__all__ = ["start_echo_server"]


async def _echo(connection: ServerConnection) -> None:
    try:
        async for message in connection:
            await connection.send(message)
    except ConnectionClosed:
        pass


async def start_echo_server(host: str = "127.0.0.1", port: int = 0) -> tuple[Server, str]:
    """Start an echo server (text as text, binary as binary); return it and its ws:// URL."""
    logger = logging.getLogger("wscli.server")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    server = await serve(_echo, host, port, max_size=None, logger=logger)
    bound = next(iter(server.sockets)).getsockname()
    return server, f"ws://{bound[0]}:{bound[1]}/"
