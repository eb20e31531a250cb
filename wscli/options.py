"""Immutable option sets built by the command line and read by the cores. Stdlib only.

NamedTuples rather than frozen dataclasses: as immutable, and about ten times cheaper to
define, which matters for a one-shot ``wscli send``'s start-up.
"""

from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "DEFAULT_IDLE",
    "DEFAULT_MAX_SIZE",
    "DIALECT_NAMES",
    "SCREEN_VIEWS",
    "SERVER_DIALECT_NAMES",
    "BinaryView",
    "ColorChoice",
    "ConnectOptions",
    "Framing",
    "InputFormat",
    "ListenMode",
    "ListenOptions",
    "OutputOptions",
    "Reconnect",
    "RecordOptions",
    "StreamRules",
    "WaitRules",
]

InputFormat = Literal["text", "binary", "hex", "base64", "jsonl"]
#: How a binary message is shown or written: hex, base64, as UTF-8 text, or its raw bytes
#: (``--binary-as``, the REPL's ``/view``; raw only into a pipe or file).
BinaryView = Literal["hex", "base64", "text", "raw"]
#: The views a terminal shows (no raw bytes), in the order completion offers them.
SCREEN_VIEWS: tuple[BinaryView, ...] = ("hex", "base64", "text")
ColorChoice = Literal["auto", "always", "never"]
ListenMode = Literal["default", "echo", "broadcast", "exec", "script"]
#: --dialect's choices (wscli.dialect.registry has the classes).
DIALECT_NAMES = ("graphql", "graphql-ws-legacy", "jsonrpc", "socketio", "stomp")
#: listen --dialect's choices (wscli.dialect.serving has the classes).
SERVER_DIALECT_NAMES = ("graphql", "jsonrpc", "socketio", "stomp")

#: Default --max-size: big enough that a large JSON document never fails.
DEFAULT_MAX_SIZE = 64 * 1024 * 1024
#: Default --idle: longer than a server that answers every 500 ms, short enough that a
#: one-shot send against an echo server ends about a second after it starts.
DEFAULT_IDLE = 0.8


class ConnectOptions(NamedTuple):
    """How to open a client connection."""

    #: None: the built-in echo server's (filled in once it runs).
    url: str | None
    subprotocols: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    origin: str | None = None
    auth: tuple[str, str] | None = None
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    insecure: bool = False
    #: None: from the environment; "" : no proxy; else the proxy URL.
    proxy: str | None = None
    compression: bool = True
    max_size: int | None = DEFAULT_MAX_SIZE
    open_timeout: float | None = 10.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    close_timeout: float = 10.0
    unix_socket: str | None = None
    #: SSLKEYLOGFILE: where TLS session keys go (None: nowhere).
    keylog: str | None = None
    #: --cookie NAME=VALUE pairs, and --cookie-jar's file.
    cookies: tuple[tuple[str, str], ...] = ()
    cookie_jar: str | None = None


class Reconnect(NamedTuple):
    """``--reconnect`` in a pipe and for ``send``."""

    #: Sent again on every new connection (``-x``).
    first_messages: tuple[str | bytes, ...] = ()
    #: Give up after this many failed attempts in a row (None: never).
    max_attempts: int | None = None


class RecordOptions(NamedTuple):
    """``connect --record FILE``: where the script goes, and the connection options that
    were given, as settings (``(long name, value)``)."""

    path: str
    settings: tuple[tuple[str, str], ...] = ()


