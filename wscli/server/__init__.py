"""The server core over websockets.asyncio.server: numbered connections and modes. Never prints.

- :mod:`wscli.server.core`: :class:`Listener` (binds, accepts, numbers connections, runs
  the echo, broadcast and exec modes) and :class:`Peer` (one client's connection).
- :mod:`wscli.server.gate`: which HTTP requests get a handshake, a page or a refusal.
- :mod:`wscli.server.execute`: ``--exec``, one process per connection.
- :mod:`wscli.server.echo`: the built-in echo server of ``wscli connect`` with no URL.
- :mod:`wscli.server.page`: the browser console page served on ``/``.
"""
