"""What every dialect does. Pure.

A dialect is told what arrives (:meth:`Dialect.decode`) and what the user sends
(:meth:`Dialect.encode`); it answers with what to show, what to send back at once
(heartbeats, the opening's next step), and the protocol errors to report. Application
messages wait until :attr:`Dialect.ready` (the protocol's opening is complete).
"""

from typing import NamedTuple

from wscli.errors import UsageError

__all__ = ["Decoded", "Dialect", "DialectSettings", "Wire", "decoded", "short", "text_of"]

Wire = str | bytes


class Decoded(NamedTuple):
    """What one received frame means."""

    #: Application messages: shown, counted, matched by --until.
    shown: list[Wire]
    #: Frames to send at once (a pong, the next step of the opening).
    replies: list[Wire]
    #: Protocol errors from the server: one line each on stderr; a failure for send/run.
    errors: list[str]
    #: Shown but not counted (JSON-RPC notifications).
    notices: list[Wire]
    #: The protocol cannot go on (its opening was refused): stop waiting.
    fatal: bool = False
    #: Headers of some shown messages, by their index in ``shown`` (STOMP's MESSAGE).
    headers: dict[int, dict[str, str]] | None = None


def decoded(
    shown: list[Wire] | None = None,
    replies: list[Wire] | None = None,
    errors: list[str] | None = None,
    notices: list[Wire] | None = None,
    fatal: bool = False,
) -> Decoded:
    return Decoded(shown or [], replies or [], errors or [], notices or [], fatal)


class DialectSettings(NamedTuple):
    """The dialect options of the command line."""

    name: str
    #: graphql: connection_init's payload (JSON text).
    init_payload: str | None = None
    #: socketio: the namespace, its connect payload (JSON text), the Engine.IO path.
    namespace: str = "/"
    auth_json: str | None = None
    socketio_path: str = "/socket.io/"
    #: socketio: ask for an acknowledgement of each emit.
    ack: bool = False
    #: stomp: the heart-beats offered (CONNECT's header: "CX,CY" in ms), the login.
    heart_beat: str = "10000,10000"
    login: tuple[str, str] | None = None


class Dialect:
    """The base: no opening, no heartbeats, messages as they are."""

    name = "none"
    #: Offered automatically.
    subprotocols: tuple[str, ...] = ()

    def __init__(self, settings: DialectSettings) -> None:
        self.settings = settings
        #: Application messages may go out.
        self.ready = True
        #: Send :meth:`beat`'s frames this often (seconds) once ready; None: never.
        self.beat_interval: float | None = None

    def url(self, url: str) -> str:
        """The URL to connect to, from the one given."""
        return url

    def opening(self) -> list[Wire]:
        """Frames to send right after the WebSocket opens."""
        return []

    def encode(self, message: Wire) -> list[Wire]:
        """The frames for one application message (an input line)."""
        return [message]

    def decode(self, frame: Wire) -> Decoded:
        return decoded(shown=[frame])

    def closing(self) -> list[Wire]:
        """Frames to send before the close frame (ending what is still running)."""
        return []

    def beat(self) -> list[Wire]:
        """The protocol's heart-beat, sent every :attr:`beat_interval`."""
        return []

    def stop(self, ident: str) -> list[Wire]:
        """The frames that end running operation ``ident`` (``/stop``).

        Raises:
            UsageError: the protocol has no such operation.
        """
        raise UsageError(f"{self.name} has no operations to stop", "/stop is for graphql")

    @property
    def settled(self) -> bool:
        """Nothing asked is still unanswered: once the input has ended, wscli need not
        wait for the idle rule (JSON-RPC: every response came; GraphQL: every operation
        completed)."""
        return False


def short(frame: Wire, limit: int = 100) -> str:
    """A frame in an error line: one line, quoted, cut at ``limit``."""
    text = repr(frame) if isinstance(frame, str) else frame.hex() + " (hex)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_of(message: Wire) -> str:
    """A message as text (binary decoded as UTF-8, invalid bytes replaced)."""
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message
