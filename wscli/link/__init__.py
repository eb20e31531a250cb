"""One open WebSocket connection, either side: :mod:`~wscli.link.connection` (the
:class:`~wscli.link.connection.Link`), the engine under it (:mod:`~wscli.link.engine`,
:mod:`~wscli.link.frames`), its send queue (:mod:`~wscli.link.outgoing`), the event
stream it feeds (:mod:`~wscli.link.stream`), what its handshake settled
(:mod:`~wscli.link.handshake`) and how it ended (:mod:`~wscli.link.failure`). Never prints."""
