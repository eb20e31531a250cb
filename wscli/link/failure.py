"""How a connection ended, from the library's record of it: the close event, and why wscli
failed the connection itself, in one line. Never prints."""

from typing import Literal

from websockets.exceptions import ConnectionClosed, PayloadTooBig, ProtocolError

from wscli.link.frames import CLOSE_REASON_NOTE
from wscli.protocol.events import Closed

__all__ = ["close_event", "describe_receive_failure"]

Role = Literal["client", "server"]


def describe_receive_failure(exc: ConnectionClosed, peer: str = "server") -> str | None:
    """Why wscli failed the connection itself (1007, 1009, 1002, 1011), or None.

    ``peer`` names the other side: "server" for the client, "client" in ``listen``.
    """
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError) and CLOSE_REASON_NOTE in getattr(
        cause, "__notes__", ()
    ):
        return (
            f"the {peer} sent a close frame whose reason is not valid UTF-8 ({cause.reason}); "
            "closed with 1007"
        )
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
        return (
            f"no pong to a keepalive ping, and nothing else from the {peer}, within"
            " --ping-timeout; closed with 1011"
        )
    return None


def close_event(
    exc: ConnectionClosed,
    code: int | None,
    reason: str | None,
    *,
    me: Role,
    sent_empty: bool,
) -> Closed:
    """The browser's close event for a connection that ended with ``exc``.

    ``code`` and ``reason`` are what the peer sent (the library's ``close_code`` and
    ``close_reason``); ``me`` is wscli's side; ``sent_empty``: wscli sent an empty close
    frame (which the library records as 1005).
    """
    rcvd, sent = exc.rcvd, exc.sent
    peer: Role = "server" if me == "client" else "client"
    initiated: Role | None = None
    if rcvd is not None and sent is not None:
        initiated = peer if exc.rcvd_then_sent else me
    elif sent is not None:
        initiated = me
    elif rcvd is not None:
        initiated = peer
    sent_code = int(sent.code) if sent is not None and not sent_empty else None
    return Closed(
        code=code if code is not None else 1006,
        reason=reason or "",
        was_clean=rcvd is not None and sent is not None,
        initiated_by=initiated,
        sent_code=sent_code,
        sent_reason=sent.reason if sent is not None else None,
    )
