"""The arguments of the prompt's commands for streams and dialects: /filter, /ignore,
/filters, /emit, /stop. Pure."""

import json
import re

from wscli.errors import UsageError
from wscli.render import escape
from wscli.repl import inputs as i

__all__ = [
    "emit_arguments",
    "filter_arguments",
    "filters_arguments",
    "stop_arguments",
    "text_message",
]

_EMIT_USAGE = 'usage: /emit EVENT [JSON...], e.g. /emit chat "hi"'


def text_message(text: str) -> i.SendText:
    """``text`` to send as a text message, which must be UTF-8: a line typed at a prompt
    holds lone surrogates for the bytes that were not (prompt_toolkit's surrogateescape).

    Raises:
        UsageError: it is not.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            "the line is not valid UTF-8 text", "check the terminal's encoding; /binary sends bytes"
        ) from None
    return i.SendText(text)


def filter_arguments(name: str, rest: str) -> i.Input:
    text = rest.strip()
    usage = f"usage: {name} REGEX, or {name} JSON-PATTERN"
    if not text:
        raise UsageError(f"{name} needs a pattern", usage)
    if text.startswith(("{", "[")):
        import json

        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise UsageError(f"{name}: not a JSON pattern: {exc}", usage) from None
        return i.AddFilter(name[1:], text)
    try:
        re.compile(text)
    except re.error as exc:
        raise UsageError(f"{name}: not a regular expression: {exc}", usage) from None
    return i.AddFilter(name[1:], f"/{text}/")


def emit_arguments(name: str, rest: str) -> i.Input:
    """/emit EVENT [JSON...]: the Socket.IO emit ``["EVENT", JSON...]`` as a text line."""
    event, _, text = rest.strip().partition(" ")
    if not event:
        raise UsageError(
            "/emit needs an event name", 'usage: /emit EVENT [JSON...], e.g. /emit chat "hi"'
        )
    decoder, args, text = json.JSONDecoder(), [], text.strip()
    while text:
        try:
            value, end = decoder.raw_decode(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise UsageError(f"/emit: not JSON: {exc}", "each argument is a JSON value") from None
        args.append(value)
        text = text[end:].lstrip()
    return text_message(json.dumps([event, *args], ensure_ascii=False, separators=(",", ":")))


def stop_arguments(name: str, rest: str) -> i.Input:
    if not rest.strip():
        raise UsageError("/stop needs an operation id", "usage: /stop ID (1 is the first)")
    return i.StopOperation(rest.strip())


def filters_arguments(name: str, rest: str) -> i.Input:
    word = rest.strip().lower()
    if word not in ("", "clear"):
        raise UsageError(
            f"{name}: {escape(word, keep_newlines=False)!r}?", "usage: /filters [clear]"
        )
    return i.ShowFilters(clear=word == "clear")
