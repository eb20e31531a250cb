"""A seeded generator of frame sequences, each with the outcome RFC 6455 prescribes.

``generate(seed, target)`` always makes the same :class:`Case` for the same seed and
target: a few valid messages (every length class, text split inside characters,
fragments with pings and pongs between them, compressed when permessage-deflate is
negotiated), then what the case's class adds (a reserved opcode, RSV bits, a wrong mask,
a fragmented or long control frame, a continuation without a start, a data frame inside a
fragmented message, invalid UTF-8 split across fragments, a close frame with a bad code or
reason, a frame or message over --max-size up to 2^64-1 bytes, compressed frames without
the extension, corrupt deflate data, random bytes, a flipped bit), sometimes more frames
after it (which must be ignored), and how the peer ends: it answers the close handshake,
stops mid-frame and sends FIN, resets the TCP connection at a byte offset of a frame, or
goes silent. The expected outcome comes from :mod:`tests.fuzz.oracle`, never from the
generator's intent.
"""

import random

from tests.fuzz.case import LISTEN_MAX_SIZE, Case, finish_case
from tests.fuzz.wire import BINARY, CLOSE, CONT, PING, PONG, TEXT, build_frame, deflate_message

__all__ = ["KINDS", "LISTEN_MAX_SIZE", "TARGETS", "generate"]

TARGETS = ("connect", "send", "listen")
LENGTHS = (0, 1, 2, 3, 17, 125, 126, 127, 1000, 65535, 65536)
_ALPHABET = 'aé€😀 z{}"\\/\t\x00'  # 1- to 4-byte UTF-8
_INVALID_UTF8 = (
    b"\xff",
    b"\xc0\xaf",  # an overlong "/"
    b"\xed\xa0\x80",  # a surrogate
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\x80",  # a continuation byte without a start
    b"\xe2\x82A",  # a truncated sequence before ASCII
)
_BAD_CODES = (0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535)
_GOOD_CODES: tuple[int, ...] = (
    1000,
    1000,
    1001,
    1002,
    1003,
    1007,
    1008,
    1009,
    1010,
    1011,
    1012,
    1014,
    3000,
)
_GOOD_CODES += (4000, 4001, 4999)
_RESERVED_OPCODES = (3, 4, 5, 6, 7, 11, 12, 13, 14, 15)
#: Each class and how often it comes up (out of the sum).
KINDS: dict[str, int] = {
    "valid": 20,
    "bad-opcode": 5,
    "rsv": 5,
    "mask": 4,
    "control-fragmented": 4,
    "control-long": 4,
    "continuation-without-start": 4,
    "data-in-fragmented": 4,
    "invalid-utf8": 7,
    "close-code": 5,
    "close-reason": 6,
    "too-big": 6,
    "compressed-without-extension": 3,
    "bad-deflate": 2,
    "garbage": 3,
    "bitflip": 6,
    "reset": 8,
    "eof": 4,
    "silence": 1,
}


class _Builder:
    """Frames from one side (``masked``: a client's), with the reasons of each."""

    def __init__(self, rng: random.Random, masked: bool, deflate: bool, max_size: int) -> None:
        self.rng, self.masked, self.deflate, self.max_size = rng, masked, deflate, max_size
        self.chunks: list[bytes] = []
        self.notes: list[str] = []

    def frame(self, opcode: int, payload: bytes, *, fin: bool = True, **how: object) -> None:
        """Add a frame (``how``: rsv, length, width, and ``wrong_mask``)."""
        masked = self.masked != bool(how.pop("wrong_mask", False))
        key = self.rng.randbytes(4) if masked else None
        chunk = build_frame(opcode, payload, fin=fin, mask=key, **how)  # type: ignore[arg-type]
        self.chunks.append(chunk)
        length = how.get("length", len(payload))
        extra = "".join(f" {name}={value}" for name, value in how.items() if name != "length")
        self.notes.append(f"opcode={opcode:#x} fin={int(fin)} mask={int(masked)}{extra} {length=}")

    def text(self, size: int) -> bytes:
        rng = self.rng
        piece = "".join(rng.choices(_ALPHABET, k=min(size, 64))).encode()
        data = (piece * (size // max(len(piece), 1) + 1))[:size]
        return data.decode("utf-8", "ignore").encode()

    def size(self, limit: int | None = None) -> int:
        top = min(self.max_size, limit or self.max_size)
        sizes = [n for n in LENGTHS if n <= top] or [0]
        return self.rng.choice(sizes) if self.rng.random() < 0.7 else self.rng.randint(0, 40)

    def control(self, inside: bool = False) -> None:
        """A ping or a pong (``inside`` a fragmented message: kept small)."""
        opcode = self.rng.choice((PING, PING, PONG))
        self.frame(opcode, self.rng.randbytes(self.rng.choice((0, 4, 30, 125))))

    def message(self, *, opcode: int | None = None, data: bytes | None = None) -> None:
        """A whole message, maybe fragmented at random byte offsets (inside characters
        too) with pings and pongs between fragments, maybe compressed."""
        rng = self.rng
        opcode = opcode or rng.choice((TEXT, TEXT, BINARY))
        if data is None:
            size = self.size()
            data = self.text(size) if opcode == TEXT else rng.randbytes(size)
        compressed = self.deflate and rng.random() < 0.6
        payload = deflate_message(data) if compressed else data
        cuts = sorted(
            rng.sample(range(len(payload) + 1), k=min(rng.choice((0, 0, 1, 3)), len(payload) + 1))
        )
        pieces = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True)]
        for index, piece in enumerate(pieces):
            first, last = index == 0, index == len(pieces) - 1
            rsv = 4 if compressed and first else 0
            self.frame(opcode if first else CONT, piece, fin=last, rsv=rsv)
            if not last and rng.random() < 0.3:
                self.control(inside=True)

    def close(self, code: int | None, reason: bytes = b"") -> None:
        payload = b"" if code is None else code.to_bytes(2, "big") + reason
        self.frame(CLOSE, payload)

    def good_close(self) -> None:
        rng = self.rng
        if rng.random() < 0.15:
            self.close(None)
            return
        reason = rng.choice((b"", b"bye", "adiós 👋".encode(), b"r" * 123))
        self.close(rng.choice(_GOOD_CODES), reason)


