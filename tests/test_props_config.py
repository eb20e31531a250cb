"""Property tests (issue 13, fuzzing) of the config file and its profiles (wscli.config,
wscli.cli.settings): any file is a config, or a UsageError with a one-line message that
names the file; any ``@NAME`` and any file give the command line's defaults, or such an
error; on the command line that error exits 2 before connecting, never with a traceback."""

import json
import math
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import run_wscli, wscli_env
from tests.scenario import ScenarioServer
from wscli.cli import wscli
from wscli.cli.settings import config_defaults, option_specs
from wscli.config import Config, load_config
from wscli.errors import UsageError

SPECS = option_specs(wscli)
KEYS = st.sampled_from([*sorted(SPECS), "nope", "max_size", "Max-Size", "url", "messages"])
SCALARS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["ws://127.0.0.1:1/", "hex", "always", "1k", "nan", "-1", "", "X: y"]),
    st.integers(),
    st.floats(),
    st.booleans(),
)
VALUES = st.one_of(
    SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=4), SCALARS)
)
TABLES = st.dictionaries(KEYS, VALUES, max_size=5)
NAMES = st.one_of(st.sampled_from(["prod", "a.b", "x-1"]), st.text(max_size=6))


def toml(value: object) -> str:
    """``value`` in TOML (strings as JSON writes them, which TOML mostly reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else {math.inf: "inf", -math.inf: "-inf"}.get(value, repr(value))
        )
    if isinstance(value, list):
        return "[" + ", ".join(map(toml, value)) + "]"
    if isinstance(value, dict):
        pairs = (
            f"{json.dumps(key, ensure_ascii=False)} = {toml(item)}" for key, item in value.items()
        )
        return "{" + ", ".join(pairs) + "}"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def table(header: str, values: dict[str, object]) -> str:
    keys = (
        f"{json.dumps(key, ensure_ascii=False)} = {toml(value)}" for key, value in values.items()
    )
    return "\n".join([header, *keys])


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A config file: generated tables, or lines of TOML and junk, as UTF-8 or not."""
    parts = [table("[defaults]", draw(TABLES))]
    for name, values in draw(st.dictionaries(NAMES, TABLES, max_size=3)).items():
        parts.append(table(f"[profiles.{json.dumps(name, ensure_ascii=False)}]", values))
    if draw(st.booleans()):
        lines = st.sampled_from(
            ["[defaults]", "[profiles]", "[profiles.p]", "[[profiles.p]]", "[other]", "x = 1",
             'url = "ws://h/"', "messages = [1]", "profiles = 3", "a = " + "[" * 2000,
             "n = " + "9" * 5000, "=", "[defaults"]
        )  # fmt: skip
        parts = draw(st.lists(st.one_of(lines, st.text(max_size=20)), max_size=8))
    return "\n".join(parts).encode("utf-8", "surrogatepass")


def assert_one_line(error: UsageError) -> None:
    assert error.message.strip()
    assert "\n" not in error.message and "\r" not in error.message


def written(text: bytes, folder: str) -> Path:
    path = Path(folder) / "config.toml"
    path.write_bytes(text)
    return path


