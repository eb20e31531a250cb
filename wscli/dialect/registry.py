"""The dialects by name."""

from wscli.dialect.base import Dialect, DialectSettings
from wscli.dialect.graphql import GraphQL
from wscli.dialect.jsonrpc import JsonRpc
from wscli.dialect.socketio import SocketIO

__all__ = ["NAMES", "make_dialect"]

_DIALECTS: dict[str, type[Dialect]] = {
    "graphql": GraphQL,
    "jsonrpc": JsonRpc,
    "socketio": SocketIO,
}
#: For --dialect's choices.
NAMES = tuple(_DIALECTS)


def make_dialect(settings: DialectSettings) -> Dialect:
    """The dialect ``settings`` names."""
    return _DIALECTS[settings.name](settings)
