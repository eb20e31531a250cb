"""The dialects by name."""

from wscli.dialect.base import Dialect, DialectSettings
from wscli.dialect.graphql import GraphQL, GraphQLLegacy
from wscli.dialect.jsonrpc import JsonRpc
from wscli.dialect.socketio import SocketIO
from wscli.dialect.stomp import Stomp

__all__ = ["NAMES", "make_dialect"]

_DIALECTS: dict[str, type[Dialect]] = {
    "graphql": GraphQL,
    "graphql-ws-legacy": GraphQLLegacy,
    "jsonrpc": JsonRpc,
    "socketio": SocketIO,
    "stomp": Stomp,
}
#: For --dialect's choices.
NAMES = tuple(_DIALECTS)


def make_dialect(settings: DialectSettings) -> Dialect:
    """The dialect ``settings`` names."""
    return _DIALECTS[settings.name](settings)
