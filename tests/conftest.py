"""Shared fixtures: a real scenario server, and one helper that runs the real wscli."""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.scenario import ScenarioServer

#: One timeout unit for every wait in the tests; scale with WSCLI_TEST_TIMEOUT_SCALE.
SCALE = float(os.environ.get("WSCLI_TEST_TIMEOUT_SCALE", "1"))
TIMEOUT = 20.0 * SCALE


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
    timeout: float = TIMEOUT,
    env: dict[str, str] | None = None,
) -> Result:
    """Run ``python -m wscli ARGS`` and check its exit code (``expect=None``: any).

    Fails on a traceback in stderr: wscli never shows one without --debug.
    """
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
