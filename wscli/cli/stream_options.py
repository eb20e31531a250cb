"""``connect`` and ``send``'s options for long-running streams: --reply, --every,
--filter, --ignore (and their JSON forms)."""

import re
from typing import Any

from wscli.cli.shared_options import _SECONDS, _apply, option
from wscli.errors import UsageError
from wscli.options import StreamRules

__all__ = ["stream_options", "stream_rules"]

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
        + tuple(_json_pattern(p, "--filter-json") for p in values["filters_json"]),
        ignores=tuple(_pattern(p, "--ignore") for p in values["ignores"])
        + tuple(_json_pattern(p, "--ignore-json") for p in values["ignores_json"]),
    )


def _pattern(text: str, option: str) -> str:
    """A regex as a script pattern (``/REGEX/``), or a JSON pattern as it is."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return _json_pattern(stripped, option)
    try:
        re.compile(text)
    except re.error as exc:
        raise UsageError(
            f"{option} {text!r} is not a valid regular expression: {exc}",
            "use Python regular expression syntax",
        ) from None
    return f"/{text}/"


def _json_pattern(text: str, option: str) -> str:
    import json

    try:
        document = json.loads(text)
    except ValueError as exc:
        document = exc
    if not isinstance(document, dict | list):
        raise UsageError(
            f"{option} {text!r} is not a JSON object or array",
            """e.g. '{"type": "ping"}'""",
        )
    return text
