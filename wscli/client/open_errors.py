"""Why a connection could not be opened, in one line: library exceptions to wscli errors
with hints."""

import socket
import ssl
from urllib.parse import urlsplit

from websockets.exceptions import (
    InvalidHandshake,
    InvalidMessage,
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    InvalidStatus,
    InvalidURI,
    ProxyError,
    SecurityError,
)

from wscli.errors import (
    ConnectFailed,
    HandshakeRejected,
    Timeout,
    TLSFailed,
    UsageError,
    WscliError,
)
from wscli.options import ConnectOptions
from wscli.protocol.target import Target

__all__ = ["describe_open_error"]

_BODY_PREVIEW = 200


def describe_open_error(exc: BaseException, target: Target, options: ConnectOptions) -> WscliError:
    """Map an exception from the opening handshake to a WscliError with a hint."""
    if isinstance(exc, WscliError):
        return exc
    where = options.unix_socket or f"{target.host}:{target.port}"
    if isinstance(exc, InvalidStatus):
        response = exc.response
        body = bytes(response.body or b"").decode("utf-8", errors="replace").strip()
        text = f"the server rejected the WebSocket handshake: HTTP {response.status_code}"
        text += f" {response.reason_phrase}"
        if body:
            preview = body[:_BODY_PREVIEW] + ("..." if len(body) > _BODY_PREVIEW else "")
            text += ": " + " ".join(preview.split())  # one line; escaped where it is shown
        hints = {
            401: "the server wants credentials: --auth USER:PASS or -H 'Authorization: ...'",
            403: "check --origin, credentials and the path",
            404: "check the path in the URL",
            400: "check -s/--subprotocol and -H headers",
            426: "the server wants a different WebSocket version or path",
        }
        return HandshakeRejected(
            text,
            hints.get(response.status_code, "check the URL and path"),
            http_status=response.status_code,
        )
    if isinstance(exc, ProxyError | InvalidProxy):
        if isinstance(exc, InvalidProxyStatus):
            code = exc.response.status_code
            return ConnectFailed(
                f"the proxy refused the tunnel: HTTP {code}", "check --proxy and its credentials"
            )
        if isinstance(exc, InvalidProxyMessage):
            return ConnectFailed(f"the proxy answered garbage: {exc}", "check --proxy")
        return UsageError(f"bad proxy: {exc}", "use http://, https://, socks5:// or socks5h://")
    if isinstance(exc, ImportError) and "socks" in str(exc).lower():
        return UsageError(
            "a SOCKS proxy needs the python-socks package",
            "pip install 'wscli-tool[socks]', or --no-proxy",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TLSFailed(
            f"TLS certificate of {target.host} not trusted: {exc.verify_message}",
            "trust its CA with --ca FILE, or skip verification with -k/--insecure",
        )
    if isinstance(exc, ssl.SSLError):
        return TLSFailed(
            f"TLS handshake with {where} failed: {exc.reason or exc}",
            "is it a TLS server? for a plain server use ws://",
        )
    if isinstance(exc, ConnectionResetError | ConnectionAbortedError) and target.secure:
        return TLSFailed(
            f"TLS handshake with {where} failed: the server reset the connection",
            "the server may not speak TLS; for a plain server use ws://",
        )
    if isinstance(exc, TimeoutError):
        return Timeout(
            f"no handshake response from {where} within {options.open_timeout:g} s",
            "is it a WebSocket server? raise --open-timeout for slow servers",
        )
    if isinstance(exc, socket.gaierror):
        return ConnectFailed(
            f"cannot resolve host {target.host!r}: {exc.strerror}", "check the host name"
        )
    if isinstance(exc, ConnectionRefusedError):
        proxy = _proxy_address(target, options)
        if proxy is not None:
            return ConnectFailed(
                f"connection refused by the proxy {proxy}",
                "is the proxy running? check --proxy and the *_proxy variables, or --no-proxy",
            )
        return ConnectFailed(
            f"connection refused by {where}", "is the server running and listening there?"
        )
    if isinstance(exc, FileNotFoundError) and options.unix_socket:
        return ConnectFailed(f"no Unix socket at {options.unix_socket}", "check --unix-socket")
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return ConnectFailed(f"cannot connect to {where}: {reason}", "check the host and port")
    if isinstance(exc, InvalidMessage):
        cause = exc.__cause__
        if isinstance(cause, EOFError) and target.secure:
            # A TLS 1.3 server that refuses the client certificate closes right after
            # the TLS handshake; asyncio reports that as a plain EOF.
            return TLSFailed(
                f"{where} closed the TLS connection before answering the handshake",
                "the server may require a client certificate (--cert/--key) it trusts",
            )
        if isinstance(cause, EOFError):
            return HandshakeRejected(
                f"{where} closed the connection before answering the handshake",
                "is it a WebSocket server, and is the path right? if it speaks TLS, use wss://",
            )
        return HandshakeRejected(
            f"{where} did not answer with a valid HTTP response", "is it a WebSocket server?"
        )
    if isinstance(exc, InvalidURI):
        return UsageError(f"malformed URL: {exc.msg}", "write it as ws://HOST[:PORT]/PATH")
    if isinstance(exc, SecurityError):
        return HandshakeRejected(f"handshake refused for safety: {exc}", "check the redirects")
    if isinstance(exc, InvalidHandshake):
        return HandshakeRejected(f"invalid handshake response: {exc}", "check -s/--subprotocol")
    if isinstance(exc, ValueError):
        return UsageError(str(exc), "check the connection options")
    return WscliError(f"unexpected failure while connecting: {exc!r}", "run with --debug")


def _proxy_address(target: Target, options: ConnectOptions) -> str | None:
    """``host:port`` of the proxy the connection goes through, or None."""
    direct = any(name.lower() == "host" for name, _ in options.headers)  # see connecting.py
    if options.unix_socket is not None or options.proxy == "" or direct:
        return None
    from websockets.proxy import get_proxy
    from websockets.uri import parse_uri

    try:
        proxy = options.proxy or get_proxy(parse_uri(target.url))
        parts = urlsplit(proxy) if proxy else None
        if parts is None or not parts.hostname:
            return None
        return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    except (ValueError, InvalidURI):
        return None
