"""wscli's fast frame path (wscli.link.frames) against websockets' own, frame by frame.

Random streams (seeded; a failure names its seed): messages of every length class
(0..70,000 bytes: 125/126/65,535/65,536 included), text with multi-byte UTF-8 and binary,
fragmented at random (text split inside a character), pings, pongs and (rarely) a close
between fragments,
masked (read by a server) and not (read by a client), with and without
permessage-deflate, fed in random chunk sizes. The library's ``Protocol`` and wscli's
``FastParse`` read the same bytes; what they deliver (messages, control frames), what they
answer (pongs, close frames), how they fail (close code, exception, message) must match.
Broken streams too: random bytes flipped, reserved opcodes and bits, wrong masking, a
continuation without a start, data frames too big for ``max_size``, invalid UTF-8.

And the serializer: ``frame_messages`` output parsed by the library gives the same
messages; unmasked, it is byte for byte the library's ``Frame.serialize``; masked, every
frame has its own key.
"""

import random
from collections.abc import Iterator

import pytest
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side, State

from wscli.link.deflate import LazyDeflate
from wscli.link.frames import FastParse, frame_messages

SEEDS = range(120)
BROKEN_SEEDS = range(300)
LENGTHS = (0, 1, 2, 3, 125, 126, 127, 200, 1000, 65535, 65536, 70000)
ALPHABET = "aé€😀\n\x00z"  # 1- to 4-byte UTF-8

Outcome = list[tuple[str, object]]


#: permessage-deflate as negotiated: context takeover with the largest window (the
#: default), and without takeover on smaller windows (a new zlib context per message).
DEFLATE = {
    "plain": None,
    "deflate": (False, False, 15, 15),
    "deflate-no-takeover": (True, True, 10, 12),
    "lazy-deflate": (False, False, 12, 12),  # listen's: zlib state made at first use
    "lazy-deflate-no-takeover": (True, True, 12, 10),
}


def _deflate(kind: str) -> list[PerMessageDeflate]:
    """The extensions of one side for ``kind`` (a key of DEFLATE): wscli's side, which
    is LazyDeflate for the lazy kinds."""
    settings = DEFLATE[kind]
    if settings is None:
        return []
    made = LazyDeflate if kind.startswith("lazy") else PerMessageDeflate
    return [made(*settings, {"memLevel": 5} if made is LazyDeflate else {})]


def _library_deflate(kind: str) -> list[PerMessageDeflate]:
    """The same settings in websockets' own PerMessageDeflate (what wscli is compared to)."""
    return [
        PerMessageDeflate(*DEFLATE[kind], extension.compress_settings)
        for extension in _deflate(kind)
    ]


def _peer_deflate(kind: str) -> list[PerMessageDeflate]:
    """The other side's: remote and local swapped."""
    settings = DEFLATE[kind]
    if settings is None:
        return []
    remote_nct, local_nct, remote_bits, local_bits = settings
    return [PerMessageDeflate(local_nct, remote_nct, local_bits, remote_bits)]


