"""``connect`` and ``send``'s options for long-running streams (--reply, --every,
--filter, --ignore and their JSON forms) and for the protocols spoken over WebSocket
(--dialect)."""

import json
import re
from typing import TYPE_CHECKING, Any

import click

from wscli.cli.shared_options import (
    _SECONDS,
    _apply,
    checked_json_pattern,
    checked_regex,
    option,
)
from wscli.errors import UsageError
from wscli.options import DIALECT_NAMES, ConnectOptions, StreamRules
from wscli.protocol.target import parse_auth

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect

__all__ = [
    "dialect_of",
    "dialect_options",
    "offered_by",
    "pass_env_option",
    "reconnect_options",
    "stream_options",
    "stream_rules",
]

stream_options = _apply(
    [
        option(
            "--reply",
            "replies",
            multiple=True,
            metavar="'PATTERN=>MESSAGE'",
            help="Answer each received message that matches PATTERN (a regex, or a JSON"
            " pattern as in scripts) with MESSAGE at once; MESSAGE may use the names"
            " PATTERN captures, {{name}} (repeatable): application heartbeats.",
        ),
        option(
            "--every",
            "every",
            multiple=True,
            nargs=2,
            type=(_SECONDS, str),
            metavar="SECONDS MESSAGE",
            help="Send MESSAGE every SECONDS while the connection is open (repeatable).",
        ),
        option(
            "--filter",
            "filters",
            multiple=True,
            metavar="REGEX",
            help="Only received messages that match reach stdout (and the counts, --until);"
            ' repeatable: any of them. --jsonl marks the others "filtered": true.',
        ),
        option(
            "--ignore",
            "ignores",
            multiple=True,
            metavar="REGEX",
            help="Received messages that match do not reach stdout, the counts or --until"
            " (repeatable).",
        ),
        option(
            "--filter-json",
            "filters_json",
            multiple=True,
            metavar="PATTERN",
            help="As --filter, with a JSON pattern (as --until-json).",
        ),
        option(
            "--ignore-json",
            "ignores_json",
            multiple=True,
            metavar="PATTERN",
            help="As --ignore, with a JSON pattern (as --until-json).",
        ),
    ]
)


def stream_rules(values: dict[str, Any]) -> StreamRules:
    """StreamRules from the stream options.

    Raises:
        UsageError: a bad regex or JSON pattern, a --reply without =>, or a name in a
            reply that its pattern does not capture.
    """
    from wscli.script.streams import reply_rule

    replies = []
    for text in values["replies"]:
        pattern, arrow, message = text.partition("=>")
        if not arrow:
            raise UsageError(f"--reply {text!r} has no =>", "e.g. --reply '^ping$=>pong'")
        replies.append(reply_rule(_pattern(pattern, "--reply"), message))
    return StreamRules(
        replies=tuple(replies),
        every=tuple((seconds, message) for seconds, message in values["every"]),
        filters=tuple(_pattern(p, "--filter") for p in values["filters"])
        + tuple(checked_json_pattern(p, "--filter-json") for p in values["filters_json"]),
        ignores=tuple(_pattern(p, "--ignore") for p in values["ignores"])
        + tuple(checked_json_pattern(p, "--ignore-json") for p in values["ignores_json"]),
    )


