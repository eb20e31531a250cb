"""The reference receiver: what RFC 6455 (and RFC 7692 for permessage-deflate) says an
endpoint must do with a byte stream of frames, written from the RFCs and the standard
library only (never websockets, which wscli is built on).

:func:`expect` reads a stream as one side of a connection reads the other's frames and
says what must come of it: the messages delivered, the pings to answer, and either the
close codes the receiver may fail the connection with (the first violation in the stream,
RFC 6455 section 7.4.1: 1002 protocol error, 1007 invalid UTF-8, 1009 too big), or the
close frame that ends it, or where the stream stopped (inside a frame, or a fragmented
message).

UTF-8 is checked as it arrives (the first invalid byte fails the connection, "fail fast"),
which RFC 6455 allows and wscli does. Where websockets, and so wscli, knowingly reads the
RFC differently, the outcome names the situation in ``quirks`` (see runner.KNOWN).
"""

import codecs
import zlib
from dataclasses import dataclass, field

from tests.fuzz.wire import mask_bytes

__all__ = ["VALID_CLOSE_CODES", "Outcome", "expect"]

#: Codes a close frame may carry (RFC 6455 section 7.4, and the IANA registry: 1012-1014).
VALID_CLOSE_CODES = frozenset(
    [*range(1000, 1004), *range(1007, 1015), *range(3000, 5000)],
)
_OPCODES = frozenset({0x0, 0x1, 0x2, 0x8, 0x9, 0xA})
_TAIL = b"\x00\x00\xff\xff"


@dataclass
class Outcome:
    """What a receiver must make of a stream."""

    #: Whole messages delivered, in order (``str`` text, ``bytes`` binary).
    messages: list[str | bytes] = field(default_factory=list)
    #: The payloads of the pings to answer with pongs, in order.
    pongs: list[bytes] = field(default_factory=list)
    #: The receiver must fail the connection with one of these (empty: no violation).
    codes: frozenset[int] = frozenset()
    #: Why (the first violation), for reports.
    why: str = ""
    #: The payload of the valid close frame that ended the stream, if one did.
    close: bytes | None = None
    #: The stream stopped inside a frame or inside a fragmented message.
    partial: bool = False
    #: Where websockets reads the RFC differently (see runner.KNOWN), by name.
    quirks: set[str] = field(default_factory=set)
    #: After invalid UTF-8 in a data frame: the codes a protocol violation later in the
    #: stream would give, and the payload of a close frame later in it.
    later_codes: frozenset[int] = frozenset()
    later_close: bytes | None = None
    #: ... and the payloads of the pings after it, which websockets may answer.
    later_pongs: list[bytes] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.codes)


@dataclass
class _Message:
    """A message in progress."""

    opcode: int
    compressed: bool
    size: int = 0
    data: bytearray = field(default_factory=bytearray)
    decoder: codecs.IncrementalDecoder | None = None
    inflater: "zlib._Decompress | None" = None


class _Header:
    __slots__ = ("end", "fin", "length", "masked", "msb", "opcode", "rsv")

    def __init__(self, stream: bytes, pos: int) -> None:
        head1, head2 = stream[pos], stream[pos + 1]
        self.fin, self.rsv, self.opcode = bool(head1 & 0x80), head1 >> 4 & 7, head1 & 0x0F
        self.masked = bool(head2 & 0x80)
        self.length, self.end, self.msb = head2 & 0x7F, pos + 2, False
        if self.length >= 126:
            size = 2 if self.length == 126 else 8
            field_ = stream[self.end : self.end + size]
            self.length = int.from_bytes(field_, "big") if len(field_) == size else -1
            self.msb = size == 8 and self.length >= 1 << 63
            self.end += size
        if self.masked:
            self.end += 4


