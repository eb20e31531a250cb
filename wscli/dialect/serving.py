"""The server's side of a dialect (``listen --dialect``), as far as a test server needs:
the protocol's opening and heartbeats, application messages in and out. Pure.

Socket.IO (Engine.IO v4, Socket.IO v5, WebSocket transport): the open packet on
connect, the namespace's connect answered, a ping (``2``) every ``ping_interval``
seconds; an event from a client (``42[...]``) is the application message ``[...]``; an
application message sent is emitted as ``42`` + the array.
"""

import json
import os

from wscli.dialect.base import Decoded, Wire, decoded, short, text_of
from wscli.dialect.jsonrpc import method_and_params
from wscli.dialect.socketio import emit_array
from wscli.dialect.stomp import make_frame, split_frames
from wscli.errors import UsageError

__all__ = [
    "SERVER_DIALECTS",
    "GraphQLServer",
    "JsonRpcServer",
    "ServerDialect",
    "SocketIOServer",
    "StompServer",
]


class ServerDialect:
    """The base: messages as they are."""

    name = "none"

    def __init__(self, ping_interval: float = 25.0) -> None:
        pass

    subprotocols: tuple[str, ...] = ()
    #: Send :meth:`beat` this often (seconds); None: never.
    beat_interval: float | None = None

    def opening(self) -> list[Wire]:
        """Frames to send when a client has connected."""
        return []

    def decode(self, frame: Wire) -> Decoded:
        return decoded(shown=[frame])

    def encode(self, message: Wire) -> list[Wire]:
        """The frames of an application message the server sends (stdin, the prompt)."""
        return [message]

    def answer(self, message: Wire) -> list[Wire]:
        """--echo: the frames that answer an application message the client sent (none
        when the protocol cannot send it back: a client's ``42null``, a SEND without a
        destination)."""
        try:
            return self.encode(message)
        except UsageError:
            return []

    def beat(self) -> list[Wire]:
        return []


class SocketIOServer(ServerDialect):
    name = "socketio"

    def __init__(self, ping_interval: float = 25.0) -> None:
        self.beat_interval = ping_interval
        self.sid = os.urandom(10).hex()
        self._namespaces: set[str] = set()

    def opening(self) -> list[Wire]:
        handshake = {
            "sid": self.sid,
            "upgrades": [],
            "pingInterval": int(self.beat_interval * 1000) if self.beat_interval else 0,
            "pingTimeout": 20000,
            "maxPayload": 1000000,
        }
        return ["0" + json.dumps(handshake, separators=(",", ":"))]

    def decode(self, frame: Wire) -> Decoded:
        if isinstance(frame, bytes):
            return decoded(errors=[f"a binary frame ({len(frame)} bytes) is not supported"])
        kind, body = frame[:1], frame[1:]
        if kind == "3":  # the pong to our ping
            return decoded()
        if kind == "2":  # a client's ping (probe)
            return decoded(replies=["3" + body])
        if kind != "4":
            return decoded(errors=[f"not an Engine.IO message packet: {short(frame)}"])
        packet, rest = body[:1], body[1:]
        namespace = ""
        if rest.startswith("/"):
            namespace, _, rest = rest.partition(",")
            namespace += ","
        if packet == "0":  # connect to a namespace
            self._namespaces.add(namespace)
            sid = json.dumps({"sid": os.urandom(10).hex()}, separators=(",", ":"))
            return decoded(replies=["40" + namespace + sid])
        if packet == "1":
            self._namespaces.discard(namespace)
            return decoded()
        if packet in ("2", "3"):
            digits = len(rest) - len(rest.lstrip("0123456789"))
            ack, data = rest[:digits], rest[digits:]
            try:
                value = json.loads(data)
            except (ValueError, RecursionError):  # (RecursionError: nested too deep)
                return decoded(errors=[f"a malformed Socket.IO packet: {short(frame)}"])
            replies: list[Wire] = []
            if packet == "2" and ack:  # acknowledge at once, with the event's arguments
                args = value[1:] if isinstance(value, list) else []
                replies.append("43" + namespace + ack + json.dumps(args, separators=(",", ":")))
            shown = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            return decoded(shown=[shown], replies=replies)
        return decoded(errors=[f"an unsupported Socket.IO packet: {short(frame)}"])

    def encode(self, message: Wire) -> list[Wire]:
        body = json.dumps(emit_array(message), separators=(",", ":"))
        return ["42" + namespace + body for namespace in sorted(self._namespaces)]

    def beat(self) -> list[Wire]:
        return ["2"]


