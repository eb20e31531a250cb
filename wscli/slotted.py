"""A base for small immutable value classes with ``__slots__``. Pure.

Events and REPL commands use it instead of dataclasses: it costs nothing to define at
start-up and its instances are cheap to build.
"""

from typing import Any

__all__ = ["Slotted"]


class Slotted:
    """Equality (same type and fields), hash and repr over ``__slots__``. Treat instances
    as immutable."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Slotted)
            and type(other) is type(self)
            and self._values() == other._values()
        )

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({fields})"
