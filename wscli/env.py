"""The process environment, built once and injected: streams, TTY flags, colour."""

import os
import sys
from collections.abc import Mapping
from typing import BinaryIO, NamedTuple

from wscli.options import ColorChoice

__all__ = ["Env"]


class Env(NamedTuple):
    """Where wscli reads and writes, and what it knows of its surroundings: the three
    standard streams (bytes), whether each is a terminal, and the environment variables.

    ``cli.run(argv, env=...)`` takes one; tests build one around files and buffers.
    """

    stdin: BinaryIO
    stdout: BinaryIO
    stderr: BinaryIO
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    environ: Mapping[str, str] = {}  # never mutated

    @classmethod
    def from_process(cls) -> "Env":
        """The real process streams."""
        return cls(
            stdin=sys.stdin.buffer if sys.stdin is not None else open(os.devnull, "rb"),
            stdout=sys.stdout.buffer if sys.stdout is not None else open(os.devnull, "wb"),
            stderr=sys.stderr.buffer if sys.stderr is not None else open(os.devnull, "wb"),
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
            environ=os.environ,
        )

    @property
    def interactive(self) -> bool:
        """Both stdin and stdout are terminals: the REPL's territory."""
        return self.stdin_isatty and self.stdout_isatty

    def stderr_color(self, choice: ColorChoice) -> bool:
        """Whether status lines on stderr get colour (``--color``, NO_COLOR, FORCE_COLOR)."""
        if choice == "always":
            return True
        if choice == "never" or self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR"):
            return True
        return self.stderr_isatty and self.environ.get("TERM") != "dumb"


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
