"""The config file, @NAME profiles, WSCLI_<OPTION> variables, --version and shell completion.

Every test runs the real wscli with its own config file (``XDG_CONFIG_HOME`` or
``WSCLI_CONFIG`` in a temporary folder) against the scenario server, and no other
``WSCLI_*`` variable from the developer's environment.
"""

import base64
import json
import platform
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.commands import error_line
from tests.conftest import TIMEOUT, Result, run_wscli, run_wscli_process, wscli_env
from tests.processes import LineReader
from tests.scenario import Connection, ScenarioServer


def config_env(home: Path, **extra: str) -> dict[str, str]:
    """wscli's environment with ``XDG_CONFIG_HOME=home``, without inherited WSCLI_* variables."""
    env = {key: value for key, value in wscli_env().items() if not key.startswith("WSCLI_")}
    env.update(XDG_CONFIG_HOME=str(home), **extra)
    return env


def write_config(home: Path, text: str) -> Path:
    """Write ``$XDG_CONFIG_HOME/wscli/config.toml`` under ``home``; return its path."""
    path = home / "wscli" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def header_values(connection: Connection, name: str) -> list[str]:
    """Every value of header ``name`` (any case) in the request the server received."""
    return [value for key, value in connection.headers if key.lower() == name.lower()]


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode("ascii")


# Profiles


def test_send_profile_gives_url_headers_subprotocol_origin_and_first_messages(
    server: ScenarioServer, tmp_path: Path
) -> None:
    """``send @NAME MSG`` connects to the profile's url with its headers, subprotocols and
    origin, and sends the profile's messages before MSG."""
    write_config(
        tmp_path,
        f"""
[profiles.chat]
url = "{server.url("/proto")}"
header = ["X-Team: blue", "X-Env: test"]
subprotocol = ["chat.v1"]
messages = ["first", "second"]
""",
    )
    result = run_wscli("send", "@chat", "third", "--count", "3", env=config_env(tmp_path))
    assert result.lines == ["first", "second", "third"]
    connection = server.last()
    assert connection.path == "/proto"
    assert connection.subprotocol == "chat.v1"
    assert header_values(connection, "X-Team") == ["blue"]
    assert header_values(connection, "X-Env") == ["test"]
    assert connection.messages == ["first", "second", "third"]


@pytest.mark.parametrize("table", ["profiles.p", "defaults"])
def test_config_origin_is_sent_as_given(server: ScenarioServer, tmp_path: Path, table: str) -> None:
    """``origin`` from a profile or [defaults] is the Origin header, as written."""
    url = f'url = "{server.url()}"\n' if table == "profiles.p" else ""
    write_config(tmp_path, f'[{table}]\n{url}origin = "https://app.example"\n')
    target = "@p" if table == "profiles.p" else server.url()
    run_wscli("send", target, "hi", "--count", "1", env=config_env(tmp_path))
    assert header_values(server.last(), "Origin") == ["https://app.example"]


def test_connect_profile_in_pipe_mode_uses_the_url(server: ScenarioServer, tmp_path: Path) -> None:
    """``connect @NAME`` with stdin on a pipe connects to the profile's url."""
    write_config(tmp_path, f'[profiles.echo]\nurl = "{server.url("/echo")}"\n')
    result = run_wscli(
        "connect", "@echo", "--count", "1", input="hello\n", env=config_env(tmp_path)
    )
    assert result.lines == ["hello"]
    assert server.last().path == "/echo"
    assert server.last().messages == ["hello"]


def test_unknown_profile_exits_2_naming_the_file_and_the_profiles(
    server: ScenarioServer, tmp_path: Path
) -> None:
    """An unknown @NAME is a usage error that names the config file and lists the profiles."""
    path = write_config(
        tmp_path,
        f'[profiles.prod]\nurl = "{server.url()}"\n\n[profiles.dev]\nurl = "{server.url()}"\n',
    )
    result = run_wscli("send", "@staging", "hi", expect=2, env=config_env(tmp_path))
    line = error_line(result)
    assert "'staging'" in line and str(path) in line, line
    assert "@prod" in line and "@dev" in line, line
    assert result.stdout == b""
    assert server.requests == []


def test_profile_without_a_config_file_exits_2(tmp_path: Path) -> None:
    """@NAME with no config file at all: exit 2, naming the file wscli looked for."""
    result = run_wscli("send", "@prod", "hi", expect=2, env=config_env(tmp_path))
    line = error_line(result)
    assert str(tmp_path / "wscli" / "config.toml") in line and "'prod'" in line, line


