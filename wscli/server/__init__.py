"""The server core over websockets.asyncio.server: numbered connections and modes. Never prints.

- :mod:`~wscli.server.listener`: :class:`~wscli.server.listener.Listener` (binds, accepts,
  numbers connections, runs the echo and broadcast modes) and
  :class:`~wscli.server.listener.Peer` (one client's connection, a Link).
- :mod:`~wscli.server.gate`: which HTTP requests get a handshake, a page or a refusal.
- :mod:`~wscli.server.binding`: why the address could not be bound.
- :mod:`~wscli.server.echo`: the built-in echo server of ``wscli connect`` with no URL.
- :mod:`~wscli.server.page`: the browser console page served on ``/``.
"""
