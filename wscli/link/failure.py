"""Why wscli failed a connection itself, in one line. Never prints."""

from websockets.exceptions import ConnectionClosed, PayloadTooBig, ProtocolError

__all__ = ["describe_receive_failure"]


def describe_receive_failure(exc: ConnectionClosed, peer: str = "server") -> str | None:
    """Why wscli failed the connection itself (1007, 1009, 1002, 1011), or None.

    ``peer`` names the other side: "server" for the client, "client" in ``listen``.
    """
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return (
            f"the {peer} sent a text message that is not valid UTF-8 ({cause.reason}); "
            "closed with 1007"
        )
    if isinstance(cause, PayloadTooBig):
        return f"the {peer} sent a message over --max-size ({cause}); closed with 1009"
    if isinstance(cause, ProtocolError):
        return f"the {peer} broke the WebSocket protocol ({cause}); closed with 1002"
    sent = exc.sent
    if exc.rcvd is None and sent is not None and sent.reason == "keepalive ping timeout":
        return "no pong to a keepalive ping within --ping-timeout; closed with 1011"
    return None
