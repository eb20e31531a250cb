"""``connect --record``: a session written as a script, line by line. Pure.

The lines are what ``wscli run`` plays back: the settings used (credentials replaced by
names to give at run time), ``>`` for each message sent, ``<`` for each one received
(exact: loosen them by hand), ``ping``, and how it closed. Text that a plain line cannot
hold exactly (line breaks, control characters, ``{{``, spaces at either end, or for ``<``
what would read as a ``/regex/``) is written ``quoted`` as a JSON string.
"""

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wscli.protocol.events import Closed, Event, Message, Opened, Ping
from wscli.protocol.target import SECRET_HEADERS, is_secret_query, parse_url

__all__ = ["AUTH_VARIABLE", "event_lines", "header_lines", "message_line"]

#: What ``auth`` (or the URL's user:pass@) becomes: ``auth-env WSCLI_AUTH``.
AUTH_VARIABLE = "WSCLI_AUTH"
#: Query parameters that carry credentials (by a part of their name).
#: What a plain line cannot hold: line breaks (as str.splitlines sees them), controls.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]|\{\{")
#: Dialect settings that often carry credentials: recorded as {{WSCLI_NAME}}.
_SECRET_SETTINGS = ("init-payload", "auth-json")
_BINARY_AS_HEX = 64  # bytes; longer binary messages are written in base64


def _variable(name: str) -> str:
    return "WSCLI_" + re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def header_lines(url: str | None, settings: Iterable[tuple[str, str]], *, note: str) -> list[str]:
    """The script's first lines: ``note`` as a comment, the url and the settings given
    (``(long option name, value)``), with credentials never written: ``auth`` becomes
    ``auth-env WSCLI_AUTH``, a secret header's value and a secret-looking query
    parameter a ``{{WSCLI_NAME}}``, each with a comment saying what to give."""
    lines = [f"# {note}"]
    secrets: list[str] = []
    if url is None:
        lines.append("# recorded against the built-in echo server: give wscli run --url")
    else:
        target = parse_url(url)
        if target.userinfo is not None:
            secrets.append("auth")
        lines.append(f"url {_url_without_secrets(target.url, lines)}")
    for name, value in settings:
        if name == "auth":
            secrets.append("auth")
        elif name in _SECRET_SETTINGS:
            variable = _variable(name)
            lines.append(
                f"# {name} is not recorded (it may hold a token): give --var {variable}=..."
            )
            lines.append(f"{name} {{{{{variable}}}}}")
        elif name == "cookie":  # its name is kept, its value is a credential
            cookie = value.partition("=")[0]
            variable = _variable(f"cookie {cookie}")
            lines.append(f"# the cookie {cookie} is not recorded: give --var {variable}=...")
            lines.append(f"cookie {cookie}={{{{{variable}}}}}")
        elif not value.strip():  # (a setting without its value does not parse)
            lines.append(f"# {name} {value!r} is not recorded: give it on the command line")
        elif name == "header" and value.partition(":")[0].strip().lower() in SECRET_HEADERS:
            header = value.partition(":")[0].strip()
            variable = _variable(header)
            lines.append(f"# {header} is not recorded: give --var {variable}=... or export it")
            lines.append(f"header {header}: {{{{{variable}}}}}")
        else:
            lines.append(f"{name} {value}")
    if secrets:
        lines.append(f"# credentials are not recorded: export {AUTH_VARIABLE}=USER:PASS")
        lines.append(f"auth-env {AUTH_VARIABLE}")
    return lines


def _url_without_secrets(url: str, lines: list[str]) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if is_secret_query(key):
            variable = _variable(key)
            lines.append(f"# the query's {key} is not recorded: give --var {variable}=...")
            value = f"{{{{{variable}}}}}"
        query.append((key, value))
    if query == parse_qsl(parts.query, keep_blank_values=True):
        return url
    encoded = urlencode(query, safe="{}")
    return urlunsplit(parts._replace(query=encoded))


def message_line(mark: str, data: str | bytes) -> str:
    """One message as a step: ``mark`` is ``>`` (sent) or ``<`` (received)."""
    if isinstance(data, bytes):
        if len(data) <= _BINARY_AS_HEX:
            return f"{mark}hex {data.hex()}"
        return f"{mark}base64 {base64.b64encode(data).decode('ascii')}"
    plain = not _UNSAFE.search(data) and data == data.strip(" \t")
    if plain and mark != ">" and data.startswith("/") and re.search(r"/i?$", data[1:]):
        plain = False  # it would read as a /regex/
    if plain:
        return f"{mark} {data}" if data else mark
    quoted = json.dumps(data, ensure_ascii=False)
    quoted = quoted.replace("{{", "{\\u007b")  # a literal {{, not a name
    escaped = _UNSAFE.sub(lambda m: json.dumps(m.group())[1:-1], quoted)
    return f"{mark}quoted {escaped}"


def event_lines(event: Event) -> list[str]:
    """The step (or comment) one event of the session becomes; [] for most control
    frames (keepalive pings, pongs, pings from the server)."""
    if isinstance(event, Message):
        return [message_line(">" if event.direction == "out" else "<", event.data)]
    if isinstance(event, Ping):
        if event.direction != "out" or event.keepalive:
            return []
        try:
            text = event.data.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if _UNSAFE.search(text) or text != text.strip():
            text = ""  # the pong is awaited whatever its data
        return [f"ping {text}".rstrip()]
    if isinstance(event, Closed):
        return _close_lines(event)
    if isinstance(event, Opened) and event.protocol:
        return [f"# the server chose the subprotocol {event.protocol}"]
    return []


def _close_lines(event: Closed) -> list[str]:
    if event.initiated_by == "client":
        lines = []
        if event.code != event.sent_code:
            lines.append(f"# the server answered with {event.code}")
        if event.sent_code is None:
            return [*lines, "# closed with an empty close frame; played back as 1000", "close"]
        return [*lines, f"close {event.sent_code}{_reason(event.sent_reason or '')}"]
    if event.initiated_by == "server" and event.was_clean:
        if event.code == 1005:
            return ["# the server closed without a code (1005)", "expect-close 1005"]
        return [f"expect-close {event.code}{_reason(event.reason)}"]
    return [f"# the connection ended abnormally ({event.code}): no close step recorded"]


def _reason(reason: str) -> str:
    """`` REASON`` when a line holds it exactly, else nothing (the code is checked)."""
    # (the parser strips any whitespace from a line's ends, a no-break space too)
    if not reason or _UNSAFE.search(reason) or reason != reason.strip():
        return ""
    return f" {reason}"