def test_profile_without_url_exits_2(server: ScenarioServer, tmp_path: Path) -> None:
    """A profile used as @NAME must have a url."""
    write_config(tmp_path, '[profiles.nourl]\norigin = "https://app.example"\n')
    result = run_wscli("send", "@nourl", "hi", expect=2, env=config_env(tmp_path))
    line = error_line(result)
    assert "'nourl'" in line and "no url" in line, line
    assert server.requests == []


# auth-env


def test_auth_env_sends_the_variables_credentials_as_basic_auth(
    server: ScenarioServer, tmp_path: Path
) -> None:
    """``auth-env`` names the variable that holds USER:PASS; the file holds no secret."""
    path = write_config(
        tmp_path, f'[profiles.api]\nurl = "{server.url("/echo")}"\nauth-env = "TEST_WS_AUTH"\n'
    )
    env = config_env(tmp_path, TEST_WS_AUTH="alice:s3cret")
    run_wscli("send", "@api", "hi", "--count", "1", env=env)
    assert header_values(server.last(), "Authorization") == [basic("alice:s3cret")]
    assert "s3cret" not in path.read_text()


def test_auth_env_variable_unset_exits_2_naming_it(server: ScenarioServer, tmp_path: Path) -> None:
    """With the ``auth-env`` variable unset, wscli exits 2 before connecting, naming it."""
    write_config(
        tmp_path, f'[profiles.api]\nurl = "{server.url("/echo")}"\nauth-env = "TEST_WS_AUTH"\n'
    )
    result = run_wscli("send", "@api", "hi", expect=2, env=config_env(tmp_path))
    line = error_line(result)
    assert "TEST_WS_AUTH" in line and "not set" in line, line
    assert server.requests == []


def test_auth_option_and_wscli_auth_beat_auth_env(server: ScenarioServer, tmp_path: Path) -> None:
    """--auth beats WSCLI_AUTH, which beats the profile's ``auth-env``."""
    write_config(
        tmp_path, f'[profiles.api]\nurl = "{server.url("/echo")}"\nauth-env = "TEST_WS_AUTH"\n'
    )
    env = config_env(tmp_path, TEST_WS_AUTH="profile:pw", WSCLI_AUTH="env:pw")
    run_wscli("send", "@api", "hi", "--count", "1", env=env)
    assert header_values(server.last(), "Authorization") == [basic("env:pw")]
    run_wscli("send", "@api", "hi", "--count", "1", "--auth", "cli:pw", env=env)
    assert header_values(server.last(), "Authorization") == [basic("cli:pw")]


def test_auth_option_needs_no_auth_env_variable(server: ScenarioServer, tmp_path: Path) -> None:
    """--auth on the command line replaces the profile's credentials, so the profile's
    ``auth-env`` variable need not be set."""
    write_config(
        tmp_path, f'[profiles.api]\nurl = "{server.url("/echo")}"\nauth-env = "TEST_WS_AUTH"\n'
    )
    run_wscli("send", "@api", "hi", "--count", "1", "--auth", "cli:pw", env=config_env(tmp_path))
    assert header_values(server.last(), "Authorization") == [basic("cli:pw")]


# Precedence: command line > WSCLI_<OPTION> > profile > [defaults] > built-in default

LAYERS = ("command line", "environment", "profile", "defaults", "built-in")


@dataclass(frozen=True)
class Layered:
    """An option set in each layer, and what the run shows for each layer's value."""

    option: str  # the long name: config key, --OPTION and WSCLI_OPTION
    path: str  # the profile's URL path on the scenario server
    args: tuple[str, ...]  # send's arguments after @NAME
    values: tuple[object, object, object, object]  # command line, environment, profile, defaults
    shown: tuple[object, ...]  # what each layer of LAYERS shows

    def observe(self, result: Result, connection: Connection) -> object:
        if self.option == "origin":
            return header_values(connection, "Origin")
        if self.option == "subprotocol":
            return header_values(connection, "Sec-WebSocket-Protocol")
        if self.option == "count":
            return len(result.lines)
        return result.stdout


