"""The ``.wscli`` script format: settings, then one step a line. Pure.

::

    # comments and blank lines are ignored
    url ws://127.0.0.1:4000/graphql     settings first: url, timeout, ignore, and any
    subprotocol graphql-transport-ws    connect option by its long name
    timeout 5
    ignore /"type":"ka"/
    pipeline yes                        send ahead of the replies (see Script.pipeline)
    > {"type":"connection_init"}        send text (the rest of the line)
    >hex 00ff41                         send binary (also >base64, >file PATH)
    >quoted "two\\nlines"                text as a JSON string: exact, any character
    < {"type":"connection_ack"}         expect the next message
    <~ /"type":"complete"/              skip other messages until one matches
    <hex 00ff41                         expect a binary message (also <base64)
    ping hello                          send a ping, expect its pong
    sleep 0.2
    close 4000 done                     close, expect the answer
    expect-close 4001 [reason]          or: wait for the server to close so

:func:`parse_script` reads one file's text; names (``{{name}}``) are checked by
:func:`wscli.script.match.check_names` once ``--var`` and the environment are known.
"""

import base64
import binascii
import json
import re
from typing import NamedTuple

from wscli.errors import UsageError
from wscli.protocol.codes import parse_expected_code, validate_close

__all__ = ["NAME", "Script", "ScriptError", "Step", "names_in", "parse_script"]

#: ``{{name}}``: a captured value, a --var, or an environment variable.
NAME = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_.-]*)\}\}")
_STEP = re.compile(r"^(>|<~|<)(hex|base64|file|quoted)?(?: (.*))?$")
_REGEX = re.compile(r"^/(.*)/(i?)$", re.DOTALL)
_KINDS = {">": "send", "<": "expect", "<~": "skip-to"}


class ScriptError(UsageError):
    """A script that does not parse, or names nothing: file, line, what is wrong."""

    def __init__(self, path: str, line: int, problem: str, hint: str | None = None) -> None:
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}", hint)


class Step(NamedTuple):
    """One line of the script after the settings."""

    line: int
    source: str  # the line as written
    kind: str  # send, expect, skip-to, ping, sleep, close, expect-close
    form: str = "text"  # text, hex, base64 or file (send, expect)
    arg: str = ""  # the message, pattern or payload (with its {{names}})
    code: int | None = None
    reason: str | None = None
    seconds: float = 0.0


class Script(NamedTuple):
    path: str
    url: str | None
    timeout: float
    #: Received messages that match one of these are skipped by every expectation.
    ignore: tuple[re.Pattern[str], ...]
    #: Connect options by long name, in order: (name, value, line).
    options: tuple[tuple[str, str, int], ...]
    steps: tuple[Step, ...]
    #: Send without waiting for the expectations before (unless a send needs a name
    #: one of them captures); ``pipeline yes``.
    pipeline: bool = False


def parse_script(text: str, path: str) -> Script:
    """Read a script. Raises ScriptError (file, line, problem) on the first bad line."""
    url: str | None = None
    timeout = 10.0
    ignore: list[re.Pattern[str]] = []
    options: list[tuple[str, str, int]] = []
    steps: list[Step] = []
    pipeline = False
    for number, line in enumerate(text.splitlines(), start=1):
        mark = line[:2]  # the common case, kept fast: "> text", "< text"
        if mark == "> ":
            steps.append(Step(number, line, "send", "text", line[2:]))
            continue
        if mark == "< " and line[2:3] != "/":  # (a /regex/ is checked below)
            steps.append(Step(number, line, "expect", "text", line[2:]))
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        step = _step(line, number, path)
        if step is not None:
            steps.append(step)
            continue
        name, _, value = line.strip().partition(" ")
        value = value.strip()
        if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            raise ScriptError(
                path, number, f"not a step or a setting: {line.strip()!r}", _STEPS_HINT
            )
        if steps:
            raise ScriptError(path, number, f"{name!r} after the first step", _STEPS_HINT)
        if not value:
            raise ScriptError(path, number, f"{name!r} needs a value", _STEPS_HINT)
        if name == "url":
            url = value
        elif name == "timeout":
            timeout = _seconds(value, path, number)
        elif name == "ignore":
            ignore.append(_regex(value, path, number, needed=True))  # type: ignore[arg-type]
        elif name == "pipeline":
            if value.lower() not in ("yes", "no"):
                raise ScriptError(path, number, f"pipeline: not yes or no: {value!r}", None)
            pipeline = value.lower() == "yes"
        else:
            options.append((name, value, number))
    return Script(path, url, timeout, tuple(ignore), tuple(options), tuple(steps), pipeline)


