"""Start-up stays light: showing help imports neither websockets, rich nor prompt_toolkit."""

import json
import subprocess
import sys

import pytest

from tests.conftest import TIMEOUT, wscli_env

HEAVY = ("websockets", "rich", "prompt_toolkit")

#: Runs wscli's command line on argv (from sys.argv[1], JSON) in a fresh interpreter, then prints
#: the heavy modules that ended up in sys.modules, as JSON, on stderr.
PROBE = f"""
import io, json, os, sys
from wscli.cli import run
from wscli.env import Env
argv = json.loads(sys.argv[1])
stdout = io.BytesIO()
code = run(argv, env=Env(open(os.devnull, "rb"), stdout, io.BytesIO(), environ=os.environ))
help_text = stdout.getvalue().decode()
loaded = sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY!r})
print(json.dumps({{"code": code, "help": help_text, "loaded": loaded}}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["send", "--help"], ["connect", "--help"], ["close", "--help"]],
    ids=["wscli", "send", "connect", "close"],
)
def test_help_imports_no_heavy_module(argv: list[str]) -> None:
    """Help exits 0 with usage text and without importing websockets, rich or prompt_toolkit."""
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=wscli_env(),
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    assert "Usage: wscli" in report["help"]
    assert report["loaded"] == []