LAYERED = {
    "origin": Layered(
        "origin",
        "/echo",
        ("hello", "--count", "1"),
        ("https://cli.example", "https://env.example", "https://p.example", "https://d.example"),
        (
            ["https://cli.example"],
            ["https://env.example"],
            ["https://p.example"],
            ["https://d.example"],
            [],
        ),
    ),
    # A repeatable option: the strongest layer's list replaces the weaker ones.
    "subprotocol": Layered(
        "subprotocol",
        "/echo",
        ("hello", "--count", "1"),
        ("cli.v1", "env.v1", ["p.v1", "p.v2"], ["d.v1"]),
        (["cli.v1"], ["env.v1"], ["p.v1, p.v2"], ["d.v1"], []),
    ),
    # /burst sends m0...m9 and echoes "x"; without a count the idle rule ends after all 11.
    "count": Layered("count", "/burst?n=10", ("x",), (1, 2, 3, 4), (1, 2, 3, 4, 11)),
    # The echo of the binary message b"ABC".
    "binary-as": Layered(
        "binary-as",
        "/echo",
        ("414243", "--input-format", "hex", "--count", "1"),
        ("hex", "raw", "text", "base64"),
        (b"414243\n", b"ABC", b"ABC\n", b"QUJD\n", b"414243\n"),
    ),
}


@pytest.mark.parametrize(
    ("option", "layer"),
    [(option, layer) for option in LAYERED for layer in LAYERS],
)
def test_each_layer_beats_the_next(
    server: ScenarioServer, tmp_path: Path, option: str, layer: str
) -> None:
    """The option set in ``layer`` and in every weaker layer: ``layer``'s value is used."""
    spec = LAYERED[option]
    strength = LAYERS.index(layer)
    cli, env_value, profile_value, defaults_value = spec.values
    defaults = f"{option} = {json.dumps(defaults_value)}\n" if strength <= 3 else ""
    profile = f"{option} = {json.dumps(profile_value)}\n" if strength <= 2 else ""
    write_config(
        tmp_path,
        f'[defaults]\n{defaults}\n[profiles.p]\nurl = "{server.url(spec.path)}"\n{profile}',
    )
    extra = {"WSCLI_" + option.upper().replace("-", "_"): str(env_value)} if strength <= 1 else {}
    args = ["send", "@p", *spec.args]
    if strength == 0:
        args += [f"--{option}", str(cli)]
    result = run_wscli(*args, env=config_env(tmp_path, **extra))
    assert spec.observe(result, server.last()) == spec.shown[strength]


