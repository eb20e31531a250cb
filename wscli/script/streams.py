"""Long-running streams: ``--reply``, ``--filter``/``--ignore`` (and ``-json``). Pure.

Patterns are those of scripts (:mod:`wscli.script.match`): ``/REGEX/`` or a JSON
pattern; a reply's MESSAGE may use the names its pattern captures.
"""

from collections.abc import Sequence

from wscli.errors import UsageError
from wscli.script.match import captures_of, expect, fill
from wscli.script.syntax import Step, names_in

__all__ = ["Streams", "reply_rule"]


def _step(pattern: str) -> Step:
    return Step(0, pattern, "expect", arg=pattern)


def reply_rule(pattern: str, message: str, option: str = "--reply") -> tuple[str, str]:
    """A checked ``(pattern, message)``: every name MESSAGE uses is captured by PATTERN.

    Raises:
        UsageError: MESSAGE names something PATTERN does not capture.
    """
    captured = captures_of(_step(pattern), set())
    shown = pattern if pattern.isprintable() else repr(pattern)  # one line
    for name in names_in(message):
        if name not in captured:
            raise UsageError(
                f"{option}: {{{{{name}}}}} is not captured by {shown}",
                'capture it: (?P<name>...) in a regex, or a "{{name}}" value in a JSON pattern',
            )
    return pattern, message


class Streams:
    """What happens to each received message: the replies it gets, and whether it passes
    the filters (``filters``: it must match one; ``ignores``: it must match none)."""

    def __init__(
        self,
        replies: Sequence[tuple[str, str]] = (),
        filters: Sequence[str] = (),
        ignores: Sequence[str] = (),
    ) -> None:
        self._replies = [(_step(pattern), message) for pattern, message in replies]
        self._filters = [_step(pattern) for pattern in filters]
        self._ignores = [_step(pattern) for pattern in ignores]

    def __bool__(self) -> bool:
        return bool(self._replies or self._filters or self._ignores)

    def answers(self, message: str | bytes) -> list[str]:
        """The replies ``message`` gets, names filled in, in the order of the rules."""
        found = []
        for step, reply in self._replies:
            outcome = expect(step, message, {})
            if outcome.ok:
                found.append(fill(reply, outcome.captured))
        return found

    def passes(self, message: str | bytes) -> bool:
        """Whether ``message`` reaches stdout, the prompt and the counts."""
        if self._filters and not any(expect(s, message, {}).ok for s in self._filters):
            return False
        return not any(expect(step, message, {}).ok for step in self._ignores)
