"""Cookies for the opening handshake: ``--cookie NAME=VALUE`` and ``--cookie-jar FILE`` (the
Netscape format curl reads and writes), for servers that authenticate the WebSocket by a
session cookie. The jar's cookies that match the URL (domain, path, ``Secure`` only over
wss://, not expired) are sent; the handshake response's ``Set-Cookie`` headers are written
back to the jar (mode 0600), as curl's ``-b FILE -c FILE`` does."""

import http.cookiejar
import os
import urllib.request
from collections.abc import Iterable

from wscli.errors import UsageError
from wscli.options import ConnectOptions
from wscli.protocol.target import Target

__all__ = ["cookie_header", "store_cookies"]


def _request(target: Target) -> urllib.request.Request:
    """The HTTP request the jar matches: wss:// is https:// (for Secure cookies)."""
    scheme = "https" if target.secure else "http"
    return urllib.request.Request(scheme + target.url[target.url.index(":") :])


def _jar(path: str) -> http.cookiejar.MozillaCookieJar:
    """The jar at ``path`` (missing: empty). curl's session cookies (expiry 0) stay
    session cookies; expired ones are not sent (the policy checks).

    Raises:
        UsageError: the file cannot be read or is not a cookie jar.
    """
    jar = http.cookiejar.MozillaCookieJar(path)
    if not os.path.exists(path):
        return jar
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except (OSError, http.cookiejar.LoadError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise UsageError(
            f"cannot read --cookie-jar {path}: {reason}",
            "give a cookie file in the Netscape format (as curl -c writes it)",
        ) from None
    for cookie in jar:
        if cookie.expires == 0:
            cookie.expires, cookie.discard = None, True
    return jar


def cookie_header(target: Target, options: ConnectOptions, given: str | None) -> str | None:
    """The ``Cookie`` header to send: ``given`` (from ``-H Cookie:``), then the jar's
    matching cookies, then ``--cookie``'s; None when there are none."""
    parts = [given] if given else []
    if options.cookie_jar is not None:
        request = _request(target)
        _jar(options.cookie_jar).add_cookie_header(request)
        if request.has_header("Cookie"):
            parts.append(request.get_header("Cookie") or "")
    parts.extend(f"{name}={value}" for name, value in options.cookies)
    return "; ".join(parts) if parts else None


class _Response:
    """What ``CookieJar.extract_cookies`` reads of a response: its headers."""

    def __init__(self, headers: Iterable[tuple[str, str]]) -> None:
        self._headers = list(headers)

    def info(self) -> "_Response":
        return self

    def get_all(self, name: str, default: list[str]) -> list[str]:
        found = [v for n, v in self._headers if n.lower() == name.lower()]
        return found or default


def store_cookies(
    target: Target, options: ConnectOptions, headers: Iterable[tuple[str, str]]
) -> None:
    """Write the response's ``Set-Cookie`` cookies to ``--cookie-jar`` (when given and
    there are some), keeping the others.

    Raises:
        UsageError: the jar cannot be read or written.
    """
    headers = list(headers)
    path = options.cookie_jar
    if path is None or not any(n.lower() == "set-cookie" for n, _ in headers):
        return
    jar = _jar(path)
    jar.extract_cookies(_Response(headers), _request(target))  # type: ignore[arg-type]
    for cookie in jar:  # the jar writes #HttpOnly_ for "HTTPOnly" only, case and all
        if any(cookie.has_nonstandard_attr(n) for n in ("HttpOnly", "httponly", "httpOnly")):
            cookie.set_nonstandard_attr("HTTPOnly", "")
    try:
        jar.save(ignore_discard=True, ignore_expires=False)
    except OSError as exc:
        raise UsageError(
            f"cannot write --cookie-jar {path}: {exc.strerror or exc}", "check the path"
        ) from None