class StompServer(ServerDialect):
    """STOMP 1.2, the server's side (one client's broker, no more): CONNECT answered
    with CONNECTED (no heart-beats), SUBSCRIBE/UNSUBSCRIBE kept, DISCONNECT's receipt
    sent; each SEND is the application message ``SEND DEST BODY``. An application
    message sent (``SEND DEST BODY``, also --echo's answer) is a MESSAGE to the
    subscriptions on DEST."""

    name = "stomp"
    subprotocols = ("v12.stomp", "v11.stomp", "v10.stomp")

    def __init__(self, ping_interval: float = 25.0) -> None:
        self.subscriptions: dict[str, str] = {}  # id -> destination
        self._next_message = 0

    def decode(self, frame: Wire) -> Decoded:
        frames = split_frames(frame)
        if isinstance(frames, str):
            return decoded(errors=[frames])
        result = decoded()
        for command, headers, body in frames:
            self._one(command, headers, body, result)
        return result

    def _one(self, command: str, headers: dict[str, str], body: str, result: Decoded) -> None:
        if command in ("CONNECT", "STOMP"):
            version = [("version", "1.2"), ("heart-beat", "0,0")]
            result.replies.append(make_frame("CONNECTED", version))
        elif command == "SUBSCRIBE":
            self.subscriptions[headers.get("id", "")] = headers.get("destination", "")
        elif command == "UNSUBSCRIBE":
            self.subscriptions.pop(headers.get("id", ""), None)
        elif command == "SEND":
            result.shown.append(f"SEND {headers.get('destination', '')} {body}")
        elif command == "DISCONNECT":
            if "receipt" in headers:
                receipt = [("receipt-id", headers["receipt"])]
                result.replies.append(make_frame("RECEIPT", receipt))
        else:
            result.errors.append(f"an unsupported STOMP frame: {short(command)}")

    def encode(self, message: Wire) -> list[Wire]:
        text = text_of(message)
        command, _, rest = text.strip("\r\n").partition(" ")
        destination, _, body = rest.partition(" ")
        if command.upper() != "SEND" or not destination:
            raise UsageError(f"not a STOMP SEND: {text[:60]!r}", "SEND DEST BODY")
        frames: list[Wire] = []
        for ident, subscribed in self.subscriptions.items():
            if subscribed == destination:
                self._next_message += 1
                headers = [
                    ("subscription", ident),
                    ("message-id", str(self._next_message)),
                    ("destination", destination),
                    ("content-type", "text/plain"),
                    ("content-length", str(len(body.encode("utf-8")))),
                ]
                frames.append(make_frame("MESSAGE", headers, body))
        return frames


#: ``listen --dialect``'s choices.