def _violation(kind: str, b: _Builder) -> None:
    """The frames of one class of violation."""
    rng = b.rng
    if kind == "bad-opcode":
        b.frame(
            rng.choice(_RESERVED_OPCODES), rng.randbytes(rng.randint(0, 9)), fin=rng.random() < 0.8
        )
    elif kind == "rsv":
        opcode = rng.choice((TEXT, BINARY, PING, PONG, CLOSE, CONT))
        b.frame(opcode, b"\x03\xe8" if opcode == CLOSE else b"data", rsv=rng.randint(1, 7))
    elif kind == "mask":
        b.frame(rng.choice((TEXT, BINARY, PING)), b.text(rng.choice((0, 5, 200))), wrong_mask=True)
    elif kind == "control-fragmented":
        opcode = rng.choice((PING, PONG, CLOSE))
        b.frame(opcode, b"\x03\xe8" if opcode == CLOSE else b"x", fin=False)
    elif kind == "control-long":
        opcode = rng.choice((PING, PONG, CLOSE))
        size = rng.choice((126, 127, 200, 1000))
        b.frame(opcode, b"\x03\xe8" + b"r" * (size - 2) if opcode == CLOSE else b"p" * size)
    elif kind == "continuation-without-start":
        b.frame(CONT, b.text(rng.choice((0, 10))), fin=rng.random() < 0.7)
    elif kind == "data-in-fragmented":
        b.frame(rng.choice((TEXT, BINARY)), b"first part", fin=False)
        if rng.random() < 0.5:
            b.control(inside=True)
        b.frame(rng.choice((TEXT, BINARY)), b"second", fin=rng.random() < 0.7)
    elif kind in ("close-code", "close-reason"):
        _bad_close(kind, b)
    elif kind == "invalid-utf8":
        _invalid_utf8(b)
    elif kind == "too-big":
        _too_big(b)
    else:
        _bad_compression(kind, b)


def _bad_close(kind: str, b: _Builder) -> None:
    rng = b.rng
    if kind == "close-code":
        if rng.random() < 0.2:
            b.frame(CLOSE, b"\x03")  # one byte: no room for a code
        else:
            b.close(rng.choice(_BAD_CODES), rng.choice((b"", b"why")))
        return
    reason = rng.choice(
        (
            b"r" * rng.choice((0, 1, 122, 123)),  # fits: valid
            b"r" * rng.choice((124, 125, 200)),  # a control frame over 125 bytes
            b"bad \xff reason",
            "cut 😀".encode()[:-1],  # a character cut short at the end
            b"\xed\xa0\x80",
        )
    )
    b.close(rng.choice(_GOOD_CODES), reason)


def _invalid_utf8(b: _Builder) -> None:
    """A text message with an invalid sequence (or a character cut short at its end),
    in 1 to 4 fragments cut anywhere; sometimes valid text cut inside a character."""
    rng = b.rng
    head, tail = b.text(rng.randint(0, 30)), b.text(rng.randint(0, 30))
    roll = rng.random()
    if roll < 0.6:
        data = head + rng.choice(_INVALID_UTF8) + tail
    elif roll < 0.85:
        data = head + "😀".encode()[: rng.randint(1, 3)]
    else:
        data = head + "€😀".encode() + tail  # valid: split inside the characters
    b.message(opcode=TEXT, data=data)


