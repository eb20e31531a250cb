"""A fuzz case (:class:`Case`), made by the generator (:mod:`tests.fuzz.frames`) or by
hand (:func:`make_case`, for the named regression cases), with the outcome the reference
receiver (:mod:`tests.fuzz.oracle`) gives for the bytes actually written."""

import os
from dataclasses import dataclass
from typing import Any, NamedTuple

from tests.fuzz.oracle import Outcome, expect
from tests.fuzz.wire import build_frame

__all__ = ["LISTEN_MAX_SIZE", "Case", "Spec", "finish_case", "make_case"]

#: The --max-size of the one ``wscli listen --echo`` the listen cases share.
LISTEN_MAX_SIZE = 70000


@dataclass(frozen=True)
class Case:
    """One fuzz case: what the peer writes, how it ends, and what must come of it."""

    #: The generator's seed (-1: a case made by hand).
    seed: int
    target: str
    #: The class of the case ("bad-opcode", "reset", ...), or a hand-made case's name.
    kind: str
    #: Everything the peer writes (only ``stream[:cut]`` when ``cut`` is set).
    stream: bytes
    #: "answer" (the closing handshake), "eof", "reset" or "silence", after ``stream``.
    ending: str
    cut: int | None
    #: Offsets where the peer splits its writes (so the reads split there too, often).
    writes: tuple[int, ...]
    max_size: int
    #: The peer negotiates permessage-deflate (without context takeover).
    deflate: bool
    #: How wscli waits (connect, send): "keep-open", "idle" (--idle 5) or "count".
    rule: str
    #: --count N: ``len(expect.messages)`` (wscli closes after them), or one more.
    count: int | None
    #: What wscli sends: send's MESSAGE arguments, connect's stdin lines.
    sent: tuple[str, ...]
    quiet: bool
    #: The peer writes at once, without waiting for what wscli sends first.
    eager: bool
    #: wscli sends keepalive pings all along (--ping-interval 0.01).
    keepalive: bool
    #: One line per frame, for reports.
    frames: tuple[str, ...]
    expect: Outcome

    @property
    def written(self) -> bytes:
        return self.stream if self.cut is None else self.stream[: self.cut]


class Spec(NamedTuple):
    """A frame of a hand-made case, masked as its side requires unless ``wrong_mask``."""

    opcode: int
    payload: bytes = b""
    fin: bool = True
    rsv: int = 0
    #: The length the header claims (the payload's by default).
    length: int | None = None
    wrong_mask: bool = False

    def encode(self, masked: bool) -> bytes:
        key = os.urandom(4) if masked != self.wrong_mask else None
        return build_frame(
            self.opcode, self.payload, fin=self.fin, rsv=self.rsv, mask=key, length=self.length
        )


def finish_case(
    *,
    seed: int,
    target: str,
    kind: str,
    stream: bytes,
    ending: str,
    cut: int | None = None,
    max_size: int = 1000,
    deflate: bool = False,
    rule: str = "keep-open",
    **rest: object,
) -> Case:
    """The case with its outcome; ``ending`` is what the peer does once it has written
    (for "answer", a valid sequence that does not close becomes a --count case)."""
    written = stream if cut is None else stream[:cut]
    if target == "listen":
        max_size = LISTEN_MAX_SIZE
    outcome = expect(written, masked=target == "listen", max_size=max_size, deflate=deflate)
    ended = outcome.failed or outcome.close is not None
    count = None
    if ended or ending != "answer":
        ending = "answer" if ended else ending
        if rule == "count":
            count = len(outcome.messages) + 1  # never reached
    elif outcome.messages and not outcome.partial and target != "listen":
        rule, count = "count", len(outcome.messages)  # wscli closes after them
    else:
        ending = "eof"
    if target == "listen":
        rule = "keep-open"
    rest.setdefault("writes", ())
    rest.setdefault("sent", ("hello",) if target == "send" else ())
    rest.setdefault("quiet", False)
    rest.setdefault("eager", False)
    rest.setdefault("keepalive", False)
    rest.setdefault("frames", ())
    return Case(
        seed=seed,
        target=target,
        kind=kind,
        stream=stream,
        ending=ending,
        cut=cut,
        max_size=max_size,
        deflate=deflate,
        rule=rule,
        count=count,
        expect=outcome,
        **rest,  # type: ignore[arg-type]
    )


def make_case(
    name: str, target: str, frames: list[Spec], *, ending: str = "answer", **how: Any
) -> Case:
    """A named case made by hand: ``frames`` written at once; ``how``: cut (write only
    the first bytes), max_size, rule, sent..."""
    stream = b"".join(spec.encode(target == "listen") for spec in frames)
    notes = tuple(repr(spec)[:200] for spec in frames)
    return finish_case(
        seed=-1, target=target, kind=name, stream=stream, ending=ending, frames=notes, **how
    )
