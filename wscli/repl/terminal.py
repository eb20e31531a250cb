"""The prompt's terminal input: raw mode, also while output prints above the prompt.

prompt-toolkit prints above a running prompt through ``run_in_terminal``, which puts the
terminal in cooked mode for the duration. With a stream of incoming messages that is
many short moments in which the terminal driver, not the prompt, reads the keyboard: a
Ctrl-C there is a SIGINT (the session would close with 1001 and exit 130 instead of
clearing the line), a Ctrl-D an end-of-file that never reaches the prompt. wscli's
printing is a synchronous write, which needs no cooked mode; this input keeps the
terminal raw throughout. Only the REPL imports this module.
"""

import contextlib
import sys

from prompt_toolkit.input import Input
from prompt_toolkit.input.vt100 import Vt100Input

__all__ = ["raw_input"]


class _RawVt100Input(Vt100Input):
    def cooked_mode(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def raw_input() -> Input | None:
    """The prompt's input: stdin kept raw while output prints (None: prompt-toolkit's
    default, off POSIX)."""
    if sys.platform == "win32":
        return None
    return _RawVt100Input(sys.stdin)