class _Reference:
    """RFC 6455's receiver, frame by frame."""

    def __init__(self, masked: bool, max_size: int | None, deflate: bool) -> None:
        self.masked, self.max_size, self.deflate = masked, max_size, deflate
        self.out = Outcome()
        self.message: _Message | None = None
        self.check_utf8 = True

    def run(self, stream: bytes) -> Outcome:
        pos = 0
        while pos < len(stream):
            if len(stream) - pos < 2:
                return self._stopped()
            head = _Header(stream, pos)
            codes = self._header_codes(head)
            if head.length < 0:
                return self._stopped(codes)
            if head.end + head.length > len(stream):
                return self._stopped(codes)
            if codes:
                return self._fail(codes | self._frame_codes(head), "header")
            payload = stream[head.end : head.end + head.length]
            if head.masked:
                key = stream[head.end - 4 : head.end]
                payload = mask_bytes(payload, key)
            if not self._frame(head, payload):
                return self._after(stream, head.end + head.length)
            pos = head.end + head.length
        self.out.partial = self.message is not None
        return self.out

    def _stopped(self, codes: frozenset[int] = frozenset()) -> Outcome:
        """The stream ends here: inside a frame whose header already breaks the rules
        (``codes``), inside a frame, or at a frame boundary."""
        if codes:
            return self._fail(codes, "header")
        self.out.partial = True
        return self.out

    def _fail(self, codes: frozenset[int], why: str) -> Outcome:
        if not self.out.codes:
            self.out.codes, self.out.why = codes, why
        return self.out

    def _limit(self, head: _Header) -> int | None:
        """How many more bytes the message this frame belongs to may take."""
        if self.max_size is None or head.opcode & 0x08:
            return None
        taken = self.message.size if self.message is not None and head.opcode == 0 else 0
        return self.max_size - taken

    def _header_codes(self, head: _Header) -> frozenset[int]:
        """Violations seen in the first bytes of a frame, before its payload."""
        codes = set()
        if head.opcode not in _OPCODES or head.masked is not self.masked or head.msb:
            codes.add(1002)
        limit = self._limit(head)
        if limit is not None and head.length > limit:
            codes.add(1009)
        if codes and self.max_size is not None:
            codes |= self._too_big_anyway(head)
        invalid = self._frame_codes(head)
        if 1009 in invalid:  # a frame already wrong by its header, and too big: no need to
            codes |= invalid  # read its payload (websockets does not: size comes first)
        return frozenset(codes)

    def _too_big_anyway(self, head: _Header) -> set[int]:
        """An invalid frame may also be refused for its size: any frame over what the
        message in progress may still take (the frame is wrong either way)."""
        taken = self.message.size if self.message is not None else 0
        assert self.max_size is not None
        return {1009} if head.length > self.max_size - taken else set()

    def _frame_codes(self, head: _Header) -> frozenset[int]:
        """Violations of the frame as a whole (RSV bits, control frames, fragmentation)."""
        compressed_start = self.deflate and head.opcode in (1, 2) and head.rsv == 4
        bad = head.rsv and not compressed_start
        if head.opcode & 0x08:
            bad = bad or not head.fin or head.length > 125
        elif head.opcode == 0:
            bad = bad or self.message is None
        elif head.opcode in (1, 2):
            bad = bad or self.message is not None
        codes = {1002} if bad else set()
        if codes and self.max_size is not None:
            codes |= self._too_big_anyway(head)
        return frozenset(codes)

    def _frame(self, head: _Header, payload: bytes) -> bool:
        """Take one complete frame; False once the stream is over (a violation, or a close)."""
        codes = self._frame_codes(head)
        if codes:
            self._fail(codes, f"frame (opcode {head.opcode:#x}, rsv {head.rsv})")
            return False
        if head.opcode == 0x8:
            self._control_in_message(head)
            return self._close(payload)
        if head.opcode == 0x9:
            self._control_in_message(head)
            self.out.pongs.append(payload)
            return True
        if head.opcode == 0xA:
            self._control_in_message(head)
            return True
        return self._data(head, payload)

    def _control_in_message(self, head: _Header) -> None:
        """websockets holds a control frame to the size limit, and between fragments to
        what the message may still take (RFC 6455 does not: a control frame is no part of
        a message, and 125 bytes are always allowed)."""
        taken = self.message.size if self.message is not None else 0
        if self.max_size is not None and head.length > self.max_size - taken:
            self.out.quirks.add("control-size")

    def _close(self, payload: bytes) -> bool:
        codes = set()
        if len(payload) == 1:
            codes.add(1002)
        elif len(payload) >= 2:
            if int.from_bytes(payload[:2], "big") not in VALID_CLOSE_CODES:
                codes.add(1002)
            try:
                payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                codes.add(1007)
        if codes:
            self._fail(frozenset(codes), "close frame")
            return False
        if self.message is not None:
            self.out.quirks.add("close-in-fragment")
        if self.check_utf8:
            self.out.close = payload
        else:
            self.out.later_close = payload
        return False

    def _data(self, head: _Header, payload: bytes) -> bool:
        if head.opcode != 0:
            compressed = self.deflate and head.rsv == 4
            self.message = _Message(head.opcode, compressed)
            if head.opcode == 1:
                self.message.decoder = codecs.getincrementaldecoder("utf-8")()
            if compressed:
                self.message.inflater = zlib.decompressobj(wbits=-15)
        message = self.message
        assert message is not None
        data = payload
        if message.inflater is not None:
            try:
                data = message.inflater.decompress(payload + (_TAIL if head.fin else b""))
            except zlib.error:
                self._fail(frozenset({1002, 1007}), "compressed data that does not inflate")
                return False
        message.size += len(data)
        if self.max_size is not None and message.size > self.max_size:
            self._fail(frozenset({1009}), "a message over the size limit once inflated")
            return False
        message.data += data
        if message.decoder is not None and self.check_utf8:
            try:
                message.decoder.decode(data, final=head.fin)
            except UnicodeDecodeError:
                self._fail(frozenset({1007}), "invalid UTF-8")
                self.check_utf8 = False
                if head.fin:
                    self.message = None
                return False
        if head.fin:
            body = bytes(message.data)
            text = message.opcode == 1
            self.out.messages.append(body.decode("utf-8", "replace") if text else body)
            self.message = None
        return True

    def _after(self, stream: bytes, pos: int) -> Outcome:
        """After invalid UTF-8 in a data frame: websockets has parsed the whole read before
        the text is decoded, so a later violation (or close frame) in the same read is
        what it acts on. Find it (the quirk "utf8-latent")."""
        if self.check_utf8 or self.out.codes != {1007}:
            return self.out
        later = _Reference(self.masked, self.max_size, self.deflate)
        later.message, later.check_utf8 = self.message, False
        if later.message is not None and later.message.opcode == 1:
            later.message.decoder = None
        result = later.run(stream[pos:])
        self.out.quirks |= {"utf8-latent", *result.quirks}
        self.out.later_codes, self.out.later_close = result.codes, result.later_close
        self.out.later_pongs = result.pongs
        return self.out


def expect(stream: bytes, *, masked: bool, max_size: int | None, deflate: bool) -> Outcome:
    """What a receiver must do with ``stream``: frames that must be masked (``masked``:
    the receiver is a server) or not, messages of at most ``max_size`` bytes (None: no
    limit), and permessage-deflate (without context takeover) if ``deflate``."""
    return _Reference(masked, max_size, deflate).run(stream)
