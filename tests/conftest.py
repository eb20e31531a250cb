"""Shared fixtures: a real scenario server, and the helpers that run wscli: in this process
(most tests) or in a process of its own."""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.scenario import ScenarioServer
from tests.timing import TIMEOUT
from wscli import cli
from wscli.env import Env

#: Variables that libraries under wscli read from the process's environment, not from the
#: one wscli is given: tests that set them run wscli in a process of its own.
PROCESS_VARIABLES = frozenset(
    {"http_proxy", "https_proxy", "ws_proxy", "wss_proxy", "all_proxy", "socks_proxy", "no_proxy"}
)
for _name in list(os.environ):  # the developer's proxies must not reach in-process runs
    if _name.lower() in PROCESS_VARIABLES:
        del os.environ[_name]


@dataclass
class Result:
    """What a wscli process did."""

    returncode: int
    stdout: bytes
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def wscli_env(**extra: str) -> dict[str, str]:
    """The environment wscli runs in: no proxies, no colour forcing, no config file and no
    ``WSCLI_<OPTION>`` variables of the developer's, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not (key.startswith("WSCLI_") and key != "WSCLI_TEST_TIMEOUT_SCALE")
        and key.lower()
        not in {
            "http_proxy",
            "https_proxy",
            "ws_proxy",
            "wss_proxy",
            "all_proxy",
            "socks_proxy",
            "no_proxy",
            "force_color",
            "no_color",
        }
    }
    env["WSCLI_CONFIG"] = os.devnull  # an empty config: ~/.config/wscli is the developer's
    env.update(extra)
    return env


def run_wscli(
    *args: str,
    input: bytes | str | None = b"",
    expect: int | None = 0,
    env: dict[str, str] | None = None,
    terminal: bool = False,
) -> Result:
    """Run wscli's command line ``ARGS`` in this process, as ``cli.run(argv, env=...)``
    with an injected environment, and check its exit code (``expect=None``: any).

    ``input`` is stdin (None: /dev/null), ``env`` the environment variables wscli sees
    (default: :func:`wscli_env`), ``terminal`` whether stdin, stdout and stderr claim to
    be terminals. Variables that libraries read from the process (the proxy variables)
    need :func:`run_wscli_process`. Fails on a traceback in stderr: wscli never shows one
    without --debug.
    """
    data = input.encode() if isinstance(input, str) else input
    with contextlib.ExitStack() as stack:
        if data is None:
            stdin = stack.enter_context(open(os.devnull, "rb"))
        else:
            stdin = stack.enter_context(tempfile.TemporaryFile())
            stdin.write(data)
            stdin.seek(0)
        stdout, stderr = io.BytesIO(), io.BytesIO()
        environment = Env(
            stdin=stdin,  # type: ignore[arg-type]
            stdout=stdout,
            stderr=stderr,
            stdin_isatty=terminal,
            stdout_isatty=terminal,
            stderr_isatty=terminal,
            environ=env if env is not None else wscli_env(),
        )
        code = cli.run(list(args), env=environment)
    result = Result(code, stdout.getvalue(), stderr.getvalue().decode("utf-8", "replace"))
    return _checked(result, args, expect)


def run_wscli_process(
    *args: str,
    input: bytes | str | None = b"",
    expect: int | None = 0,
    timeout: float = TIMEOUT,
    env: dict[str, str] | None = None,
) -> Result:
    """Run ``python -m wscli ARGS`` in a process of its own and check its exit code
    (``expect=None``: any). For what needs a process: signals, pipes to other processes,
    variables read by libraries (proxies), the interpreter's start-up and exit."""
    data = input.encode() if isinstance(input, str) else input
    completed = subprocess.run(
        [sys.executable, "-m", "wscli", *args],
        input=data,
        stdin=subprocess.DEVNULL if data is None else None,
        capture_output=True,
        timeout=timeout,
        env=env if env is not None else wscli_env(),
    )
    result = Result(
        completed.returncode, completed.stdout, completed.stderr.decode("utf-8", "replace")
    )
    return _checked(result, args, expect)


def _checked(result: Result, args: tuple[str, ...], expect: int | None) -> Result:
    if "--debug" not in args:
        assert "Traceback" not in result.stderr, result.stderr
    if expect is not None:
        assert result.returncode == expect, (
            f"exit {result.returncode}, expected {expect}\nstdout: {result.out!r}\n"
            f"stderr: {result.stderr}"
        )
    return result


@pytest.fixture
def server() -> Iterator[ScenarioServer]:
    """A fresh scenario server on 127.0.0.1 (see tests/scenario.py for its paths)."""
    with ScenarioServer() as running:
        yield running