class GraphQLServer(ServerDialect):
    """graphql-transport-ws, the server's side: ``connection_init`` acknowledged, pings
    answered; each ``subscribe``'s payload is an application message. An application
    message sent is a ``next`` (its JSON as the payload) to every running operation;
    ``--echo`` answers each subscribe with ``{"data": {"echo": PAYLOAD}}`` and completes
    it."""

    name = "graphql"
    subprotocols = ("graphql-transport-ws",)

    def __init__(self, ping_interval: float = 25.0) -> None:
        self.running: list[str] = []
        self.echo_next: list[str] = []  # the operations whose echo is due

    def decode(self, frame: Wire) -> Decoded:
        try:
            message = json.loads(frame)
        except (ValueError, UnicodeDecodeError, RecursionError):  # (nested too deep)
            message = None
        if not isinstance(message, dict):
            return decoded(errors=[f"not a graphql-transport-ws message: {short(frame)}"])
        kind, ident = message.get("type"), message.get("id")
        if kind == "connection_init":
            return decoded(replies=[_dump({"type": "connection_ack"})])
        if kind == "ping":
            return decoded(replies=[_dump({"type": "pong"})])
        if kind == "subscribe" and isinstance(ident, str):
            self.running.append(ident)
            self.echo_next.append(ident)
            return decoded(shown=[_dump(message.get("payload"))])
        if kind == "complete":
            if ident in self.running:
                self.running.remove(ident)
            return decoded()
        if kind == "pong":
            return decoded()
        return decoded(errors=[f"unexpected graphql-transport-ws message: {short(frame)}"])

    def answer(self, message: Wire) -> list[Wire]:
        if self.echo_next:  # the answer to a subscribe: its result, then complete
            ident = self.echo_next.pop(0)
            if ident in self.running:
                self.running.remove(ident)
            payload = {"data": {"echo": json.loads(message)}}
            return [
                _dump({"id": ident, "type": "next", "payload": payload}),
                _dump({"id": ident, "type": "complete"}),
            ]
        return []

    def encode(self, message: Wire) -> list[Wire]:
        try:
            payload = json.loads(message)
        except (ValueError, UnicodeDecodeError, RecursionError):  # (nested too deep)
            raise UsageError(
                f"not a GraphQL result: {short(message)}", '{"data": {...}} (JSON)'
            ) from None
        return [_dump({"id": i, "type": "next", "payload": payload}) for i in self.running]


class JsonRpcServer(ServerDialect):
    """JSON-RPC 2.0, the server's side: each request is an application message
    (``METHOD PARAMS``); ``--echo`` answers it with its params as the result; an
    application message sent (``METHOD [JSON params]``) is a notification."""

    name = "jsonrpc"

    def __init__(self, ping_interval: float = 25.0) -> None:
        #: The requests whose echo is due: their ids and params.
        self.waiting: list[tuple[object, object]] = []

    def decode(self, frame: Wire) -> Decoded:
        try:
            message = json.loads(frame)
        except (ValueError, UnicodeDecodeError, RecursionError):  # (nested too deep)
            return decoded(
                replies=[_dump(_rpc_error(None, -32700, "Parse error"))],
                errors=[f"not JSON: {short(frame)}"],
            )
        if not isinstance(message, dict) or not isinstance(message.get("method"), str):
            return decoded(
                replies=[_dump(_rpc_error(None, -32600, "Invalid Request"))],
                errors=[f"not a JSON-RPC request: {short(frame)}"],
            )
        params = message.get("params")
        if "id" in message:  # answered by --echo (in order), else never
            self.waiting.append((message["id"], params))
        shown = message["method"] + ("" if params is None else " " + _dump(params))
        return decoded(shown=[shown])

    def answer(self, message: Wire) -> list[Wire]:
        if not self.waiting:  # a notification: nothing to answer
            return []
        # The params as decoded: "METHOD PARAMS" cannot be split again when METHOD
        # holds a space (json.loads("b [1]") raised ValueError).
        ident, params = self.waiting.pop(0)
        return [_dump({"jsonrpc": "2.0", "result": params, "id": ident})]

    def encode(self, message: Wire) -> list[Wire]:
        text = text_of(message)
        method, params = method_and_params(text)
        notification: dict[str, object] = {"jsonrpc": "2.0", "method": method}
        if params:
            try:
                notification["params"] = json.loads(params)
            except (ValueError, RecursionError):  # (RecursionError: nested too deep)
                raise UsageError(f"{method}: params are not JSON", "METHOD [JSON params]") from None
        return [_dump(notification)]


def _rpc_error(ident: object, code: int, message: str) -> dict[str, object]:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": ident}


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


#: ``listen --dialect``'s choices.
SERVER_DIALECTS: dict[str, type[ServerDialect]] = {
    "graphql": GraphQLServer,
    "jsonrpc": JsonRpcServer,
    "socketio": SocketIOServer,
    "stomp": StompServer,
}
