"""Checks of what the user asks to connect to: URL, headers, sizes, auth. Pure, stdlib only."""

import base64
import ipaddress
import re
from typing import NamedTuple
from urllib.parse import quote, unquote, unquote_plus, urlsplit, urlunsplit

from wscli.errors import UsageError

__all__ = [
    "SECRET_HEADERS",
    "Target",
    "basic_auth_header",
    "is_secret_query",
    "masked_url",
    "parse_auth",
    "parse_cookie",
    "parse_header",
    "parse_size",
    "parse_url",
]

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
#: Headers whose values are credentials: masked on screen, never recorded.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
#: Query parameters whose values are credentials when their name holds one of these.
SECRET_QUERY_WORDS = (
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "auth",
    "signature",
    "session",
    "cookie",
)
_MANAGED = {"upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}
_SUGGEST = {"http": "ws", "https": "wss"}
#: What a URL's path and query keep as it is: printable ASCII (the rest is %-encoded).
_URL_SAFE = "".join(map(chr, range(0x21, 0x7F)))
_NOT_IN_HOST = re.compile(r"[\[\]@/\\\x00-\x20\x7f]|\s")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_MAX_SIZE = 2**62  # bytes
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)


class Target(NamedTuple):
    """A checked WebSocket URL, with the userinfo split off."""

    url: str
    scheme: str
    host: str
    port: int
    userinfo: tuple[str, str] | None

    @property
    def secure(self) -> bool:
        return self.scheme == "wss"


def parse_url(text: str) -> Target:
    """Check a ws:// or wss:// URL; ``host:port/path`` without a scheme means ws://.

    Raises:
        UsageError: malformed URL or a scheme other than ws/wss.
    """
    raw = text.strip()
    if not raw:
        raise UsageError("the URL is empty", "give a URL such as ws://localhost:8765/")
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", raw):  # (a path may hold "://")
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", raw):
            scheme = raw.split(":", 1)[0]
            raise UsageError(f"{scheme}: is not a WebSocket URL scheme", "use ws:// or wss://")
        raw = "ws://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"malformed URL {text!r}: {exc}", "check the host and port") from None
    scheme = parts.scheme.lower()
    if scheme in _SUGGEST:
        fixed = _SUGGEST[scheme] + raw[len(parts.scheme) :]
        raise UsageError(f"{scheme}:// is not a WebSocket URL", f"did you mean {fixed}?")
    if scheme not in ("ws", "wss"):
        raise UsageError(f"{scheme}:// is not a WebSocket URL scheme", "use ws:// or wss://")
    if not parts.hostname:
        raise UsageError(f"malformed URL {text!r}: no host", "write it as ws://HOST[:PORT]/PATH")
    if not _is_host(parts.hostname):
        raise UsageError(
            f"malformed URL {text!r}: {parts.hostname!r} is not a host",
            "write it as ws://HOST[:PORT]/PATH",
        )
    if parts.fragment:
        raise UsageError(
            f"malformed URL {text!r}: a #fragment means nothing in a WebSocket URL",
            "remove the part after #",
        )
    if port == 0:  # (not "any port", as for a server: port 0 is no port to connect to)
        raise UsageError(f"malformed URL {text!r}: port 0", "give the server's port, 1-65535")
    userinfo = None
    if parts.username is not None:
        userinfo = (unquote(parts.username), unquote(parts.password or ""))
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None:
        netloc += f":{port}"
    # Percent-encoded as a browser does: a space or a control character, raw in the
    # request line, made servers drop the connection (and \x0b did not parse again).
    try:
        path, query = (quote(part, _URL_SAFE, errors="surrogateescape") for part in parts[2:4])
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        raise UsageError(f"malformed URL {text!r}: not UTF-8", "check the path") from None
    url = urlunsplit((scheme, netloc, path or "/", query, ""))
    default_port = 443 if scheme == "wss" else 80
    return Target(url, scheme, parts.hostname, default_port if port is None else port, userinfo)


def is_secret_query(name: str) -> bool:
    """Whether a query parameter named ``name`` holds a credential (``?token=...``)."""
    lower = name.lower()
    return any(word in lower for word in SECRET_QUERY_WORDS)