_STEPS_HINT = (
    "settings (url, timeout, ignore, pipeline, connect options) come first, then steps: >, <, <~, "
    "ping, sleep, close, expect-close"
)


def _step(line: str, number: int, path: str) -> Step | None:
    """The step on ``line``, or None for a setting."""
    match = _STEP.match(line)
    if match is not None:
        mark, form, arg = match.group(1), match.group(2) or "text", match.group(3) or ""
        kind = _KINDS[mark]
        if form == "file" and kind != "send":
            raise ScriptError(path, number, f"{mark}file: only a send reads a file", _STEPS_HINT)
        if kind == "skip-to" and form not in ("text", "quoted"):
            raise ScriptError(path, number, f"<~{form}: <~ takes a pattern", _STEPS_HINT)
        if "{{" not in arg or form == "quoted":
            _check_payload(form, arg, path, number)
        if form == "text" and kind != "send":
            _regex(arg, path, number, needed=False)
        return Step(number, line, kind, form, arg)
    word, _, rest = line.strip().partition(" ")
    rest = rest.strip()
    if word == "ping":
        return Step(number, line, "ping", arg=rest)
    if word == "sleep":
        return Step(number, line, "sleep", seconds=_seconds(rest, path, number))
    if word in ("close", "expect-close"):
        return _close_step(word, rest, line, number, path)
    return None


def _close_step(word: str, rest: str, line: str, number: int, path: str) -> Step:
    code_text, _, reason = rest.partition(" ")
    if not code_text:
        if word == "expect-close":
            raise ScriptError(path, number, "expect-close needs a close code", "expect-close 4001")
        return Step(number, line, word, code=1000, reason="")
    try:
        code = int(code_text)
    except ValueError:
        raise ScriptError(
            path, number, f"not a close code: {code_text!r}", "e.g. close 4000 done"
        ) from None
    try:
        if word == "close":
            validate_close(code, reason)
        else:
            parse_expected_code(code_text)  # 1005 and 1006 too: a close may be reported so
    except UsageError as error:
        raise ScriptError(path, number, error.message, error.hint) from None
    return Step(number, line, word, code=code, reason=reason if reason or word == "close" else None)


def _seconds(value: str, path: str, number: int) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):  # (sleep inf, or 400 digits, slept for ever)
        raise ScriptError(path, number, f"not a number of seconds: {value!r}", "e.g. 0.5")
    return seconds


def _regex(value: str, path: str, number: int, *, needed: bool) -> re.Pattern[str] | None:
    match = _REGEX.match(value)
    if match is None:
        if needed:
            raise ScriptError(
                path, number, f"not a /regex/: {value!r}", 'e.g. ignore /"type":"ka"/'
            )
        return None
    try:
        return re.compile(match.group(1), re.IGNORECASE if match.group(2) else 0)
    except re.error as error:
        raise ScriptError(path, number, f"bad regex {value}: {error}", "Python re syntax") from None


def _check_payload(form: str, arg: str, path: str, number: int) -> None:
    try:
        if form == "hex":
            bytes.fromhex(arg)
        elif form == "base64":
            base64.b64decode(arg, validate=True)
        elif form == "quoted" and not isinstance(json.loads(NAME.sub("", arg)), str):
            raise ValueError(arg)
    except (ValueError, binascii.Error, RecursionError):  # (nested too deep)
        hint = '>quoted "line one\\nline two" (a JSON string)' if form == "quoted" else None
        raise ScriptError(path, number, f"not valid {form}: {arg!r}", hint) from None
    if form == "file" and not arg:
        raise ScriptError(path, number, ">file needs a path", ">file payload.bin")


def names_in(text: str) -> list[str]:
    """The ``{{names}}`` in ``text``, in order."""
    return NAME.findall(text) if "{{" in text else []
