"""Matching received messages against a script's expectations, and filling in names. Pure.

- Text that parses as a JSON object or array is a *pattern*: the message must be JSON;
  every key of a pattern object must be present with a matching value (other keys are
  allowed); arrays match element by element with the same length; numbers, strings,
  booleans and null match by equality; a string that is exactly ``"{{name}}"`` matches
  any value and captures it (or, once captured, must equal it).
- ``/REGEX/`` (``/.../i``: ignoring case) is searched in the text; its named groups
  capture.
- Anything else must equal the whole message; ``<hex``/``<base64`` a binary message;
  ``<quoted "..."`` the text the JSON string holds.

``{{name}}`` elsewhere is replaced by its value: JSON-encoded inside JSON, plain text
elsewhere (a regex gets it escaped).
"""

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from wscli.errors import UsageError
from wscli.script.syntax import NAME, Script, ScriptError, Step, names_in

__all__ = [
    "Outcome",
    "captures_of",
    "check_names",
    "expect",
    "fill",
    "needed_names",
    "payload_of",
    "quoted_text",
]

_WHOLE = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_.-]*)\}\}")
_REGEX = re.compile(r"^/(.*)/(i?)$", re.DOTALL)
_MISSING = object()


class Outcome(NamedTuple):
    """Whether a message met an expectation; what it captured; if not, why (one line)."""

    ok: bool
    captured: dict[str, Any]
    difference: str = ""


#: The outcome of a match that captured nothing (shared: treat it as read-only).
_MATCHED = Outcome(True, {})


def _json_pattern(arg: str) -> Any:
    """The JSON object or array ``arg`` holds, or _MISSING."""
    if not arg.lstrip().startswith(("{", "[")):
        return _MISSING
    try:
        return json.loads(arg)
    except (ValueError, RecursionError):  # (RecursionError: nested too deep)
        return _MISSING