def masked_url(url: str) -> str:
    """``url`` with the values of credential-like query parameters as ``***`` (for what
    is shown or logged: status lines, --jsonl)."""
    if "?" not in url:
        return url
    base, _, rest = url.partition("?")
    query, hash_, fragment = rest.partition("#")
    pairs = []
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        pairs.append(f"{name}=***" if equals and is_secret_query(unquote_plus(name)) else pair)
    return f"{base}?{'&'.join(pairs)}{hash_}{fragment}"


def parse_cookie(text: str) -> tuple[str, str]:
    """Check a ``--cookie NAME=VALUE`` option (RFC 6265: a token, then a value without
    ``;``, ``,``, spaces, quotes inside, backslashes or control characters).

    Raises:
        UsageError: no ``=``, a name that is not a token, or a value a Cookie header
            cannot carry.
    """
    name, equals, value = text.partition("=")
    if not equals or not _TOKEN.fullmatch(name):
        raise UsageError(f"--cookie {text!r} is not NAME=VALUE", "e.g. --cookie session=abc123")
    inner = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    bad = next((c for c in inner if c in ' ",;\\' or not "\x21" <= c <= "\x7e"), None)
    if bad is not None:
        raise UsageError(
            f"--cookie {name}: {bad!r} cannot be in a cookie value",
            "encode the value (e.g. percent-encoding), as the server set it",
        )
    return name, value


def _is_host(name: str) -> bool:
    """Whether urlsplit's hostname can be one: ws://[::]@]/ has the host "]", and
    ws://[::]@[: the host ":" (urlsplit checks the first [...] only)."""
    if _NOT_IN_HOST.search(name):
        return False
    if ":" in name:
        try:
            ipaddress.IPv6Address(name.partition("%")[0])  # (a zone: fe80::1%25eth0)
        except ValueError:
            return False
    return True


def parse_header(text: str) -> tuple[str, str]:
    """Check a ``-H "Name: value"`` option.

    Raises:
        UsageError: no colon, a name that is not an HTTP token, a header wscli manages, or a
            value with CR/LF, another control character but tab, or characters outside
            Latin-1.
    """
    name, colon, value = text.partition(":")
    if not colon:
        raise UsageError(f"header {text!r} has no colon", "write it as -H 'Name: value'")
    name, value = name.strip(), value.strip()
    if not _TOKEN.match(name):
        raise UsageError(
            f"header name {name!r} is not a valid HTTP header name",
            "use letters, digits and !#$%&'*+-.^_`|~ only",
        )
    lower = name.lower()
    if lower in _MANAGED:
        raise UsageError(f"the {name} header is set by wscli for the handshake", "leave it out")
    if lower == "sec-websocket-protocol":
        raise UsageError("set subprotocols with -s/--subprotocol", "e.g. -s chat.v1 -s chat.v2")
    if lower == "sec-websocket-extensions":
        raise UsageError(
            "the extensions offer is set by wscli", "use --compression/--no-compression"
        )
    if "\r" in value or "\n" in value:
        raise UsageError(f"header {name} has a line break in its value", "remove it")
    if _CONTROL.search(value):  # RFC 9110 section 5.5: the server would refuse it
        raise UsageError(f"header {name} has a control character in its value", "remove it")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise UsageError(
            f"header {name} has characters outside ISO-8859-1", "percent-encode the value"
        ) from None
    return name, value


def parse_auth(text: str) -> tuple[str, str]:
    """Check ``--auth USER:PASS``."""
    user, colon, password = text.partition(":")
    if not colon:
        raise UsageError("--auth needs USER:PASS", "e.g. --auth alice:s3cret")
    return user, password


def basic_auth_header(user: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def parse_size(text: str) -> int | None:
    """``--max-size``: bytes with an optional k/M/G suffix (powers of 1024); 0 or none: no limit.

    Raises:
        UsageError: not a size.
    """
    if text.strip().lower() in ("none", "0", "unlimited"):
        return None
    match = _SIZE.match(text)
    if not match:
        raise UsageError(f"{text!r} is not a size", "e.g. 1048576, 512k, 64M or 1G")
    number, unit = float(match.group(1)), (match.group(2) or "b").lower()[0]
    size = number * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
    if size > _MAX_SIZE:  # (zlib takes no more; inf: more digits than a float holds)
        raise UsageError(f"{text!r} is too large a size", "0 or none: no limit")
    return int(size) or None  # 0k, 0.0: no limit, as 0