def _pattern(text: str, option: str) -> str:
    """A regex as a script pattern (``/REGEX/``), or a JSON pattern as it is."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return checked_json_pattern(stripped, option)
    return f"/{checked_regex(text, option)}/"


dialect_options = _apply(
    [
        option(
            "--dialect",
            type=click.Choice(DIALECT_NAMES),
            help="Speak this protocol over the WebSocket: wscli does its opening and its"
            " heartbeats; you send and read application messages (see README, Dialects).",
        ),
        option(
            "--init-payload",
            metavar="JSON",
            help="graphql: the payload of connection_init.",
        ),
        option(
            "--namespace",
            default="/",
            show_default=True,
            metavar="NS",
            help="socketio: the namespace to join.",
        ),
        option("--auth-json", metavar="JSON", help="socketio: the namespace's connect payload."),
        option(
            "--socketio-path",
            default="/socket.io/",
            show_default=True,
            metavar="PATH",
            help="socketio: the Engine.IO path, when the URL does not give one.",
        ),
        option("--ack", is_flag=True, help="socketio: ask for an acknowledgement of each emit."),
        option(
            "--heart-beat",
            default="10000,10000",
            show_default=True,
            metavar="CX,CY",
            help="stomp: the heart-beats offered, in ms: CX to send, CY to receive.",
        ),
    ]
)


def dialect_of(values: dict[str, Any], url: str | None) -> "tuple[Dialect | None, str | None]":
    """The dialect asked for (None: none), and the URL to connect to (socketio: the
    Engine.IO endpoint under an http(s):// or ws(s):// base).

    Raises:
        UsageError: a payload that is not JSON, or a dialect option without --dialect.
    """
    name = values["dialect"]
    if name is None:
        given = [o for o in ("init_payload", "auth_json") if values[o] is not None]
        if values["ack"]:
            given.append("ack")
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise UsageError(f"{flag} needs --dialect", "e.g. --dialect graphql")
        return None, url
    for key in ("init_payload", "auth_json"):
        if values[key] is not None:
            try:
                json.loads(values[key])
            except (ValueError, RecursionError) as exc:  # (RecursionError: nested too deep)
                flag = "--" + key.replace("_", "-")
                hint = """e.g. '{"token": "abc"}'"""
                raise UsageError(f"{flag} is not JSON: {exc}", hint) from None
    from wscli.dialect.base import DialectSettings
    from wscli.dialect.registry import make_dialect

    dialect = make_dialect(
        DialectSettings(
            name=name,
            init_payload=values["init_payload"],
            namespace=values["namespace"],
            auth_json=values["auth_json"],
            socketio_path=values["socketio_path"],
            ack=values["ack"],
            heart_beat=_heart_beat(values["heart_beat"]),
            login=parse_auth(values["auth"]) if values.get("auth") else None,
        )
    )
    return dialect, dialect.url(url) if url is not None else None


def offered_by(dialect: "Dialect | None", options: ConnectOptions) -> ConnectOptions:
    """``options`` with the dialect's subprotocols offered first."""
    if dialect is None or not dialect.subprotocols:
        return options
    own = dialect.subprotocols
    offered = (*own, *(name for name in options.subprotocols if name not in own))
    return options._replace(subprotocols=offered)


def _heart_beat(text: str) -> str:
    if not re.fullmatch(r"\d+,\d+", text.strip()):
        raise UsageError(f"--heart-beat {text!r} is not CX,CY", "milliseconds, e.g. 10000,10000")
    return text.strip()


reconnect_options = _apply(
    [
        option(
            "--reconnect",
            is_flag=True,
            help="When the connection closes or drops too early, connect again (exponential"
            " backoff with jitter; -x messages, send's MESSAGE arguments and the dialect's"
            " opening are sent again). In a pipe, lines read meanwhile are queued, never"
            " dropped (stdin waits once 1 MiB is queued). Never after a TLS failure or an"
            " HTTP 4xx.",
        ),
        option(
            "--reconnect-max",
            type=click.IntRange(min=1),
            metavar="N",
            help="With --reconnect (not at the prompt): give up after N failed attempts in"
            " a row (the exit status is the last failure's).",
        ),
    ]
)


#: ``--pass-env`` of both ``--exec``s (connect's and listen's).
pass_env_option = option(
    "--pass-env",
    "pass_env",
    multiple=True,
    metavar="NAME",
    help="Give --exec's program this variable of wscli's environment too (repeatable). It"
    " gets only PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR and TERM"
    " otherwise, plus the connection's variables.",
)
