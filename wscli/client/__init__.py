"""The client core over websockets.asyncio.client. Never prints.

- :mod:`~wscli.client.session`: :class:`~wscli.client.session.Session`, a Link that connects.
- :mod:`~wscli.client.connecting`: the handshake's arguments: headers, proxies, TLS.
- :mod:`~wscli.client.open_errors`: why a connection could not be opened, in one line.
"""
