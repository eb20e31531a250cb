"""Opening a client connection: the arguments websockets.asyncio.client.connect gets."""

import ssl
from collections.abc import Awaitable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect, unix_connect
from websockets.typing import Subprotocol

from wscli import __version__
from wscli.client.cookies import cookie_header
from wscli.errors import UsageError
from wscli.link.keylog import keylog
from wscli.options import ConnectOptions
from wscli.protocol.target import Target, basic_auth_header

__all__ = ["USER_AGENT", "open_connection"]

USER_AGENT = f"wscli/{__version__}"


def open_connection(
    target: Target, options: ConnectOptions, connection_class: type[ClientConnection]
) -> Awaitable[ClientConnection]:
    """Start the opening handshake for ``target`` with ``options``.

    ``-H Host:`` rewrites the URL's host (so Host and TLS names follow it) while the TCP
    connection still goes to the URL's host and port, directly (no proxy). Credentials
    from ``--auth`` or the URL's userinfo become an ``Authorization: Basic`` header.

    Raises:
        UsageError: TLS options with a ws:// URL, TLS files that cannot be loaded, or
            ``-H Host:`` with ``--proxy``.
    """
    headers = list(options.headers)
    url = target.url
    kwargs: dict[str, Any] = {}
    host_override = next((v for n, v in headers if n.lower() == "host"), None)
    if host_override is not None:
        headers = [(n, v) for n, v in headers if n.lower() != "host"]
        url = url.replace(_netloc(target), host_override, 1)
        if options.unix_socket is None:
            kwargs.update(host=target.host, port=target.port)
        if target.secure:
            kwargs["server_hostname"] = target.host
    if options.cookies or options.cookie_jar is not None:
        headers = _with_cookies(headers, target, options)
    credentials = options.auth or target.userinfo
    if credentials is not None and not any(n.lower() == "authorization" for n, _ in headers):
        headers.append(("Authorization", basic_auth_header(*credentials)))
    tls = _tls_context(target, options)
    if tls is not None:
        kwargs["ssl"] = tls
    common: dict[str, Any] = dict(
        origin=options.origin,
        subprotocols=[Subprotocol(name) for name in options.subprotocols] or None,
        additional_headers=headers,
        user_agent_header=USER_AGENT,
        compression="deflate" if options.compression else None,
        open_timeout=options.open_timeout,
        ping_interval=options.ping_interval,
        ping_timeout=options.ping_timeout,
        close_timeout=options.close_timeout,
        max_size=options.max_size,
        max_queue=64,
        create_connection=connection_class,
        **kwargs,
    )
    if options.unix_socket is not None:
        return unix_connect(options.unix_socket, url, **common)
    if host_override is not None:
        # host=/port= mean a direct TCP connection: websockets cannot tunnel them.
        if options.proxy:
            raise UsageError(
                "-H 'Host: ...' cannot be combined with --proxy",
                "give the virtual host in the URL instead, or drop --proxy",
            )
        return connect(url, proxy=None, **common)
    if options.proxy is None:
        return connect(url, proxy=True, **common)
    return connect(url, proxy=options.proxy or None, **common)


def _with_cookies(
    headers: list[tuple[str, str]], target: Target, options: ConnectOptions
) -> list[tuple[str, str]]:
    """One Cookie header: -H Cookie's, the jar's for this URL, then --cookie's."""
    given = next((v for n, v in headers if n.lower() == "cookie"), None)
    headers = [(n, v) for n, v in headers if n.lower() != "cookie"]
    cookies = cookie_header(target, options, given)
    return headers if cookies is None else [*headers, ("Cookie", cookies)]


def _netloc(target: Target) -> str:
    return target.url.split("://", 1)[1].split("/", 1)[0]


def _tls_context(target: Target, options: ConnectOptions) -> ssl.SSLContext | None:
    wants_tls = options.ca or options.cert or options.key or options.insecure
    if not target.secure:
        if wants_tls:
            raise UsageError(
                "TLS options (--ca, --cert, --key, --insecure) need a wss:// URL",
                f"use {target.url.replace('ws://', 'wss://', 1)}",
            )
        return None
    try:
        # ssl.create_default_context() without reading os.environ's SSLKEYLOGFILE: the
        # injected environment's is the one (keylog below).
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if options.ca:
            context.load_verify_locations(cafile=options.ca)
        else:
            context.load_default_certs()
        if options.cert:
            context.load_cert_chain(options.cert, options.key)
        elif options.key:
            raise UsageError("--key needs --cert", "give the client certificate with --cert")
    except OSError as exc:  # ssl.SSLError included: a file with no certificate in it
        files = [f for f in (options.ca, options.cert, options.key) if f]
        named = exc.filename or " or ".join(files)
        reason = getattr(exc, "reason", None) or exc.strerror
        raise UsageError(
            f"cannot load TLS file {named}: {reason or exc}", "check --ca, --cert and --key"
        ) from None
    keylog(context, options.keylog)  # the injected environment's, not the process's
    if options.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