def captures_of(step: Step, captured: set[str]) -> set[str]:
    """The names an expectation captures (those not ``captured`` already)."""
    arg = step.arg
    if step.form != "text" or ("{{" not in arg and "(?P<" not in arg):
        return set()
    pattern = _json_pattern(arg)
    if pattern is not _MISSING:
        found: set[str] = set()
        _whole_strings(pattern, found)
        return found - captured
    regex = _REGEX.match(arg)
    if regex is not None:
        return set(re.findall(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>", regex.group(1))) - captured
    return set()


def _whole_strings(pattern: Any, found: set[str]) -> None:
    if isinstance(pattern, str):
        match = _WHOLE.fullmatch(pattern)
        if match is not None:
            found.add(match.group(1))
    elif isinstance(pattern, dict):
        for value in pattern.values():
            _whole_strings(value, found)
    elif isinstance(pattern, list):
        for value in pattern:
            _whole_strings(value, found)


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def fill(arg: str, values: Mapping[str, Any]) -> str:
    """``arg`` with its names replaced: inside JSON, ``"{{name}}"`` becomes the value's
    JSON and other ``{{name}}`` its escaped text; elsewhere the plain text."""
    if "{{" not in arg:
        return arg
    if _json_pattern(arg) is not _MISSING:
        whole = re.sub(
            r'"\{\{([A-Za-z_][A-Za-z0-9_.-]*)\}\}"', lambda m: json.dumps(values[m.group(1)]), arg
        )
        return NAME.sub(lambda m: json.dumps(_plain(values[m.group(1)]))[1:-1], whole)
    return NAME.sub(lambda m: _plain(values[m.group(1)]), arg)


def payload_of(step: Step, values: Mapping[str, Any], read_file: Any = None) -> str | bytes:
    """What a send step sends (``read_file(path)`` reads ``>file``).

    Raises:
        UsageError: hex or base64 that its names' values made invalid, or a file that
            cannot be read.
    """
    if step.form == "quoted":
        return quoted_text(step.arg, values)
    arg = fill(step.arg, values)
    try:
        if step.form == "hex":
            return bytes.fromhex(arg)
        if step.form == "base64":
            return base64.b64decode(arg, validate=True)
    except (ValueError, binascii.Error):  # the parser checked it without its names
        raise UsageError(
            f"line {step.line}: not valid {step.form}: {_cut(repr(arg))}", "check the values given"
        ) from None
    if step.form == "file":
        try:
            return bytes(read_file(arg))
        except OSError as exc:
            raise UsageError(f"line {step.line}: cannot read {arg}: {exc.strerror}") from None
    return arg


def quoted_text(arg: str, values: Mapping[str, Any]) -> str:
    """The text of a ``quoted`` step: its names filled in JSON-escaped, then the JSON
    string decoded (so ``{\\u007b`` stands for a literal ``{{``)."""
    filled = NAME.sub(lambda m: json.dumps(_plain(values[m.group(1)]))[1:-1], arg)
    text = json.loads(filled)
    assert isinstance(text, str)  # checked by the parser
    return text


def expect(step: Step, message: str | bytes, values: Mapping[str, Any]) -> Outcome:
    """Match ``message`` against an expect or skip-to step, with ``values`` known."""
    arg = step.arg
    if message == arg and step.form == "text" and arg[:1] not in "{[/ \t" and "{{" not in arg:
        return _MATCHED  # the common case: plain text, the same
    if step.form in ("hex", "base64"):
        try:
            wanted = payload_of(step, values)
        except UsageError as error:
            return Outcome(False, {}, error.message)
        if isinstance(message, bytes) and message == wanted:
            return Outcome(True, {})
        return Outcome(False, {}, f"expected binary {_show(wanted)}, got {_show(message)}")
    if isinstance(message, bytes):
        return Outcome(False, {}, f"expected a text message, got binary {_show(message)}")
    if step.form == "quoted":
        wanted_text = quoted_text(step.arg, values)
        if message == wanted_text:
            return Outcome(True, {})
        return Outcome(False, {}, f"expected {_show(wanted_text)}, got {_show(message)}")
    pattern = _json_pattern(step.arg)
    if pattern is not _MISSING:
        try:
            document = json.loads(message)
        except (ValueError, RecursionError):  # (RecursionError: nested too deep)
            return Outcome(False, {}, f"expected JSON, got {_show(message)}")
        captured: dict[str, Any] = {}
        difference = _compare(pattern, document, "$", values, captured)
        return Outcome(difference is None, captured if difference is None else {}, difference or "")
    regex = _REGEX.match(step.arg)
    if regex is not None:
        source = NAME.sub(lambda m: re.escape(_plain(values[m.group(1)])), regex.group(1))
        found = re.search(source, message, re.IGNORECASE if regex.group(2) else 0)
        if found is None:
            return Outcome(False, {}, f"expected a match of {step.arg}, got {_show(message)}")
        return Outcome(True, {k: v for k, v in found.groupdict().items() if v is not None})
    wanted_text = fill(step.arg, values)
    if message == wanted_text:
        return _MATCHED
    return Outcome(False, {}, f"expected {_show(wanted_text)}, got {_show(message)}")


def _compare(
    pattern: Any, value: Any, path: str, values: Mapping[str, Any], captured: dict[str, Any]
) -> str | None:
    """None when ``value`` matches ``pattern``, else where and how it differs first."""
    if isinstance(pattern, str):
        whole = _WHOLE.fullmatch(pattern)
        if whole is not None:
            name = whole.group(1)
            if name in values:
                pattern = values[name]
            elif name in captured:
                pattern = captured[name]
            else:
                captured[name] = value
                return None
        else:
            pattern = fill(pattern, values) if "{{" in pattern else pattern
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return f"{path}: expected an object, got {_show_json(value)}"
        for key, wanted in pattern.items():
            if key not in value:
                return f"{path}.{key}: missing"
            difference = _compare(wanted, value[key], f"{path}.{key}", values, captured)
            if difference is not None:
                return difference
        return None
    if isinstance(pattern, list):
        if not isinstance(value, list) or len(value) != len(pattern):
            return f"{path}: expected {_show_json(pattern)}, got {_show_json(value)}"
        for index, (wanted, got) in enumerate(zip(pattern, value, strict=True)):
            difference = _compare(wanted, got, f"{path}[{index}]", values, captured)
            if difference is not None:
                return difference
        return None
    same_kind = isinstance(pattern, bool) == isinstance(value, bool)
    if same_kind and pattern == value and (pattern is None) == (value is None):
        return None
    return f"{path}: expected {_show_json(pattern)}, got {_show_json(value)}"


def _show_json(value: Any) -> str:
    return _cut(json.dumps(value, ensure_ascii=False))


def _show(message: str | bytes) -> str:
    if isinstance(message, bytes):
        return _cut(message.hex()) + " (hex)"
    return _cut(json.dumps(message, ensure_ascii=False))


def _cut(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_names(script: Script, known: Mapping[str, str], *, side: str = "client") -> None:
    """Every ``{{name}}`` is captured by an earlier expectation, or in ``known`` (--var
    and the environment); raise ScriptError naming the first line where one is not.

    ``side``: ``client`` (``wscli run``: ``<`` lines capture) or ``server`` (``listen
    --script``: ``>`` lines capture, and what ``<`` lines send must be known)."""
    for name, number in _uncaptured(script, side):
        if name not in known:
            hint = f"capture it with a pattern, or pass --var {name}=VALUE"
            if side == "server":
                hint = f"the server sends it here: pass --var {name}=VALUE"
            raise ScriptError(
                script.path,
                number,
                f"{{{{{name}}}}} is not captured before this line, nor given",
                hint,
            )


def needed_names(script: Script, side: str = "client") -> list[str]:
    """The names a script uses that it does not capture first (what --var must give),
    in order of first use."""
    return list(dict.fromkeys(name for name, _ in _uncaptured(script, side)))


def _uncaptured(script: Script, side: str) -> Iterator[tuple[str, int]]:
    """Each use of a name that no earlier expectation captures: ``(name, line)``."""
    server = side == "server"
    if not server:
        for _name, value, number in script.options:
            yield from ((name, number) for name in names_in(value))
        if script.url is not None:
            yield from ((name, 0) for name in names_in(script.url))
    captured: set[str] = set()
    expectations = ("send",) if server else ("expect", "skip-to")
    for step in script.steps:
        if server and step.kind != "send" and step.form == "text" and _REGEX.match(step.arg):
            raise ScriptError(
                script.path,
                step.line,
                f"listen --script cannot send a /regex/: {step.arg}",
                "write the message itself (a JSON pattern is sent with its names filled)",
            )
        new = captures_of(step, captured) if step.kind in expectations else set()
        for name in names_in(step.arg + (step.reason or "")):
            if name not in new and name not in captured:
                yield name, step.line
        captured |= new