class ListenOptions(NamedTuple):
    """How ``wscli listen`` serves."""

    host: str = "127.0.0.1"
    port: int = 8765
    mode: ListenMode = "default"
    #: --exec's program (a shell command line).
    program: str | None = None
    #: How stdin lines (or --exec's stdout lines) become messages.
    input_format: InputFormat = "text"
    #: --exec: how binary messages become lines on the program's stdin.
    binary_as: BinaryView = "hex"
    subprotocols: tuple[str, ...] = ()
    require_subprotocol: bool = False
    cert: str | None = None
    key: str | None = None
    #: --client-ca: clients must present a certificate this CA signed (mutual TLS).
    client_ca: str | None = None
    #: SSLKEYLOGFILE: where TLS session keys go (None: nowhere).
    keylog: str | None = None
    auth: tuple[str, str] | None = None
    #: --origin allow-list; empty: any Origin (without --exec).
    origins: tuple[str, ...] = ()
    max_connections: int | None = None
    max_size: int | None = DEFAULT_MAX_SIZE
    #: Only this path upgrades (404 for others); None: any path.
    path: str | None = None
    once: bool = False
    page: bool = True
    compression: bool = True
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    open_timeout: float = 10.0
    close_timeout: float = 10.0
    #: --unix-socket: serve on this Unix-domain socket instead of TCP, with this mode.
    unix_socket: str | None = None
    socket_mode: int = 0o600
    #: --dialect: the server's side of a protocol (wscli.dialect.serving).
    dialect: str | None = None
    #: --pass-env: variables of wscli's environment --exec's program also gets.
    pass_env: tuple[str, ...] = ()
    #: --exec --input-format jsonl: the program reads JSON Lines events too.
    program_jsonl: bool = False


@dataclass(frozen=True)
class WaitRules:  # a dataclass: a NamedTuple field may not be called "count"
    """When to stop waiting for replies (after stdin EOF, or after ``send``'s messages)."""

    count: int | None = None
    until: str | None = None
    #: A JSON pattern (wscli run's matching): stop at the first message that matches.
    until_json: str | None = None
    idle: float | None = None
    timeout: float | None = None
    keep_open: bool = False
    #: The server must close (first), with this code.
    expect_close: int | None = None
    #: The close code received must be this one, whoever closed (``close --expect-code``).
    expect_code: int | None = None

    @property
    def idle_seconds(self) -> float | None:
        """The idle rule in force: the default one when no other rule is given."""
        if self.idle is not None:
            return self.idle
        if self.count is None and self.wanted_match is None and not self.waits_for_server:
            return DEFAULT_IDLE
        return None

    @property
    def wanted_match(self) -> str | None:
        """The --until or --until-json rule, as the user gave it (for messages)."""
        if self.until is not None:
            return f"--until {self.until!r}"
        if self.until_json is not None:
            return f"--until-json {self.until_json!r}"
        return None

    @property
    def waits_for_server(self) -> bool:
        """Never close from our side: wait for the server's close frame."""
        return self.keep_open or self.expect_close is not None


class StreamRules(NamedTuple):
    """Long-running streams (``connect``, ``send``): patterns as scripts write them
    (``/REGEX/`` or a JSON pattern)."""

    #: --reply: (pattern, message) — answer a matching message at once.
    replies: tuple[tuple[str, str], ...] = ()
    #: --every: (seconds, message) — send on a timer while OPEN.
    every: tuple[tuple[float, str], ...] = ()
    #: --filter/--filter-json: only matching messages reach stdout and the counts.
    filters: tuple[str, ...] = ()
    #: --ignore/--ignore-json: matching messages do not.
    ignores: tuple[str, ...] = ()


class Framing(NamedTuple):
    """Messages as lines, both ways: ``--text-prefix``/``--binary-prefix`` mark each line's
    type (binary payloads then in ``binary_as``), ``-0`` ends them with NUL, not newline."""

    end: bytes = b"\n"
    text_prefix: str | None = None
    binary_prefix: str | None = None
    #: How binary payloads are written and read (--binary-as; base64 by default with a
    #: binary prefix).
    binary_as: Literal["hex", "base64", "text"] = "hex"

    @property
    def plain(self) -> bool:
        """Newline-delimited, no prefixes: what needs no per-line work."""
        return self.end == b"\n" and self.text_prefix is None and self.binary_prefix is None


class OutputOptions(NamedTuple):
    """How events are written."""

    binary_as: BinaryView = "hex"
    jsonl: bool = False
    timestamps: bool = False
    show_ping_pong: bool = False
    verbose: bool = False
    quiet: bool = False
    color: ColorChoice = "auto"
    debug: bool = False
    #: --pretty: JSON messages indented on stdout (a pipe too).
    pretty: bool = False
    #: How messages are delimited on stdout (and stdin): newline, or NUL with -0.
    framing: Framing = Framing()