def _text(rng: random.Random, size: int) -> bytes:
    chars = rng.choices(ALPHABET, k=max(size // 2, 0))
    return "".join(chars).encode()[:size].decode("utf-8", "ignore").encode()


def _message_frames(rng: random.Random, opcode: Opcode, data: bytes) -> Iterator[Frame]:
    """One message as 1 to 4 frames, split at random byte offsets (inside a character
    too), with pings and pongs between fragments."""
    cuts = sorted(rng.sample(range(len(data) + 1), k=min(rng.randint(0, 3), len(data) + 1)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    for index, piece in enumerate(pieces):
        yield Frame(opcode if index == 0 else Opcode.CONT, piece, index == len(pieces) - 1)
        if index < len(pieces) - 1 and rng.random() < 0.3:
            yield Frame(rng.choice((Opcode.PING, Opcode.PONG)), rng.randbytes(rng.randint(0, 125)))
        if index < len(pieces) - 1 and rng.random() < 0.03:
            yield Frame(Opcode.CLOSE, b"\x03\xe8")  # a close between fragments: 1002


def _stream(rng: random.Random, *, masked: bool, deflate: str) -> bytes:
    """A random sequence of messages and control frames, serialized by the library."""
    extensions = _peer_deflate(deflate)
    chunks = []
    for _ in range(rng.randint(1, 12)):
        size = rng.choice(LENGTHS) if rng.random() < 0.5 else rng.randint(0, 300)
        if rng.random() < 0.5:
            frames = _message_frames(rng, Opcode.TEXT, _text(rng, size))
        else:
            frames = _message_frames(rng, Opcode.BINARY, rng.randbytes(size))
        for frame in frames:
            chunks.append(frame.serialize(mask=masked, extensions=extensions))
        if rng.random() < 0.2:
            chunks.append(Frame(Opcode.PING, rng.randbytes(8)).serialize(mask=masked))
    if rng.random() < 0.5:
        chunks.append(Frame(Opcode.CLOSE, b"\x03\xe8bye").serialize(mask=masked))
    return b"".join(chunks)


def _read(protocol: Protocol, stream: bytes, rng: random.Random) -> Outcome:
    """Feed ``stream`` in random chunks; the messages (fragments joined), control frames,
    bytes written back, and the failure, in order."""
    outcome: Outcome = []
    parts: list[bytes] = []
    position = 0
    while position < len(stream):
        size = rng.choice((1, 2, 7, 100, 4096, 65536, len(stream)))
        protocol.receive_data(stream[position : position + size])
        position += size
        for event in protocol.events_received():
            if isinstance(event, str | bytes):  # FastParse: a whole message
                data = event.encode() if isinstance(event, str) else event
                outcome.append(("message", (isinstance(event, str), data)))
            elif event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                if event.opcode is not Opcode.CONT:
                    parts = [event.opcode is Opcode.TEXT]  # type: ignore[list-item]
                parts.append(bytes(event.data))
                if event.fin:
                    outcome.append(("message", (parts[0], b"".join(parts[1:]))))
            else:
                outcome.append((event.opcode.name, bytes(event.data)))
        written = protocol.data_to_send()
        if written:
            outcome.append(("wrote", _frames_of(b"".join(written), protocol.side)))
            if b"" in written:
                outcome.append(("wrote", "end of stream"))
    exc = protocol.parser_exc
    outcome.append(("end", (protocol.state, type(exc).__name__, str(exc) if exc else None)))
    return outcome


def _frames_of(written: bytes, side: Side) -> list[tuple[str, bytes]]:
    """What ``side`` wrote, as frames (masks differ from one run to the next)."""
    reader = Protocol(Side.CLIENT if side is Side.SERVER else Side.SERVER, max_size=None)
    reader.receive_data(written)
    return [(frame.opcode.name, bytes(frame.data)) for frame in reader.events_received()]


def _both(stream: bytes, seed: int, *, server: bool, deflate: str, max_size: int | None) -> None:
    side = Side.SERVER if server else Side.CLIENT
    library = Protocol(side, state=State.OPEN, max_size=max_size)
    fast = FastParse(side, state=State.OPEN, max_size=max_size)
    library.extensions, fast.extensions = _library_deflate(deflate), _deflate(deflate)
    expected = _read(library, stream, random.Random(seed))
    actual = _read(fast, stream, random.Random(seed))
    assert actual == expected, f"seed {seed}: the fast parser differs from websockets'"


def _decoded(outcome: Outcome) -> list[tuple[str, object]]:
    """Text messages as str, as a client of the library would read them."""
    return [
        (kind, value[1].decode("utf-8", "replace") if kind == "message" and value[0] else value)  # type: ignore[index]
        for kind, value in outcome
    ]


@pytest.mark.parametrize("server", [False, True], ids=["client-reads", "server-reads"])
@pytest.mark.parametrize("deflate", DEFLATE)
def test_the_fast_parser_reads_random_streams_as_the_library_does(
    server: bool, deflate: str
) -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        stream = _stream(rng, masked=server, deflate=deflate)
        _both(stream, seed, server=server, deflate=deflate, max_size=2**20)


@pytest.mark.parametrize("server", [False, True], ids=["client-reads", "server-reads"])
@pytest.mark.parametrize("deflate", DEFLATE)
def test_the_fast_parser_fails_broken_streams_as_the_library_does(
    server: bool, deflate: str
) -> None:
    special = [  # opcode 3, RSV1 without an extension, a lone continuation, wrong mask
        b"\x83\x00",
        b"\xc1\x00",
        b"\x80\x01a",
        b"\x81\x81abcdx" if not server else b"\x81\x01x",
        b"\x01\x01a\x81\x01b",  # a new message while one is fragmented
        b"\x81\x02\xc3\x28",  # invalid UTF-8: delivered as a frame, failed by the engine
        b"\x82\x7e\x04\x01" + bytes(1025),  # over max_size
        b"\x82\x7f\x00\x00\x00\x00\x00\x00\x04\x01",  # 64-bit length over max_size
        b"\x89\x7e\x00\x7e" + bytes(126),  # a control frame too long
    ]
    for seed, stream in enumerate(special):
        if server and stream[1] < 0x80 and stream[0] & 0x0F != 0x0F:
            stream = _masked(stream)
        _both(stream, seed, server=server, deflate=deflate, max_size=1024)
    if deflate != "plain":  # a bomb over max_size (in one frame and in two) and corrupt data
        bomb = _peer_deflate(deflate)
        for fin in (True, False):
            stream = Frame(Opcode.BINARY, bytes(5000), fin).serialize(mask=server, extensions=bomb)
            _both(stream, 100 + fin, server=server, deflate=deflate, max_size=1024)
        corrupt = b"\xc1\x04\xff\xff\xff\xff"
        corrupt = _masked(corrupt) if server else corrupt
        _both(corrupt, 102, server=server, deflate=deflate, max_size=1024)
    for seed in BROKEN_SEEDS:
        rng = random.Random(seed)
        stream = bytearray(_stream(rng, masked=server, deflate=deflate))
        for _ in range(rng.randint(1, 4)):
            stream[rng.randrange(len(stream))] = rng.randrange(256)
        max_size = rng.choice((1024, None))
        _both(bytes(stream), seed, server=server, deflate=deflate, max_size=max_size)


def _masked(stream: bytes) -> bytes:
    """The frames of ``stream`` (unmasked, well-formed lengths) with a zero mask added;
    bytes after the last whole frame are kept as they are."""
    out, pos = bytearray(), 0
    while pos + 2 <= len(stream):
        length, head = stream[pos + 1] & 0x7F, 2
        if length == 126:
            length, head = int.from_bytes(stream[pos + 2 : pos + 4], "big"), 4
        elif length == 127:
            length, head = int.from_bytes(stream[pos + 2 : pos + 10], "big"), 10
        out += bytes((stream[pos], stream[pos + 1] | 0x80)) + stream[pos + 2 : pos + head]
        out += b"\x00\x00\x00\x00" + stream[pos + head : pos + head + length]
        pos += head + length
    return bytes(out + stream[pos:])


@pytest.mark.parametrize("mask", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("deflate", DEFLATE)
def test_frame_messages_writes_what_the_library_reads(mask: bool, deflate: str) -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        messages: list[str | bytes] = []
        for _ in range(rng.randint(1, 20)):
            size = rng.choice(LENGTHS) if rng.random() < 0.5 else rng.randint(0, 300)
            if rng.random() < 0.5:
                messages.append(_text(rng, size).decode())
            else:
                messages.append(rng.randbytes(size))
        ours = b"".join(frame_messages(messages, mask=mask, extensions=_deflate(deflate)))
        reader = Protocol(Side.SERVER if mask else Side.CLIENT, max_size=None)
        reader.extensions = _peer_deflate(deflate)
        reader.receive_data(ours)
        frames = reader.events_received()
        assert reader.parser_exc is None, f"seed {seed}: {reader.parser_exc}"
        got = [bytes(f.data).decode() if f.opcode is Opcode.TEXT else bytes(f.data) for f in frames]
        assert got == messages, f"seed {seed}"
        assert all(frame.fin for frame in frames)
        if not mask:
            extensions = _library_deflate(deflate)
            theirs = b"".join(
                Frame(
                    Opcode.TEXT if isinstance(m, str) else Opcode.BINARY,
                    m.encode() if isinstance(m, str) else m,
                ).serialize(mask=False, extensions=extensions)
                for m in messages
            )
            assert ours == theirs, f"seed {seed}: not the library's bytes"


def test_frame_messages_draws_a_fresh_mask_for_every_frame() -> None:
    chunks = frame_messages([b"x" * 10] * 50, mask=True)
    keys = {chunk[2:6] for chunk in chunks[0::2]}
    assert len(keys) == 50  # 50 random 32-bit keys: a repeat has odds under 1e-6
    assert all(chunk[1] & 0x80 for chunk in chunks[0::2])
