"""One open WebSocket connection, either side: :mod:`~wscli.link.connection` (the
:class:`~wscli.link.connection.Link`), the event stream it feeds
(:mod:`~wscli.link.stream`), its ping/pong reporting (:mod:`~wscli.link.frames`) and the
description of a receive failure (:mod:`~wscli.link.failure`). Never prints."""
