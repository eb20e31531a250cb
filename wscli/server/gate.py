"""Which HTTP requests ``wscli listen`` upgrades, answers with a page, or refuses.

Order of the checks for a WebSocket handshake: path (404), Origin (403), credentials (401),
connection limit (503); then the subprotocol (400 with ``--require-subprotocol``) while
the handshake is accepted. A plain GET gets the console page on ``/`` (unless
``--no-page``), 200 on ``/healthz``, and websockets' 426 on the WebSocket path.
"""

import http
from collections.abc import Awaitable, Callable, Sequence

from websockets.asyncio.server import ServerConnection, basic_auth
from websockets.datastructures import Headers
from websockets.exceptions import NegotiationError
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from wscli.options import ListenOptions

__all__ = ["Gate", "origin_allowed", "pick_subprotocol"]

ProcessRequest = Callable[[ServerConnection, Request], Awaitable[Response | None]]


def origin_allowed(
    origin: str | None, own_origin: str | None, *, allowed: Sequence[str], exec_mode: bool
) -> bool:
    """The Origin policy.

    Clients that send no Origin (not browsers) and pages served by this server itself
    (``own_origin``) are always admitted. Other browser pages are admitted when they are in
    ``allowed`` (``--origin``); with no ``--origin``, any page is, except with ``--exec``,
    where a remote page must not drive a local program. ``own_origin`` is None when the
    request's Host is not a name of this server (DNS rebinding: a page of evil.test that
    now resolves to 127.0.0.1 is not "served by this server").
    """
    if origin is None or (own_origin is not None and origin.rstrip("/") == own_origin):
        return True
    if allowed:
        return origin.rstrip("/") in {item.rstrip("/") for item in allowed}
    return not exec_mode


def pick_subprotocol(
    offered: Sequence[str], supported: Sequence[str], *, require: bool
) -> str | None:
    """The first subprotocol of the client's offer that the server supports.

    Raises:
        NegotiationError: ``require`` and nothing fits (websockets answers 400).
    """
    for name in offered:
        if name in supported:
            return name
    if require and supported:
        raise NegotiationError(
            f"no supported subprotocol in the offer (supported: {', '.join(supported)})"
        )
    return None


class Gate:
    """The ``process_request`` and ``select_subprotocol`` hooks of one listener."""

    def __init__(
        self,
        options: ListenOptions,
        *,
        count: Callable[[], int],
        page: Callable[[], bytes] | None,
    ) -> None:
        self.options = options
        self._count = count  # connections open now
        self._page = page
        #: Called with a line for each refused handshake (a front end reports it).
        self.notice: Callable[[str], None] | None = None
        self._auth: ProcessRequest | None = None
        #: The names this server answers to, for "a page served by this server".
        self._names = {options.host.strip("[]"), "localhost", "127.0.0.1", "::1"}
        if options.auth is not None:
            self._auth = basic_auth(realm="wscli", credentials=options.auth)

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """The response to a request that is not upgraded (None: upgrade it); a refused
        handshake is reported to :attr:`notice`."""
        response = await self._decide(connection, request)
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        if response is not None and response.status_code >= 400 and upgrade and self.notice:
            remote = connection.remote_address
            who = f"{remote[0]}:{remote[1]}" if isinstance(remote, tuple) else "unix"
            body = bytes(response.body or b"").decode("utf-8", "replace").strip()
            self.notice(f"refused {who}: HTTP {response.status_code} {body}")
        return response

    async def _decide(self, connection: ServerConnection, request: Request) -> Response | None:
        options = self.options
        route = request.path.split("?", 1)[0]
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        if not upgrade:
            if route == "/healthz":
                return connection.respond(http.HTTPStatus.OK, "ok\n")
            if route == "/favicon.ico":  # browsers ask with every page; there is none
                return connection.respond(http.HTTPStatus.NOT_FOUND, "no icon\n")
            if route == "/" and self._page is not None:
                return await self._auth_check(connection, request) or _html(self._page())
            if options.path is not None and route != options.path:
                return _not_found(connection, options.path)
            return None  # websockets answers 426 Upgrade Required
        if options.path is not None and route != options.path:
            return _not_found(connection, options.path)
        scheme = "https" if options.cert else "http"
        host = request.headers.get("Host", "")
        name = _host_name(host)
        local = connection.local_address
        # An IP address wscli answers on is its own (DNS rebinding needs a name).
        here = isinstance(local, tuple) and name == str(local[0])
        own = f"{scheme}://{host}" if name in self._names or here else None
        origin = request.headers.get("Origin")
        exec_mode = options.mode == "exec"
        if not origin_allowed(origin, own, allowed=options.origins, exec_mode=exec_mode):
            hint = "allow it with --origin" if options.origins or exec_mode else ""
            return connection.respond(
                http.HTTPStatus.FORBIDDEN,
                f"Origin {origin} is not allowed{'; ' + hint if hint else ''}\n",
            )
        refused = await self._auth_check(connection, request)
        if refused is not None:
            return refused
        limit = options.max_connections
        if limit is not None and self._count() >= limit:
            return connection.respond(
                http.HTTPStatus.SERVICE_UNAVAILABLE,
                f"too many connections (--max-connections {limit})\n",
            )
        return None

    async def _auth_check(self, connection: ServerConnection, request: Request) -> Response | None:
        return None if self._auth is None else await self._auth(connection, request)

    def select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        picked = pick_subprotocol(
            offered, self.options.subprotocols, require=self.options.require_subprotocol
        )
        return None if picked is None else Subprotocol(picked)


def _host_name(host: str) -> str:
    """``example.test`` from ``example.test:8765``; ``::1`` from ``[::1]:8765``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _not_found(connection: ServerConnection, path: str) -> Response:
    return connection.respond(
        http.HTTPStatus.NOT_FOUND, f"no WebSocket endpoint here; connect to {path}\n"
    )


def _html(body: bytes) -> Response:
    headers = Headers(
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Connection", "close"),
        ]
    )
    return Response(200, "OK", headers, body)