def test_defaults_apply_to_every_command_with_the_option(tmp_path: Path) -> None:
    """[defaults] binary-as applies to send and listen; listen and close, which have no
    --count, ignore [defaults] count."""
    write_config(tmp_path, '[defaults]\nbinary-as = "base64"\ncount = 1\n')
    env = config_env(tmp_path)
    listen = subprocess.Popen(
        [sys.executable, "-m", "wscli", "listen", "0", "--once"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert listen.stdout is not None and listen.stderr is not None
        stderr = LineReader(listen.stderr)
        url = stderr.wait_for("listening on").split("listening on ")[1].split()[0]
        run_wscli("close", url, "--input-format", "hex", "--send", "00ff6162", env=env)
        assert listen.wait(timeout=TIMEOUT) == 0
        assert listen.stdout.read() == b"AP9hYg==\n"
        assert "Traceback" not in stderr.rest()
    finally:
        if listen.poll() is None:
            listen.kill()
            listen.wait()


def test_defaults_apply_to_send(server: ScenarioServer, tmp_path: Path) -> None:
    """[defaults] binary-as and count shape send's output (two sent, one shown)."""
    write_config(tmp_path, '[defaults]\nbinary-as = "base64"\ncount = 1\n')
    result = run_wscli(
        "send",
        server.url("/echo"),
        "00ff6162",
        "01",
        "--input-format",
        "hex",
        env=config_env(tmp_path),
    )
    assert result.stdout == b"AP9hYg==\n"


def test_wscli_config_names_another_file(server: ScenarioServer, tmp_path: Path) -> None:
    """WSCLI_CONFIG replaces $XDG_CONFIG_HOME/wscli/config.toml."""
    write_config(tmp_path / "xdg", '[profiles.p]\nurl = "ws://127.0.0.1:1/unused"\n')
    other = tmp_path / "other.toml"
    other.write_text(f'[profiles.p]\nurl = "{server.url("/echo")}"\n')
    env = config_env(tmp_path / "xdg", WSCLI_CONFIG=str(other))
    assert run_wscli("send", "@p", "hi", "--count", "1", env=env).lines == ["hi"]


# Bad config files: exit 2 with one line naming the file and the line

BAD_CONFIGS = {
    "toml-syntax": ("[defaults]\ncount = 1\norigin = = 2\n", 3, "line 3"),
    "unknown-table": (
        '[defaults]\ncount = 1\n\n[profile.x]\nurl = "ws://h/"\n',
        4,
        "unknown table [profile]",
    ),
    "unknown-option": (
        '[defaults]\ncolor = "never"\n\n[profiles.p]\nurl = "ws://h/"\nmax-sise = "1k"\n',
        6,
        "unknown option 'max-sise' (hint: did you mean max-size?)",
    ),
    "string-for-int": ('[defaults]\n\ncount = "3"\n', 3, "count must be an integer"),
    "wrong-type-in-profile-after-defaults": (
        '[defaults]\ncount = 2\n\n[profiles.p]\nurl = "ws://h/"\ncount = "x"\n',
        6,
        "[profiles.p] count must be an integer",
    ),
    "messages-not-a-list": (
        '[profiles.p]\nurl = "ws://h/"\nmessages = "hi"\n',
        3,
        "messages must be a list of strings",
    ),
    "header-not-a-list": ("[defaults]\nheader = 3\n", 2, "header must be a list of strings"),
    "bad-choice": (
        '# colours\n[defaults]\ncolor = "sometimes"\n',
        3,
        "'sometimes' is not one of auto, always, never",
    ),
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_bad_config_file_exits_2_with_file_and_line(tmp_path: Path, name: str) -> None:
    """A bad config file is one usage error line, ``wscli: error: PATH:LINE: ...`` (a TOML
    syntax error: ``PATH: ... (at line LINE, ...)``), and no traceback."""
    text, line, problem = BAD_CONFIGS[name]
    path = write_config(tmp_path, text)
    result = run_wscli("send", "ws://127.0.0.1:1/", "hi", expect=2, env=config_env(tmp_path))
    assert len(result.stderr.splitlines()) == 1, result.stderr
    message = error_line(result)
    if name == "toml-syntax":
        assert message.startswith(f"wscli: error: {path}: "), message
    else:
        assert message.startswith(f"wscli: error: {path}:{line}: "), message
    assert problem in message, message
    assert result.stdout == b""


# WSCLI_<OPTION> variables


def test_wscli_count_variable(server: ScenarioServer, tmp_path: Path) -> None:
    """WSCLI_COUNT=2 stops after two messages."""
    env = config_env(tmp_path, WSCLI_COUNT="2")
    assert run_wscli("send", server.url("/burst?n=10"), "x", env=env).lines == ["m0", "m1"]


def test_wscli_header_variable_holds_one_header_per_line(
    server: ScenarioServer, tmp_path: Path
) -> None:
    """WSCLI_HEADER holds one header per line (as --help's Environment section says)."""
    env = config_env(tmp_path, WSCLI_HEADER="X-One: 1 one\nX-Two: 2")
    run_wscli("send", server.url("/echo"), "hi", "--count", "1", env=env)
    connection = server.last()
    assert header_values(connection, "X-One") == ["1 one"]
    assert header_values(connection, "X-Two") == ["2"]


@pytest.mark.parametrize("command", ["connect", "send", "close", "listen"])
def test_help_shows_each_options_variable(tmp_path: Path, command: str) -> None:
    """--help names each option's variable (click's show_envvar), e.g. for --max-size."""
    result = run_wscli(command, "--help", env=config_env(tmp_path))
    assert "env var: WSCLI_MAX_SIZE" in " ".join(result.out.split())


# --version


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_names_wscli_websockets_and_python(tmp_path: Path, flag: str) -> None:
    """One line: wscli's version, websockets' and the running Python's."""
    result = run_wscli(flag, env=config_env(tmp_path))
    assert len(result.lines) == 1, result.out
    line = result.lines[0]
    assert line.startswith(f"wscli {version('wscli-tool')} "), line
    assert f"websockets {version('websockets')}" in line, line
    assert f"{platform.python_implementation()} {platform.python_version()}" in line, line


# Shell completion, through click's protocol (the scripts call wscli with these variables)

SHELLS = ("bash", "zsh", "fish")


@dataclass(frozen=True)
class Item:
    type: str
    value: str
    help: str | None  # None: the shell is not given the help (bash)


def complete(shell: str, line: str, env: dict[str, str]) -> list[Item]:
    """What wscli answers ``shell``'s completion script for the command ``line`` typed up to
    the cursor (a trailing space: completing a new, empty word)."""
    words = line.split()
    incomplete = "" if line.endswith(" ") else words[-1]
    if shell == "fish":  # fish: the line and the word being completed
        protocol = {"COMP_WORDS": line, "COMP_CWORD": incomplete}
    else:  # bash, zsh: the words and the index of the one being completed
        cword = len(words) if line.endswith(" ") else len(words) - 1
        protocol = {"COMP_WORDS": line, "COMP_CWORD": str(cword)}
    result = run_wscli_process(env={**env, "_WSCLI_COMPLETE": f"{shell}_complete", **protocol})
    assert result.stderr == ""
    return list(_parse(shell, result.out))


def _parse(shell: str, out: str) -> Iterator[Item]:
    lines = out.splitlines()
    if shell == "zsh" or (shell == "fish" and lines and "," not in lines[0]):
        # TYPE, VALUE, HELP ("_": none) on three lines each (fish: click 8.4.0 and 8.4.1)
        for index in range(0, len(lines), 3):
            kind, value, help_ = lines[index : index + 3]
            yield Item(kind, value.replace(r"\:", ":"), None if help_ == "_" else help_)
        return
    for entry in lines:  # TYPE,VALUE per line; fish adds TAB HELP
        kind, _, rest = entry.partition(",")
        value, tab, help_ = rest.partition("\t")
        yield Item(kind, value, (help_ if tab else None) if shell == "fish" else None)


def values(items: list[Item]) -> list[str]:
    return [item.value for item in items]


@pytest.mark.parametrize("shell", SHELLS)
def test_completes_commands_and_options(tmp_path: Path, shell: str) -> None:
    """``wscli co`` -> connect and completion; ``wscli send --ma`` -> --max-size."""
    env = config_env(tmp_path)
    assert sorted(values(complete(shell, "wscli co", env))) == ["completion", "connect"]
    assert values(complete(shell, "wscli send --ma", env)) == ["--max-size"]


@pytest.mark.parametrize(
    "line",
    [
        "wscli close ws://h/ --code 40",
        "wscli close ws://h/ --expect-code 40",
        "wscli send ws://h/ --expect-close 40",
        "wscli connect ws://h/ --expect-close 40",
    ],
)
@pytest.mark.parametrize("shell", SHELLS)
def test_completes_close_codes_with_their_names(tmp_path: Path, shell: str, line: str) -> None:
    """Close codes complete with their registry name (zsh and fish show it; bash does not)."""
    items = complete(shell, line, config_env(tmp_path))
    assert items == [Item("plain", "4000", None if shell == "bash" else "Private Use")]


@pytest.mark.parametrize("shell", SHELLS)
def test_code_completion_offers_none(tmp_path: Path, shell: str) -> None:
    """close --code also offers 'none' (an empty close frame); the registered codes have
    their names."""
    items = complete(shell, "wscli close ws://h/ --code ", config_env(tmp_path))
    assert "none" in values(items) and "1000" in values(items) and "1011" in values(items)
    if shell != "bash":
        assert Item("plain", "1000", "Normal Closure") in items


@pytest.mark.parametrize(
    "line",
    [
        "wscli send ws://h/ --ca ",
        "wscli connect ws://h/ --cert ",
        "wscli close ws://h/ --key ",
        "wscli send ws://h/ --file ",
        "wscli send ws://h/ -f ",
    ],
)
@pytest.mark.parametrize("shell", SHELLS)
def test_completes_files_for_file_options(tmp_path: Path, shell: str, line: str) -> None:
    """File options answer type "file": the shell completes paths itself."""
    assert [item.type for item in complete(shell, line, config_env(tmp_path))] == ["file"]


@pytest.mark.parametrize("command", ["send", "connect", "close"])
@pytest.mark.parametrize("shell", SHELLS)
def test_completes_profile_names_from_the_config_file(
    tmp_path: Path, shell: str, command: str
) -> None:
    """``wscli send @`` offers @NAME for each profile, with its URL as the help."""
    write_config(
        tmp_path,
        '[profiles.prod]\nurl = "wss://prod.example/ws"\n\n'
        '[profiles.dev]\nurl = "ws://127.0.0.1:8765/"\n',
    )
    items = complete(shell, f"wscli {command} @", config_env(tmp_path))
    shown = shell != "bash"
    assert items == [
        Item("plain", "@prod", "wss://prod.example/ws" if shown else None),
        Item("plain", "@dev", "ws://127.0.0.1:8765/" if shown else None),
    ]
    assert values(complete(shell, f"wscli {command} @d", config_env(tmp_path))) == ["@dev"]


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_survives_a_broken_config_file(tmp_path: Path, shell: str) -> None:
    """A broken config file does not stop completion (complete_profiles skips it)."""
    write_config(tmp_path, '[defaults]\ncolor = "sometimes"\n')
    assert values(complete(shell, "wscli send --ma", config_env(tmp_path))) == ["--max-size"]


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_command_prints_the_shells_script(tmp_path: Path, shell: str) -> None:
    """``wscli completion SHELL`` prints a script that asks wscli via _WSCLI_COMPLETE."""
    result = run_wscli("completion", shell, env=config_env(tmp_path))
    assert f"_WSCLI_COMPLETE={shell}_complete" in result.out


@pytest.mark.parametrize("mode", ["echo", "broadcast"])
def test_listen_mode_flag_from_the_config(tmp_path: Path, mode: str) -> None:
    """``echo = true`` (or ``broadcast = true``) in [defaults] selects that listen mode."""
    write_config(tmp_path, f"[defaults]\n{mode} = true\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "wscli", "listen", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=config_env(tmp_path),
    )
    assert process.stderr is not None
    try:
        line = LineReader(process.stderr).wait_for("listening on")
        url = line.split("listening on ", 1)[1].strip()
        first = run_wscli("send", url, "one", "--idle", "0.5")
        # echo: the sender gets its message back; broadcast: nobody else is there
        assert first.lines == (["one"] if mode == "echo" else [])
    finally:
        process.terminate()
        assert process.wait(timeout=TIMEOUT) == 0


@pytest.mark.parametrize("command", ["send", "connect"])
def test_profile_messages_go_first_then_stdin(
    server: ScenarioServer, tmp_path: Path, command: str
) -> None:
    """``send @NAME`` (with no MESSAGE) and ``connect @NAME`` in a pipe send the profile's
    messages right after the handshake, then stdin's lines."""
    write_config(
        tmp_path,
        f"""
[profiles.hello]
url = "{server.url("/echo")}"
messages = ["hello"]
""",
    )
    result = run_wscli(command, "@hello", "--count", "3", input=b"a\nb\n", env=config_env(tmp_path))
    assert result.lines == ["hello", "a", "b"]
    assert server.last().messages == ["hello", "a", "b"]


def test_profile_messages_are_sent_as_written(server: ScenarioServer, tmp_path: Path) -> None:
    """A profile's messages are messages, whatever they look like: "-1", "--keep-open"
    and "-" are sent as text, not read as options or as stdin."""
    write_config(
        tmp_path,
        f"""
[profiles.odd]
url = "{server.url("/echo")}"
messages = ["-1", "--keep-open", "-"]
""",
    )
    result = run_wscli("send", "@odd", "last", "--count", "4", env=config_env(tmp_path))
    assert result.lines == ["-1", "--keep-open", "-", "last"]
    assert server.last().messages == ["-1", "--keep-open", "-", "last"]


@pytest.mark.parametrize("shell", SHELLS)
def test_var_completes_the_names_a_script_needs(tmp_path: Path, shell: str) -> None:
    """``run SCRIPT --var`` offers the names the script uses without capturing them;
    ``listen --script FILE --var`` those its server side must send; scripts complete as
    files."""
    script = tmp_path / "flow.wscli"
    script.write_text('> {{TOKEN}}\n< {"id":"{{id}}"}\n> {{id}} {{room}}\n', encoding="utf-8")
    env = config_env(tmp_path)
    line = f"wscli run --url ws://h/ {script} --var TOKEN=x --var "
    assert values(complete(shell, line, env)) == ["TOKEN=", "room="]
    assert values(complete(shell, f"wscli run {script} --var r", env)) == ["room="]
    served = complete(shell, f"wscli listen --script {script} --var ", env)
    assert values(served) == ["TOKEN=", "id=", "room="]
    assert [item.type for item in complete(shell, f"wscli run {tmp_path}/fl", env)] == ["file"]
