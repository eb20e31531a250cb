"""Tab completion at the REPL prompt: command names, their fixed arguments, close codes.

:func:`slash_completions` decides, and is pure; ``SlashCompleter`` hands its answers to
prompt-toolkit (``PromptSession(completer=SlashCompleter())``). Only the REPL imports this
module, so it loads prompt-toolkit at the top.
"""

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from wscli.options import SCREEN_VIEWS
from wscli.protocol.codes import SENDABLE_CODES, close_code_name
from wscli.repl.commands import COMMANDS

__all__ = [
    "ARGUMENTS",
    "CLOSE_CODE_CHOICES",
    "SlashCompleter",
    "Suggestion",
    "slash_completions",
]

#: The codes ``/close`` completion offers: the sendable registry codes, one registered
#: (3000-3999) and one private-use (4000-4999) example, and ``none`` (an empty close frame).
CLOSE_CODE_CHOICES: tuple[tuple[str, str], ...] = (
    *((str(code), name) for code, name in sorted(SENDABLE_CODES.items())),
    ("3000", close_code_name(3000) + " (3000-3999, e.g. for a library)"),
    ("4000", close_code_name(4000) + " (4000-4999, for applications)"),
    ("none", "an empty close frame, without a code"),
)

ARGUMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "/view": tuple(
        (view, {"hex": "hex dump", "base64": "base64", "text": "UTF-8 text"}[view])
        for view in SCREEN_VIEWS
    ),
    "/pretty": (("on", "pretty-print JSON"), ("off", "show JSON as received")),
    "/timestamps": (("on", "show the time of each message"), ("off", "hide the times")),
    "/close": CLOSE_CODE_CHOICES,
    "/help": tuple((name[1:], COMMANDS[name]) for name in COMMANDS),
}
_COMMAND_AND_ARGUMENT = re.compile(r"(/\S+)\s+(\S*)")


class Suggestion(NamedTuple):
    """One completion: insert ``text`` in place of the ``start_position`` characters (a
    negative offset from the cursor) before the cursor; ``meta`` describes it."""

    text: str
    start_position: int
    meta: str


def slash_completions(
    text_before_cursor: str,
    commands: dict[str, str] = COMMANDS,
    arguments: dict[str, tuple[tuple[str, str], ...]] = ARGUMENTS,
) -> list[Suggestion]:
    """What completes the input typed so far: a command name right after ``/``, then the
    first argument of ``/view``, ``/pretty``, ``/timestamps``, ``/close`` and ``/help``.

    Only the first line is completed, and nothing after ``//`` (text to send).
    """
    text = text_before_cursor
    if not text.startswith("/") or text.startswith("//") or "\n" in text:
        return []
    if not any(char.isspace() for char in text):
        typed = text.lower()
        return [
            Suggestion(name, -len(text), usage[len(name) :].strip())
            for name, usage in commands.items()
            if name.startswith(typed)
        ]
    match = _COMMAND_AND_ARGUMENT.fullmatch(text)
    if match is None:
        return []  # past the first argument
    name, typed = match.group(1).lower(), match.group(2)
    return [
        Suggestion(value, -len(typed), meta)
        for value, meta in arguments.get(name, ())
        if value.startswith(typed.lower())
    ]


class SlashCompleter(Completer):
    """The prompt-toolkit completer for the REPL prompt: offers :func:`slash_completions`.

    ``listen`` gives its own commands, and arguments that change (the client ids).
    """

    def __init__(
        self,
        commands: dict[str, str] = COMMANDS,
        arguments: Callable[[], dict[str, tuple[tuple[str, str], ...]]] = lambda: ARGUMENTS,
    ) -> None:
        self.commands = commands
        self.arguments = arguments

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        text = document.text_before_cursor
        for suggestion in slash_completions(text, self.commands, self.arguments()):
            yield Completion(
                suggestion.text,
                start_position=suggestion.start_position,
                display_meta=suggestion.meta,
            )
