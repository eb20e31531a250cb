"""Options shared by the commands, and their translation into option sets."""

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from wscli.cli.settings import Seconds, complete_close_codes
from wscli.env import Env
from wscli.errors import UsageError
from wscli.options import (
    DEFAULT_IDLE,
    ConnectOptions,
    OutputOptions,
    WaitRules,
)
from wscli.protocol.codes import parse_expected_code
from wscli.protocol.target import parse_auth, parse_cookie, parse_header, parse_size, parse_url
from wscli.status import EXIT_STATUS_HELP

__all__ = [
    "ENVIRONMENT_EPILOG",
    "EXIT_EPILOG",
    "checked_json_pattern",
    "checked_regex",
    "connect_options",
    "connection_options",
    "current_env",
    "option",
    "output_options",
    "wait_options",
    "wait_rules",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_EPILOG = "\b\nExit status:\n" + "\n".join(
    f"  {int(status):>3}  {text}" for status, text in EXIT_STATUS_HELP.items()
)

ENVIRONMENT_EPILOG = (
    "\n\n\b\nEnvironment:\n"
    "  WSCLI_<OPTION>   any option, e.g. WSCLI_MAX_SIZE=1M, WSCLI_HEADER (one per line)\n"
    "  WSCLI_CONFIG     the config file (default $XDG_CONFIG_HOME/wscli/config.toml)\n"
    "  XDG_STATE_HOME   where the REPL keeps its history (wscli/history)\n"
    "  NO_COLOR, FORCE_COLOR   turn colour off, or on when not on a terminal\n"
    "  ws_proxy, wss_proxy, https_proxy, http_proxy, socks_proxy, no_proxy   proxies\n"
    "  SSLKEYLOGFILE    append wss:// session keys to this file (Wireshark decrypts with it)\n"
    "\n\b\nConfig and profiles (@NAME as the URL): see man wscli, or README."
)


class EnvOption(click.Option):
    """An option whose ``WSCLI_<OPTION>`` variable is read from the injected environment
    (:func:`current_env`), not from the process's: ``cli.run(argv, env=...)`` decides."""

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        if not isinstance(self.envvar, str):
            return None
        value = current_env(ctx).environ.get(self.envvar)
        return value or None  # click treats an empty variable as unset


def option(*names: str, **attributes: Any) -> Callable[[F], F]:
    """``click.option`` for wscli's options (see :class:`EnvOption`)."""
    return click.option(*names, cls=EnvOption, **attributes)


_FILE = click.Path(dir_okay=False)
_SECONDS = Seconds(min=0)


def _apply(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


connection_options = _apply(
    [
        option(
            "-s",
            "--subprotocol",
            "subprotocols",
            multiple=True,
            metavar="NAME",
            help="Offer this subprotocol (repeatable; the server picks one).",
        ),
        option(
            "-H",
            "--header",
            "headers",
            multiple=True,
            metavar="'NAME: VALUE'",
            help="Add a handshake header (repeatable). '-H Host: name' overrides Host.",
        ),
        option("-o", "--origin", metavar="ORIGIN", help="Send this Origin header."),
        option(
            "--auth",
            metavar="USER:PASS",
            help="HTTP Basic credentials (also taken from the URL's user:pass@).",
        ),
        option(
            "--cookie",
            "cookies",
            multiple=True,
            metavar="NAME=VALUE",
            help="Send this cookie in the handshake (repeatable).",
        ),
        option(
            "--cookie-jar",
            type=_FILE,
            metavar="FILE",
            help="Send this file's cookies for the URL (Netscape format, as curl writes it);"
            " the handshake's Set-Cookie are written back to it (mode 0600).",
        ),
        option("--ca", type=_FILE, metavar="FILE", help="Trust this CA bundle (PEM)."),
        option("--cert", type=_FILE, metavar="FILE", help="Client certificate (PEM)."),
        option("--key", type=_FILE, metavar="FILE", help="Client certificate's key."),
        option(
            "-k", "--insecure", is_flag=True, help="Do not verify the server's TLS certificate."
        ),
        option(
            "--proxy",
            metavar="URL",
            help="HTTP CONNECT or SOCKS5 proxy (http://, socks5h://...). "
            "Default: from the environment (ws_proxy, https_proxy, ...).",
        ),
        option("--no-proxy", is_flag=True, help="Connect directly, ignoring the environment."),
        option(
            "--compression/--no-compression",
            default=True,
            show_default=True,
            help="Offer permessage-deflate.",
        ),
        option(
            "--max-size",
            default="64M",
            show_default=True,
            metavar="BYTES",
            help="Largest message accepted (k/M/G suffixes; 0 for no limit).",
        ),
        option(
            "--open-timeout",
            type=_SECONDS,
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help="Deadline for connecting and the opening handshake (0: none).",
        ),
        option(
            "--ping-interval",
            type=_SECONDS,
            default=20.0,
            show_default=True,
            metavar="SECONDS",
            help="Send a keepalive ping this often (0: never).",
        ),
        option(
            "--ping-timeout",
            type=_SECONDS,
            default=20.0,
            show_default=True,
            metavar="SECONDS",
            help=(
                "Fail the connection (1011) when nothing at all, pong or message, arrives"
                " this long after a keepalive ping (0: never). Any frame proves the"
                " server alive: a pong may wait behind the data before it. wscli hands"
                " the socket at most about 512 KiB at a time (batches of 256 KiB), so its"
                " own pings never wait behind more than that and the socket's buffer."
            ),
        ),
        option("--unix-socket", metavar="PATH", help="Connect through this Unix-domain socket."),
    ]
)

output_options = _apply(
    [
        option(
            "--input-format",
            type=click.Choice(["text", "binary", "hex", "base64", "jsonl"]),
            default="text",
            show_default=True,
            help="How input lines, MESSAGE arguments and files become frames "
            "(text: a text frame; binary, hex, base64: a binary frame; jsonl: what --jsonl"
            ' writes, or {"text": ...}, {"base64": ...}, a JSON string, and ping and'
            " close events).",
        ),
        option(
            "--binary-as",
            type=click.Choice(["hex", "base64", "text", "raw"]),
            default="hex",
            show_default=True,
            help="How received binary messages are written (raw: the bytes, no newline).",
        ),
        option(
            "--jsonl",
            is_flag=True,
            help="Write every event as one JSON object per line on stdout (see README).",
        ),
        option("-t", "--timestamps", is_flag=True, help="Prefix received messages with UTC time."),
        option(
            "--pretty",
            is_flag=True,
            help="Indent received JSON messages over several lines (the prompt always does).",
        ),
        option(
            "-P",
            "--show-ping-pong",
            is_flag=True,
            help="Show pings and pongs, both ways, on stderr.",
        ),
        option(
            "-v",
            "--verbose",
            is_flag=True,
            help="Show the handshake headers on stderr (credentials masked).",
        ),
        option("-q", "--quiet", is_flag=True, help="No status lines; errors only."),
        option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour status lines (NO_COLOR and FORCE_COLOR are honoured).",
        ),
        option("--debug", is_flag=True, help="Show tracebacks."),
    ]
)

wait_options = _apply(
    [
        option(
            "-n",
            "--count",
            type=click.IntRange(min=1),
            metavar="N",
            help="Stop after N received messages.",
        ),
        option("--until", metavar="REGEX", help="Stop at the first received message that matches."),
        option(
            "--until-json",
            metavar="PATTERN",
            help="Stop at the first received message that matches this JSON pattern (keys"
            ' present with matching values, others allowed; "{{name}}" matches anything;'
            " see wscli-run(1)).",
        ),
        option(
            "--idle",
            type=_SECONDS,
            metavar="SECONDS",
            help=f"Stop when nothing arrived for this long (the default rule, {DEFAULT_IDLE:g} s, "
            "when no other is given).",
        ),
        option(
            "--timeout",
            type=_SECONDS,
            metavar="SECONDS",
            help="Overall deadline; missing --count/--until by then exits 6.",
        ),
        option("--keep-open", is_flag=True, help="Never close from our side: wait for the server."),
        option(
            "--expect-close",
            metavar="CODE",
            shell_complete=complete_close_codes,
            help="Wait for the server to close, and require this close code.",
        ),
    ]
)


def current_env(ctx: click.Context | None = None) -> Env:
    """The Env of this run: the one ``cli.run`` was given (on the root context), or else
    the process's, built on first use (not for --help) and then kept there."""
    root = (ctx or click.get_current_context()).find_root()
    if not isinstance(root.obj, Env):
        root.obj = Env.from_process()
    return root.obj


def connect_options(url: str | None, values: dict[str, Any]) -> ConnectOptions:
    """ConnectOptions from the shared connection options (``url`` None: the built-in echo
    server's).

    Raises:
        UsageError: a bad URL, header, size, auth or proxy combination.
    """
    if url is not None:
        parse_url(url)
    if values["proxy"] and values["no_proxy"]:
        raise UsageError("--proxy and --no-proxy contradict each other", "give one of them")
    proxy = "" if values["no_proxy"] else values["proxy"]
    origin = values["origin"]
    if origin is not None:  # checked as -H is: the server refuses a control character
        origin = parse_header(f"Origin: {origin}")[1]
    return ConnectOptions(
        url=url,
        subprotocols=tuple(values["subprotocols"]),
        headers=tuple(parse_header(header) for header in values["headers"]),
        origin=origin,
        auth=parse_auth(values["auth"]) if values["auth"] is not None else None,
        ca=values["ca"],
        cert=values["cert"],
        key=values["key"],
        insecure=values["insecure"],
        proxy=proxy,
        compression=values["compression"],
        max_size=parse_size(values["max_size"]),
        open_timeout=values["open_timeout"] or None,
        ping_interval=values["ping_interval"] or None,
        ping_timeout=values["ping_timeout"] or None,
        unix_socket=values["unix_socket"],
        keylog=current_env().environ.get("SSLKEYLOGFILE") or None,
        cookies=tuple(parse_cookie(cookie) for cookie in values["cookies"]),
        cookie_jar=values["cookie_jar"],
    )


def output_settings(values: dict[str, Any]) -> OutputOptions:
    """OutputOptions from the shared output options."""
    return OutputOptions(
        binary_as=values["binary_as"],
        jsonl=values["jsonl"],
        timestamps=values["timestamps"],
        show_ping_pong=values["show_ping_pong"],
        verbose=values["verbose"],
        quiet=values["quiet"],
        color=values["color"],
        debug=values["debug"],
        pretty=values["pretty"],
    )


def wait_rules(values: dict[str, Any]) -> WaitRules:
    """WaitRules from the wait options.

    Raises:
        UsageError: --until is not a valid regular expression, or --expect-close not a code.
    """
    until = values["until"]
    if until is not None:
        checked_regex(until, "--until")
    until_json = values["until_json"]
    if until_json is not None:
        checked_json_pattern(until_json, "--until-json")
    expect = values["expect_close"]
    return WaitRules(
        count=values["count"],
        until=until,
        until_json=until_json,
        idle=values["idle"],
        timeout=values["timeout"],
        keep_open=values["keep_open"],
        expect_close=parse_expected_code(expect) if expect is not None else None,
    )


def checked_regex(text: str, option: str) -> str:
    """``text``, a valid Python regular expression.

    Raises:
        UsageError: it does not compile (the error says why).
    """
    try:
        re.compile(text)
    except re.error as exc:
        raise UsageError(
            f"{option} {text!r} is not a valid regular expression: {exc}",
            "use Python regular expression syntax",
        ) from None
    return text


def checked_json_pattern(text: str, option: str) -> str:
    """``text``, a JSON object or array (a pattern, as scripts match them).

    Raises:
        UsageError: it is not.
    """
    import json

    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # (RecursionError: nested too deep)
        document = exc
    if not isinstance(document, dict | list):
        raise UsageError(
            f"{option} {text!r} is not a JSON object or array",
            f"""e.g. {option} '{{"type": "ready"}}'""",
        )
    return text
