"""GraphQL over WebSocket, ``graphql-transport-ws`` (the graphql-ws library's protocol).
Pure.

The opening: ``connection_init`` (payload from --init-payload), then the server's
``connection_ack``; ``ping`` is answered with ``pong``. An input line is a GraphQL
document, or a JSON object with ``query`` (and ``variables``, ``operationName``):
subscribed under the next id. Shown: each ``next`` payload, as JSON; its ``errors``, and
an ``error`` message, are protocol errors. Before closing, running operations are
completed.
"""

import json
from typing import Any

from wscli.dialect.base import Decoded, Dialect, DialectSettings, Wire, decoded, short, text_of
from wscli.errors import UsageError

__all__ = ["GraphQL", "GraphQLLegacy"]


class GraphQL(Dialect):
    name = "graphql"
    subprotocols = ("graphql-transport-ws",)

    def __init__(self, settings: DialectSettings) -> None:
        super().__init__(settings)
        self.ready = False
        self._next_id = 0
        #: The operations subscribed and not yet complete, by id.
        self.running: list[str] = []

    def opening(self) -> list[Wire]:
        message: dict[str, Any] = {"type": "connection_init"}
        if self.settings.init_payload is not None:
            message["payload"] = json.loads(self.settings.init_payload)
        return [_dump(message)]

    def encode(self, message: Wire) -> list[Wire]:
        text = text_of(message)
        payload: Any = None
        if text.lstrip().startswith("{"):
            try:
                payload = json.loads(text)
            except (ValueError, RecursionError):  # (RecursionError: nested too deep)
                payload = None  # a document starting with { (a query shorthand)
            if isinstance(payload, dict) and not isinstance(payload.get("query"), str):
                raise UsageError(
                    'a GraphQL request object needs a "query" string',
                    '{"query": "...", "variables": {...}}',
                )
        if not isinstance(payload, dict):
            payload = {"query": text}
        self._next_id += 1
        ident = str(self._next_id)
        self.running.append(ident)
        return [_dump({"id": ident, "type": "subscribe", "payload": payload})]

    def decode(self, frame: Wire) -> Decoded:
        message = _object(frame)
        if message is None:
            return decoded(errors=[f"not a graphql-transport-ws message: {short(frame)}"])
        kind = message.get("type")
        ident = message.get("id")
        if kind == "next":
            payload = message.get("payload")
            errors = payload.get("errors") if isinstance(payload, dict) else None
            if errors is not None and not isinstance(errors, list):
                errors = [errors]  # (a list, says the spec; iterating 5 raised TypeError)
            lines = [f"operation {ident}: {_error_text(e)}" for e in errors or []]
            return decoded(shown=[_dump(payload)], errors=lines)
        if kind == "error":
            self._done(ident)
            errors = message.get("payload")
            errors = errors if isinstance(errors, list) else [errors]
            return decoded(errors=[f"operation {ident}: {_error_text(e)}" for e in errors])
        if kind == "complete":
            self._done(ident)
            return decoded()
        if kind == "connection_ack":
            self.ready = True
            return decoded()
        if kind == "ping":
            return decoded(replies=[_dump({"type": "pong"})])
        if kind == "pong":
            return decoded()
        return decoded(errors=[f"unexpected graphql-transport-ws message: {short(frame)}"])

    def closing(self) -> list[Wire]:
        frames: list[Wire] = [_dump({"id": i, "type": "complete"}) for i in self.running]
        self.running = []
        return frames

    @property
    def settled(self) -> bool:
        return self.ready and not self.running

    def stop(self, ident: str) -> list[Wire]:
        if ident not in self.running:
            running = ", ".join(self.running) or "none"
            raise UsageError(f"no running operation {ident}", f"running: {running}")
        self.running.remove(ident)
        return [_dump({"id": ident, "type": self._stop_type})]

    _stop_type = "complete"

    def _done(self, ident: object) -> None:
        if ident in self.running:
            self.running.remove(str(ident))


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _object(frame: Wire) -> dict[str, Any] | None:
    try:
        value = json.loads(frame)
    except (ValueError, UnicodeDecodeError, RecursionError):  # (nested too deep)
        return None
    return value if isinstance(value, dict) else None


def _error_text(error: object) -> str:
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else _dump(error)


class GraphQLLegacy(GraphQL):
    """The older ``graphql-ws`` subprotocol (subscriptions-transport-ws): ``start``,
    ``data`` and ``stop`` instead of ``subscribe``, ``next`` and ``complete``; the
    server's keep-alive ``ka`` is skipped; ``connection_error`` refuses the opening."""

    name = "graphql-ws-legacy"
    subprotocols = ("graphql-ws",)
    _stop_type = "stop"

    def encode(self, message: Wire) -> list[Wire]:
        return [_start(frame) for frame in super().encode(message)]

    def decode(self, frame: Wire) -> Decoded:
        message = _object(frame)
        kind = message.get("type") if message is not None else None
        if kind == "ka":
            return decoded()
        if kind == "connection_error":
            payload = message.get("payload") if message is not None else None
            return decoded(errors=[f"connection refused: {_error_text(payload)}"], fatal=True)
        if kind == "data" and message is not None:
            message["type"] = "next"
            return super().decode(_dump(message))
        if kind == "error" and message is not None:
            message["payload"] = [message.get("payload")]
            return super().decode(_dump(message))
        return super().decode(frame)

    def closing(self) -> list[Wire]:
        frames: list[Wire] = [_dump({"id": i, "type": "stop"}) for i in self.running]
        self.running = []
        return [*frames, _dump({"type": "connection_terminate"})] if self.ready else frames


def _start(frame: Wire) -> Wire:
    message = _object(frame)
    assert message is not None  # made by GraphQL.encode
    message["type"] = "start"
    return _dump(message)
