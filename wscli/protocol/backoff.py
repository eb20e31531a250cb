"""Reconnect delays: exponential backoff with full jitter. Pure.

Attempt ``n`` (from 1) waits a uniformly random time between 0 and
``min(cap, base * factor ** (n - 1))`` seconds ("full jitter"): clients that lost the same
server at the same moment do not all come back at once.
"""

import random as _random
from collections.abc import Callable, Iterator

__all__ = ["BASE", "CAP", "FACTOR", "backoff_delays", "backoff_limit"]

BASE = 0.5
FACTOR = 2.0
CAP = 30.0


def backoff_limit(
    attempt: int, *, base: float = BASE, factor: float = FACTOR, cap: float = CAP
) -> float:
    """The longest wait before attempt ``attempt`` (1, 2, ...)."""
    if attempt < 1:
        raise ValueError(f"attempts count from 1, not {attempt}")
    exponent = attempt - 1
    # factor ** exponent overflows long after the cap is reached: stop growing at the cap.
    limit = base
    for _ in range(exponent):
        limit *= factor
        if limit >= cap:
            return cap
    return min(limit, cap)


def backoff_delays(
    *,
    base: float = BASE,
    factor: float = FACTOR,
    cap: float = CAP,
    random: Callable[[], float] = _random.random,
) -> Iterator[float]:
    """The waits before attempts 1, 2, 3, ...: endless; ``random()`` is in [0, 1)."""
    attempt = 1
    while True:
        yield random() * backoff_limit(attempt, base=base, factor=factor, cap=cap)
        attempt += 1
