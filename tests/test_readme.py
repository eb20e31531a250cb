"""Every example in README.md runs, against the scenario server, and prints what README says."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, run_wscli, wscli_env
from tests.scenario import ScenarioServer

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE_BASE = "ws://127.0.0.1:8765"


def _examples() -> list[tuple[str, list[str]]]:
    """(command, expected stdout lines) for each ``$ `` line in README's console blocks."""
    examples: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    return examples


def _setup_commands() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL)[:2]


def test_readme_starts_with_the_two_setup_commands() -> None:
    """README opens with install-and-run, then install-test-extras-and-test, and .ci/run
    runs exactly that test command."""
    run_command, test_command = _setup_commands()
    assert README.index(run_command) < README.index("## ")
    assert run_command.endswith("wscli connect")
    assert test_command == "./tests/setup && python -m pytest"
    assert "'.[test]'" in (ROOT / "tests" / "setup").read_text(encoding="utf-8")
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_connect_without_url_uses_the_builtin_echo_server() -> None:
    """README's first command, `wscli connect`, talks to the built-in echo server."""
    result = run_wscli("connect", input=b"hello\n")
    assert result.lines == ["hello"]
    assert "built-in echo server at ws://127.0.0.1:" in result.stderr


@pytest.mark.parametrize(("command", "expected"), _examples(), ids=lambda v: str(v)[:60])
def test_readme_example(command: str, expected: list[str], server: ScenarioServer) -> None:
    """The README example prints exactly the lines shown under it."""
    bin_dir = str(Path(sys.executable).parent)
    env = wscli_env()
    env["PATH"] = bin_dir + ":" + env.get("PATH", "")
    shell_command = command.replace(EXAMPLE_BASE, f"ws://127.0.0.1:{server.port}")
    completed = subprocess.run(
        ["bash", "-c", shell_command],
        capture_output=True,
        timeout=TIMEOUT,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    lines = completed.stdout.decode().splitlines()
    assert "Traceback" not in completed.stderr.decode()
    assert len(lines) == len(expected), (lines, expected, completed.stderr.decode())
    for got, want in zip(lines, expected, strict=True):
        if want.endswith("..."):
            assert got.startswith(want[:-3]), (got, want)
        else:
            assert got == want


def test_readme_exit_code_table_is_the_one_in_help() -> None:
    """README's exit-code table says what `wscli --help` says, code for code."""
    from wscli.status import EXIT_STATUS_HELP

    for status, meaning in EXIT_STATUS_HELP.items():
        assert f"| {int(status)} | {meaning} |" in README, status


def _listen_examples() -> list[list[str]]:
    """The ``wscli listen`` lines of README's sh blocks, as argument lists (port 0, no
    redirections or comments); those that need files (--cert) are left out."""
    import shlex

    examples = []
    for block in re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line.split("#", 1)[0].split(">", 1)[0])
            # --script needs its file (test_readme_record_run_mock_block_runs runs that one);
            # --unix-socket has no ws:// URL (tests/test_listen_unix.py)
            if words[:2] == ["wscli", "listen"] and not {
                "--cert",
                "--script",
                "--unix-socket",
            } & set(words):
                examples.append(["listen", "0", *words[3:]])
    return examples


@pytest.mark.parametrize("args", _listen_examples(), ids=" ".join)
def test_readme_listen_example_starts_and_listens(args: list[str]) -> None:
    """Each `wscli listen` example in README starts, says where it listens, and stops with
    exit 0 on SIGTERM."""
    from tests.listening import Listening

    process = subprocess.Popen(
        [sys.executable, "-m", "wscli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=wscli_env(),
    )
    try:
        server = Listening(process)
        assert server.url.startswith("ws://127.0.0.1:")
        assert server.stop() == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_readme_config_example_is_a_valid_config(tmp_path: Path) -> None:
    """README's config.toml example is accepted as it stands, and its profile works as
    @prod: the send goes as far as the network (README's example host is not reachable
    from a test: DNS, connection, TLS or the open timeout stop it), never a config error."""
    (toml,) = re.findall(r"```toml\n(.*?)\n```", README, flags=re.DOTALL)
    (tmp_path / "wscli").mkdir()
    (tmp_path / "wscli" / "config.toml").write_text(toml, encoding="utf-8")
    env = wscli_env(XDG_CONFIG_HOME=str(tmp_path), PROD_WS_AUTH="user:pass")
    del env["WSCLI_CONFIG"]
    result = run_wscli("send", "@prod", "hi", "--open-timeout", "1", env=env, expect=None)
    assert "config.toml" not in result.stderr
    assert result.returncode in (3, 4, 5, 6), result.stderr  # a network outcome, not 2


def test_readme_record_run_mock_block_runs(server: ScenarioServer, tmp_path: Path) -> None:
    """The record -> run -> listen --script block runs as it is (bash -e), in a fresh
    folder: every command exits 0, and the mock saw its client follow the script."""
    marker = "<!-- tests/test_readme.py runs this block as it is -->\n```sh\n"
    block = README[README.index(marker) + len(marker) :].split("```", 1)[0]
    bin_dir = str(Path(sys.executable).parent)
    env = wscli_env()
    env["PATH"] = bin_dir + ":" + env.get("PATH", "")
    script = block.replace(EXAMPLE_BASE, f"ws://127.0.0.1:{server.port}")
    completed = subprocess.run(
        ["bash", "-e", "-c", script],
        capture_output=True,
        timeout=TIMEOUT * 3,
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    assert (tmp_path / "echo.wscli").read_text(encoding="utf-8").splitlines()[1:] == [
        f"url ws://127.0.0.1:{server.port}/echo",
        '> {"op":"hello","id":7}',
        "> bye",
        '< {"op":"hello","id":7}',
        "< bye",
        "close 1000",
    ]
    assert "client 1: followed echo.wscli" in (tmp_path / "mock.log").read_text()