def _too_big(b: _Builder) -> None:
    rng, limit = b.rng, b.max_size
    roll = rng.random()
    if roll < 0.3:
        length = rng.choice((limit + 1, 65536, 2**32, 2**63 - 1, 2**64 - 1))
        length = max(length, limit + 1)
        b.frame(rng.choice((TEXT, BINARY)), b"", length=length)  # the header alone
        return
    if roll < 0.5 and limit < 5000:
        b.frame(BINARY, rng.randbytes(limit + 1))
        return
    if roll < 0.75 and b.deflate:
        b.frame(TEXT, deflate_message(b"a" * (limit + 1 + rng.randint(0, 9000))), rsv=4)
        return
    part = limit // 2 + 1
    b.frame(BINARY, rng.randbytes(part), fin=False)
    b.frame(CONT, rng.randbytes(part), fin=rng.random() < 0.5)


def _bad_compression(kind: str, b: _Builder) -> None:
    rng = b.rng
    if kind == "bad-deflate":
        b.frame(TEXT, b"\x07" + rng.randbytes(rng.randint(0, 20)), rsv=4)
    elif kind == "compressed-without-extension":
        b.frame(rng.choice((TEXT, BINARY)), deflate_message(b"hello hello"), rsv=4)
    elif kind == "garbage":
        b.chunks.append(rng.randbytes(rng.randint(1, 40)))
        b.notes.append("random bytes")


def generate(seed: int, target: str) -> Case:
    """The case of ``seed`` for ``target`` ("connect", "send" or "listen")."""
    rng = random.Random(f"{target}:{seed}")
    kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
    deflate = kind == "bad-deflate" or (
        kind != "compressed-without-extension" and rng.random() < 0.25
    )
    max_size = LISTEN_MAX_SIZE if target == "listen" else rng.choice((1000, LISTEN_MAX_SIZE))
    b = _Builder(rng, target == "listen", deflate, max_size)
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        b.message()
        if rng.random() < 0.2:
            b.control()
    if kind in ("valid", "reset", "eof", "silence", "bitflip"):
        for _ in range(rng.randint(1, 3)):
            b.message()
    else:
        _violation(kind, b)
        if rng.random() < 0.3:  # what follows a violation must change nothing
            rng.choice((b.message, b.good_close, b.control))()
    if kind == "bitflip" or (kind == "valid" and (target == "listen" or rng.random() < 0.5)):
        b.good_close()
    stream = bytearray(b"".join(b.chunks))
    if kind == "bitflip":
        stream[rng.randrange(len(stream))] ^= 1 << rng.randrange(8)
    cut = None
    if kind in ("reset", "eof", "silence"):
        last = len(b.chunks[-1])
        cut = len(stream) - last + rng.randrange(last)
        if kind == "eof" and rng.random() < 0.3:
            cut = None
    return finish_case(
        seed=seed,
        target=target,
        kind=kind,
        stream=bytes(stream),
        ending=kind if kind in ("reset", "eof", "silence") else "answer",
        cut=cut,
        max_size=max_size,
        deflate=deflate,
        rule=rng.choice(("keep-open", "keep-open", "idle", "count")),
        writes=_writes(rng, len(stream) if cut is None else cut),
        sent=_sent(rng, target),
        quiet=rng.random() < 0.5,
        eager=rng.random() < 0.3,
        keepalive=rng.random() < 0.2,
        frames=tuple(b.notes),
    )


def _writes(rng: random.Random, size: int) -> tuple[int, ...]:
    """Where the peer splits its writes: nowhere, everywhere, or at a few random offsets."""
    roll = rng.random()
    if roll < 0.4 or size < 2:
        return ()
    if roll < 0.47 and size <= 300:
        return tuple(range(1, size))
    return tuple(sorted(rng.sample(range(1, size), k=min(size - 1, rng.randint(1, 6)))))


def _sent(rng: random.Random, target: str) -> tuple[str, ...]:
    """What wscli sends: 1 or 2 MESSAGE arguments for send, 0 to 2 stdin lines (or 60) for
    connect."""
    if target == "listen":
        return ()
    if target == "connect" and rng.random() < 0.05:  # a pipe that keeps wscli busy sending
        return tuple(f"{number}:" + "x" * rng.randint(0, 3000) for number in range(60))
    choices = ("hello", "héllo 😀", "{}", "x" * 300)
    low = 1 if target == "send" else 0
    return tuple(rng.choice(choices) for _ in range(rng.randint(low, 2)))
