"""JSON-RPC 2.0. Pure.

An input line is ``METHOD [JSON params]``, or a request object (``jsonrpc`` and the next
numeric id are added when missing). Shown: each response's result, matched to its
request; an error object is a protocol error. Notifications from the server are shown
but not counted (--count counts responses).
"""

import json
from typing import Any

from wscli.dialect.base import Decoded, Dialect, DialectSettings, Wire, decoded, short, text_of
from wscli.errors import UsageError

__all__ = ["JsonRpc", "method_and_params"]


class JsonRpc(Dialect):
    name = "jsonrpc"

    def __init__(self, settings: DialectSettings) -> None:
        super().__init__(settings)
        self._next_id = 0
        #: Requests sent and not answered: id -> method.
        self.pending: dict[object, str] = {}

    @property
    def settled(self) -> bool:
        return not self.pending

    def encode(self, message: Wire) -> list[Wire]:
        text = text_of(message)
        text = text.strip()
        request: Any
        if text.startswith("{"):
            try:
                request = json.loads(text)
            except (ValueError, RecursionError) as exc:  # (RecursionError: nested too deep)
                raise UsageError(f"not a JSON-RPC request object: {exc}", _HINT) from None
            if not isinstance(request, dict) or not isinstance(request.get("method"), str):
                raise UsageError('a JSON-RPC request needs a "method" string', _HINT)
        else:
            method, params = method_and_params(text)
            if not method:
                raise UsageError("an empty line is no JSON-RPC call", _HINT)
            request = {"method": method}
            if params.strip():
                try:
                    request["params"] = json.loads(params)
                except (ValueError, RecursionError) as exc:
                    raise UsageError(f"{method}: params are not JSON: {exc}", _HINT) from None
                if not isinstance(request["params"], list | dict):
                    raise UsageError(f"{method}: params must be an array or object", _HINT)
        request = {"jsonrpc": "2.0", **request}
        if not isinstance(request.get("id"), _ID):
            raise UsageError("a JSON-RPC id is a string, a number or null", _HINT)
        if "id" not in request:
            self._next_id += 1
            request["id"] = self._next_id
        if request["id"] is not None:
            self.pending[request["id"]] = request["method"]
        return [json.dumps(request, ensure_ascii=False, separators=(",", ":"))]

    def decode(self, frame: Wire) -> Decoded:
        try:
            message = json.loads(frame)
        except (ValueError, UnicodeDecodeError, RecursionError):  # (nested too deep)
            return decoded(errors=[f"not JSON-RPC: {short(frame)}"])
        result = decoded()
        for item in message if isinstance(message, list) else [message]:
            self._one(item, result, frame)
        return result

    def _one(self, item: Any, result: Decoded, frame: Wire) -> None:
        if not isinstance(item, dict):
            result.errors.append(f"not a JSON-RPC message: {short(frame)}")
        elif ("method" in item and "id" not in item) or "notification" in item:
            # a notification (rpc-websockets sends its events as "notification")
            result.notices.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        elif "result" in item:
            self.pending.pop(_key(item), None)
            result.shown.append(
                json.dumps(item["result"], ensure_ascii=False, separators=(",", ":"))
            )
        elif "error" in item:
            method = self.pending.pop(_key(item), "?")
            error = item["error"]
            if isinstance(error, dict):
                text = f"{method} (id {item.get('id')}): error {error.get('code')}: "
                text += str(error.get("message"))
            else:
                text = f"{method} (id {item.get('id')}): error {error}"
            result.errors.append(" ".join(text.splitlines()))  # one line
        else:
            result.errors.append(f"not a JSON-RPC response: {short(frame)}")


_HINT = 'METHOD [JSON params], e.g. sum [1, 2], or {"method": "sum", "params": [1, 2]}'
#: What a request's id may be (JSON-RPC 2.0, section 4), a key of ``pending`` too.
_ID = (str, int, float, type(None))


def method_and_params(line: str) -> tuple[str, str]:
    """``METHOD [PARAMS]`` split at the first whitespace (so that the method, named in
    error messages, holds no line break)."""
    words = line.split(None, 1)
    return words[0] if words else "", words[1] if len(words) > 1 else ""


def _key(item: dict[str, Any]) -> object:
    """A response's id as a key of ``pending`` (None for an id no request can have)."""
    ident = item.get("id")
    return ident if isinstance(ident, _ID) else None
