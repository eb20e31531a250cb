"""The config file: ``$XDG_CONFIG_HOME/wscli/config.toml``. Pure (standard library only).

::

    [defaults]                 # any option of any command, by its long name
    color = "always"
    ping-interval = 30

    [profiles.prod]            # wscli connect @prod, wscli send @prod MSG
    url = "wss://api.example.com/ws"
    header = ["X-Env: prod"]
    subprotocol = ["v2.chat"]
    origin = "https://example.com"
    auth-env = "PROD_WS_AUTH"  # USER:PASS, read from this environment variable
    ca = "~/certs/ca.pem"
    messages = ['{"op": "hello"}']

The command line overrides the profile, which overrides ``[defaults]``. Credentials are
never stored in the file: ``auth-env`` names the environment variable that holds them.
"""

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from wscli.errors import UsageError

__all__ = [
    "PROFILE_KEYS",
    "Config",
    "OptionSpec",
    "Profile",
    "config_path",
    "load_config",
]

#: Keys of a profile that are not options: what they mean.
PROFILE_KEYS = {
    "url": "the URL `@NAME` stands for",
    "auth-env": "the environment variable holding USER:PASS for --auth",
    "messages": "messages sent right after the handshake (connect -x, send's first MESSAGEs)",
}


class OptionSpec(NamedTuple):
    """What a config key may hold: ``kind`` is "str", "int", "float", "bool" or "list"."""

    name: str  # the command's parameter name
    kind: str
    choices: tuple[str, ...] = ()


class Profile(NamedTuple):
    name: str
    url: str | None
    auth_env: str | None
    messages: tuple[str, ...]
    #: Option long name (dashes) -> value, as given.
    options: dict[str, Any]


class Config(NamedTuple):
    path: Path | None
    defaults: dict[str, Any]
    profiles: dict[str, Profile]


def config_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/wscli/config.toml`` (default ``~/.config/wscli/config.toml``);
    ``WSCLI_CONFIG`` names another file."""
    if environ.get("WSCLI_CONFIG"):
        return Path(environ["WSCLI_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(
        environ.get("HOME", os.path.expanduser("~")), ".config"
    )
    return Path(base) / "wscli" / "config.toml"


def load_config(path: Path, options: Mapping[str, OptionSpec]) -> Config:
    """Read and check the file at ``path`` (a missing file is an empty config).

    ``options`` maps each option's long name (with dashes) to what it may hold.

    Raises:
        UsageError: the file is not valid TOML, or a key or value is wrong; the message
            names the file, the line and what is wrong.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(None, {}, {})
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}", "fix or remove the config file") from None
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long for Python
        raise UsageError(f"{path}: {exc}", "fix the TOML syntax (https://toml.io)") from None
    except RecursionError:
        raise UsageError(f"{path}: arrays or tables nested too deep", "flatten them") from None
    checker = _Checker(path, text, options)
    for key in data:
        if key not in ("defaults", "profiles"):
            checker.fail(key, None, f"unknown table [{key}]", "use [defaults] and [profiles.NAME]")
    defaults = checker.options(checker.table(data.get("defaults", {}), "defaults"), "defaults")
    profiles: dict[str, Profile] = {}
    for name, table in checker.table(data.get("profiles", {}), "profiles").items():
        where = f"profiles.{name}"
        table = checker.table(table, where)
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            checker.fail(name, where, f"profile name {name!r}", "use letters, digits, - _ .")
        plain = {key.replace("_", "-"): value for key, value in table.items()}
        url = checker.string(plain.pop("url", None), "url", where)
        auth_env = checker.string(plain.pop("auth-env", None), "auth-env", where)
        messages = plain.pop("messages", [])
        if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
            checker.fail(
                "messages", where, "messages must be a list of strings", 'messages = ["hi"]'
            )
        profiles[name] = Profile(
            name, url, auth_env, tuple(messages), checker.options(plain, where)
        )
    return Config(path, defaults, profiles)


class _Checker:
    def __init__(self, path: Path, text: str, options: Mapping[str, OptionSpec]) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.known = options

    def fail(self, key: str, table: str | None, problem: str, hint: str) -> None:
        raise UsageError(f"{self.path}:{self._line(key, table)}: {problem}", hint)

    def _line(self, key: str, table: str | None) -> int:
        """The line where ``key`` is set in ``[table]`` (best effort: 1 if not found)."""
        start = 0
        if table is not None:
            header = re.compile(
                r"\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]"
            )
            for number, line in enumerate(self.lines):
                if header.match(line):
                    start = number
                    break
        pattern = re.compile(r"\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.\]]")
        for number in range(start, len(self.lines)):
            if pattern.match(self.lines[number]) or (
                table is None and f"[{key}" in self.lines[number]
            ):
                return number + 1
        return start + 1

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where.split(".")[-1], None, f"{where} must be a table", f"write [{where}]")
        return value  # type: ignore[no-any-return]

    def string(self, value: Any, key: str, where: str) -> str | None:
        if value is not None and not isinstance(value, str):
            self.fail(key, where, f"[{where}] {key} must be a string", f'{key} = "..."')
        return value  # type: ignore[no-any-return]

    def options(self, table: dict[str, Any], where: str) -> dict[str, Any]:
        """Check option keys and values; return them by long name (dashes)."""
        checked: dict[str, Any] = {}
        for raw_key, value in table.items():
            key = raw_key.replace("_", "-")
            spec = self.known.get(key)
            if spec is None:
                close = difflib.get_close_matches(key, list(self.known), n=1)
                hint = f"did you mean {close[0]}?" if close else "see wscli COMMAND --help"
                self.fail(raw_key, where, f"[{where}] unknown option {raw_key!r}", hint)
                continue
            checked[key] = self._value(raw_key, value, spec, where)
        return checked

    def _value(self, key: str, value: Any, spec: OptionSpec, where: str) -> Any:
        kind = spec.kind
        fine = {
            "str": isinstance(value, str | int | float) and not isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, int | float) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "list": isinstance(value, list) and all(isinstance(v, str) for v in value),
        }[kind]
        if kind == "list" and isinstance(value, str):
            value, fine = [value], True
        if not fine:
            wanted = {
                "str": "a string",
                "int": "an integer",
                "float": "a number",
                "bool": "true or false",
                "list": "a list of strings",
            }[kind]
            self.fail(key, where, f"[{where}] {key} must be {wanted}", f"got {value!r}")
        if spec.choices and str(value) not in spec.choices:
            self.fail(
                key,
                where,
                f"[{where}] {key}: {value!r} is not one of {', '.join(spec.choices)}",
                "",
            )
        return str(value) if kind == "str" else value