@settings(max_examples=400, deadline=None)
@given(text=documents())
@example(text=b"n = " + b"9" * 5000)  # ValueError from tomllib: a traceback
@example(text=b"a = " + b"[" * 2000)  # RecursionError from tomllib: a traceback
def test_any_file_is_a_config_or_a_usage_error_naming_it(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = written(text, folder)
        try:
            config = load_config(path, SPECS)
        except UsageError as error:
            assert_one_line(error)
            assert error.message.startswith((str(path), f"cannot read {path}"))
            return
    assert isinstance(config, Config) and set(config.defaults) <= set(SPECS)
    for name, profile in config.profiles.items():
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", name) and profile.name == name
        assert profile.url is None or isinstance(profile.url, str)
        assert all(isinstance(message, str) for message in profile.messages)
        assert set(profile.options) <= set(SPECS)


COMMANDS = st.sampled_from(["send", "connect", "close", "run", "listen"])


@settings(max_examples=200, deadline=None)
@given(
    text=documents(), command=COMMANDS, name=NAMES, auth=st.one_of(st.none(), st.text(max_size=5))
)
def test_any_profile_gives_defaults_or_a_usage_error(
    text: bytes, command: str, name: str, auth: str | None
) -> None:
    """``wscli COMMAND @NAME``: the profile's URL in argv and the defaults, or an error."""
    with tempfile.TemporaryDirectory() as folder:
        environ = {"WSCLI_CONFIG": str(written(text, folder))}
        if auth is not None:
            environ["AUTH_VAR"] = auth
        argv = [command, "@" + name, "hi"]
        try:
            args, default_map = config_defaults(wscli, argv, environ)
        except UsageError as error:
            assert_one_line(error)
            return
    assert len(args) == 3 and args[0] == command and args[2] == "hi"
    assert default_map is None or set(default_map) <= set(wscli.commands)


E2E = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@E2E
@given(text=documents(), name=NAMES, command=st.sampled_from(["send", "close"]))
def test_a_broken_config_exits_2_before_connecting(
    server: ScenarioServer, text: bytes, name: str, command: str
) -> None:
    """A config whose @NAME (or whose file) is refused: one error line, exit 2, no
    connection. A profile that works connects to the test server and exits 0."""
    text = text.replace(b"ws://127.0.0.1:1/", server.url("/echo").encode())
    with tempfile.TemporaryDirectory() as folder:
        environ = wscli_env(WSCLI_CONFIG=str(written(text, folder)))
        try:
            config_defaults(wscli, [command, "@" + name, "hi"], environ)
        except UsageError:
            pass
        else:
            return  # the options it sets may wait for anything (--keep-open, --idle 1e9)
        before = len(server.requests)
        args = [command, "@" + name] + (["hi"] if command == "send" else [])
        result = run_wscli(*args, "-q", env=environ, expect=None)
    assert result.returncode == 2, result
    lines = result.stderr.split("\n")
    assert len(lines) == 2 and lines[0].startswith("wscli: error: "), result.stderr
    assert len(server.requests) == before


#: Options of send a config may set, but those that write files or wait for the server,
#: with values of their kind, mostly.
PLAUSIBLE: dict[str, list[object]] = {
    "max-size": ["1k", "0", "1", "9" * 400, "x"],
    "count": [1, 2, 0],
    "until": ["^h", "(", "i$"],
    "until-json": ["[1]", '{"a": 1}', "[" * 3000, "x"],
    "header": [["X-A: 1"], ["X-B: \u0001"], ["bad"], "Y: 2"],
    "subprotocol": [["chat"], ["a b"]],
    "origin": ["https://o", "\u0001", ["a", "b"]],
    "expect-close": ["1000", "4001", "x"],
    "filter": [["^h"], ["("]],
    "filter-json": [['{"a":1}'], ["["]],
    "ignore": [["^x"]],
    "reply": [["^h=>x"], ["nope"], ["(?P<a>h)=>{{a}}"], ["^h=>{{b}}"]],
    "every": [["1"], ["0.5 tick"], []],
    "dialect": ["jsonrpc", "stomp", "graphql", "socketio", "graphql-ws-legacy", "x"],
    "heart-beat": ["0,0", "10000,10000", "9" * 400 + ",1", "x"],
    "init-payload": ['{"t": 1}', "[" * 3000, "x"],
    "namespace": ["/chat", "", "x"],
    "input-format": ["hex", "text", "base64", "binary"],
    "binary-as": ["hex", "raw", "text"],
    "color": ["never", "always"],
    "open-timeout": [0, 0.5, "nan", -1],
    "ping-interval": [0, 0.2, 1e300],
    "ping-timeout": [0, 0.2],
    "compression": [True, False],
    "jsonl": [True, False],
    "pretty": [True, False],
    "timestamps": [True, False],
}


@st.composite
def defaults_of_send(draw: st.DrawFn) -> dict[str, object]:
    keys = draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=4, unique=True))
    typed = {key: st.sampled_from(PLAUSIBLE[key]) for key in keys}
    return {key: draw(VALUES if draw(st.integers(0, 5)) == 0 else typed[key]) for key in keys}


@E2E
@given(defaults=defaults_of_send())
@example(defaults={"every": ["1"]})
def test_any_defaults_run_or_exit_2_with_one_line(
    server: ScenarioServer, defaults: dict[str, object]
) -> None:
    """Whatever [defaults] sets, ``send`` runs, or exits 2 with one error line; never
    an internal error (exit 1) or a traceback."""
    with tempfile.TemporaryDirectory() as folder:
        environ = wscli_env(
            WSCLI_CONFIG=str(written(table("[defaults]", defaults).encode(), folder))
        )
        args = ("send", server.url("/echo"), "hi", "--idle", "0.05", "--timeout", "1", "-q")
        result = run_wscli(*args, env=environ, expect=None)
    assert result.returncode in (0, 2, 4, 6, 7, 8, 9), result
    if result.returncode == 2:  # (after a dialect's protocol errors, if it connected)
        stderr = re.sub("\x1b\\[[0-9;]*m", "", result.stderr)  # (color = "always")
        errors = [line for line in stderr.splitlines() if line.startswith("wscli: error:")]
        assert len(errors) == 1 and stderr.endswith(errors[0] + "\n"), result.stderr
