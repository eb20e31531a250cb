"""Protocols spoken over WebSocket (``--dialect``): pure, sans-I/O translators between
the application's messages (what the user types and reads) and the frames on the wire,
with the protocol's own opening and heartbeats. See :mod:`wscli.dialect.base`."""
