"""A faster path for data frames, under websockets' own protocol objects.

The profile of a pipe or a bulk receive is websockets' per-frame machinery: ``Frame.parse``
reads each frame through four nested generators (and moves the rest of the buffer after
each read), and ``Frame.serialize`` asks ``os.urandom`` for every mask. Here:

- :class:`FastParse` reads every *complete data frame* at the start of the buffer in one
  loop and hands each to the protocol's own ``recv_frame`` (which keeps the checks of
  fragmentation and of the size of a fragmented message); the frame is built and decoded
  by the negotiated extensions exactly as ``Frame.parse`` does. Anything else — a control
  frame, a frame not complete yet, a frame the library would reject (a reserved opcode,
  wrong masking, too big) — goes through the library's own parser, unchanged, which raises
  its own errors and fails the connection with its own close codes.
- :func:`frame_messages` frames a batch of whole messages (through the negotiated
  extensions, as ``Frame.serialize`` does) with one ``os.urandom`` call for all masks.

tests/test_frames.py compares both with the library frame by frame on random frames.
"""

import os
import struct
from collections.abc import Callable, Generator, Sequence
from typing import Any, cast

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import SERVER, Protocol

from wscli.link.deflate import compressor, inflate, only_deflate

__all__ = ["CLOSE_REASON_NOTE", "FastParse", "fast_protocol_class", "frame_messages"]

try:
    from websockets.speedups import apply_mask as _c_apply_mask
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask as _c_apply_mask

#: XOR with a 4-byte mask (websockets' C speedup); takes memoryviews too.
apply_mask: Callable[[Any, Any], bytes] = _c_apply_mask

_DATA_OPCODES = (Opcode.CONT, Opcode.TEXT, Opcode.BINARY)
_PACK_16 = struct.Struct("!BBH").pack
_PACK_64 = struct.Struct("!BBQ").pack
#: The note on a UnicodeDecodeError that failed the connection when the text was a close
#: frame's reason (the only text the parser decodes: messages are the engine's).
CLOSE_REASON_NOTE = "in a close frame's reason"


class FastParse(Protocol):
    """Protocol.parse with a fast loop over complete data frames (see the module's doc).

    Mixed in after ClientProtocol or ServerProtocol (:func:`fast_protocol_class`), so
    their handshake parsing ends in this ``parse`` (``yield from super().parse()``).

    A data frame that is a whole message (FIN, not a continuation, no fragmented message
    in progress) becomes the message itself among the protocol's events: a ``str`` (valid
    UTF-8) or ``bytes``, which the engine's connection takes as a received message. Other
    data frames (fragments, and text that is not valid UTF-8, which the connection fails
    with 1007) go through ``recv_frame`` as the library's would.
    """

    def parse(self) -> Generator[None]:
        # The library's loop (websockets.protocol.Protocol.parse), with the fast loop run
        # whenever the buffer starts at a frame boundary.
        try:
            while True:
                if (yield from self.reader.at_eof()):
                    raise EOFError("unexpected end of stream")
                if not self.debug:  # frames are logged one by one by the library's path
                    if deflated := only_deflate(self.extensions):
                        self.read_compressed_messages(deflated)
                    self.read_data_frames()
                    if not self.reader.buffer:
                        continue
                max_size = self.max_frame_size()
                frame = yield from Frame.parse(
                    self.reader.read_exact,
                    mask=self.side is SERVER,
                    max_size=max_size,
                    extensions=self.extensions,
                )
                if self.debug:
                    self.logger.debug("< %s", frame)
                self.recv_frame(frame)
        except ProtocolError as exc:
            self.fail(CloseCode.PROTOCOL_ERROR, str(exc))
            self.parser_exc = exc
        except EOFError as exc:
            self.fail(CloseCode.ABNORMAL_CLOSURE, str(exc))
            self.parser_exc = exc
        except UnicodeDecodeError as exc:
            self.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            exc.add_note(CLOSE_REASON_NOTE)
            self.parser_exc = exc
        except PayloadTooBig as exc:
            exc.set_current_size(self.current_size)
            self.fail(CloseCode.MESSAGE_TOO_BIG, str(exc))
            self.parser_exc = exc
        except Exception as exc:
            self.logger.error("parser failed", exc_info=True)
            self.fail(CloseCode.INTERNAL_ERROR)
            self.parser_exc = exc
        yield
        raise AssertionError("parse() shouldn't step after error")

    def max_frame_size(self) -> int | None:
        """The largest payload the next frame may carry (as Protocol.parse computes it)."""
        max_size = None
        if self.max_message_size is not None:
            if self.current_size is None:
                max_size = self.max_message_size
            else:
                max_size = self.max_message_size - self.current_size
        if self.max_fragment_size is not None:
            if max_size is None:
                max_size = self.max_fragment_size
            else:
                max_size = min(max_size, self.max_fragment_size)
        return max_size

    def read_data_frames(self) -> None:
        """Take every complete data frame at the start of the buffer (see the class's
        doc); stop at the first that is anything else, or incomplete."""
        buffer = self.reader.buffer
        end = len(buffer)
        pos = 0
        masked, mask_bit, key_size = (True, 0x80, 4) if self.side is SERVER else (False, 0, 0)
        events: list[Any] = self.events  # messages join the library's frames
        deflated = only_deflate(self.extensions)
        # max_frame_size() changes only with a fragment: computed again after one.
        whole = self.current_size is None
        max_size = self.max_frame_size()
        try:
            with memoryview(buffer) as view:
                while end - pos >= 2:
                    head1, head2 = buffer[pos], buffer[pos + 1]
                    if head2 & 0x80 != mask_bit:
                        break  # wrong masking: the library's error
                    length, start = head2 & 0x7F, pos + 2
                    if length >= 126:
                        start, length = _extended_length(view, start, end, length)
                        if length < 0:
                            break
                    if max_size is not None and length > max_size:
                        break  # the library raises PayloadTooBig
                    stop = start + key_size + length
                    if stop > end:
                        break
                    if whole and (head1 == 0x81 or head1 == 0x82):  # a whole message
                        try:  # (no slice of the view outlives the statement)
                            if not masked:
                                events.append(
                                    str(view[start:stop], "utf-8")
                                    if head1 == 0x81
                                    else bytes(view[start:stop])
                                )
                            elif head1 == 0x81:
                                data = apply_mask(view[start + 4 : stop], view[start : start + 4])
                                events.append(data.decode())
                            else:
                                events.append(
                                    apply_mask(view[start + 4 : stop], view[start : start + 4])
                                )
                            pos = stop
                            continue
                        except UnicodeDecodeError:
                            pass  # as a frame: the connection fails it with 1007
                    if head1 & 0x0F > 2 or (head1 & 0x70 and not self.extensions):
                        break  # a control frame or an error: the library's path
                    pos = stop  # consumed even if the frame is refused, as the library does
                    if masked:
                        data = apply_mask(view[start + 4 : stop], view[start : start + 4])
                    else:
                        data = bytes(view[start:stop])
                    self.read_other(head1, data, max_size, deflated)
                    if not whole or self.current_size is not None:
                        whole, max_size = self.current_size is None, self.max_frame_size()
        finally:
            if pos:
                del buffer[:pos]

    def read_compressed_messages(self, deflated: PerMessageDeflate) -> None:
        """read_data_frames' loop for compressed whole messages (what a peer that
        negotiated permessage-deflate sends): take each at the start of the buffer and
        decompress it (:func:`~wscli.link.deflate.inflate`); stop at anything else."""
        buffer, events = self.reader.buffer, cast(list[Any], self.events)
        end, pos = len(buffer), 0
        masked, mask_bit, key_size = (True, 0x80, 4) if self.side is SERVER else (False, 0, 0)
        if self.current_size is not None:
            return  # a fragmented message is in progress
        max_size = self.max_frame_size()
        try:
            with memoryview(buffer) as view:
                while end - pos >= 2:
                    head1, head2 = buffer[pos], buffer[pos + 1]
                    if (head1 != 0xC1 and head1 != 0xC2) or head2 & 0x80 != mask_bit:
                        break
                    length, start = head2 & 0x7F, pos + 2
                    if length >= 126:
                        start, length = _extended_length(view, start, end, length)
                        if length < 0:
                            break
                    stop = start + key_size + length
                    if (max_size is not None and length > max_size) or stop > end:
                        break  # too big (the library's error) or not all in yet
                    if masked:
                        data = apply_mask(view[start + 4 : stop], view[start : start + 4])
                    else:
                        data = bytes(view[start:stop])
                    pos = stop  # consumed even if it is refused, as the library does
                    data = inflate(deflated, data, max_size)
                    try:
                        events.append(data.decode() if head1 == 0xC1 else data)
                    except UnicodeDecodeError:  # as a frame: the connection fails it
                        self.recv_frame(Frame(Opcode.TEXT, data))
        finally:
            if pos:
                del buffer[:pos]

    def read_other(
        self, head1: int, data: bytes, max_size: int | None, deflated: PerMessageDeflate | None
    ) -> None:
        """A data frame that is not a whole uncompressed message: a compressed one (see
        :func:`~wscli.link.deflate.inflate`; ``deflated``: the extension, if it is the only
        one), a fragment, or invalid UTF-8."""
        events = cast(list[Any], self.events)
        if (head1 == 0xC1 or head1 == 0xC2) and deflated and self.current_size is None:
            data = inflate(deflated, data, max_size)  # a compressed message in one frame
            if head1 == 0xC2:
                events.append(data)
                return
            try:
                events.append(data.decode())
                return
            except UnicodeDecodeError:  # as a frame: the connection fails it with 1007
                self.recv_frame(Frame(Opcode.TEXT, data))
                return
        frame = Frame(
            _DATA_OPCODES[head1 & 0x0F],
            data,
            head1 >= 0x80,
            bool(head1 & 0x40),
            bool(head1 & 0x20),
            bool(head1 & 0x10),
        )
        self.read_frame(frame, max_size)

    def read_frame(self, frame: Frame, max_size: int | None) -> None:
        """A data frame through the extensions (as Frame.parse does) and ``recv_frame``;
        a decoded whole message as itself (see :meth:`read_data_frames`)."""
        events: list[Any] = self.events
        if self.extensions:
            for extension in reversed(self.extensions):
                frame = extension.decode(frame, max_size=max_size)
            frame.check()
            if frame.fin and frame.opcode is not Opcode.CONT and self.current_size is None:
                if frame.opcode is Opcode.BINARY:
                    events.append(bytes(frame.data))
                    return
                try:
                    events.append(bytes(frame.data).decode())
                    return
                except UnicodeDecodeError:
                    pass
        self.recv_frame(frame)


def _extended_length(view: memoryview, start: int, end: int, code: int) -> tuple[int, int]:
    """Where the payload starts, and its length from the 16- or 64-bit field at ``start``
    (``code`` 126 or 127); -1 when the field is not all in yet."""
    size = 2 if code == 126 else 8
    if end - start < size:
        return start, -1
    return start + size, int.from_bytes(view[start : start + size], "big")


_CLASSES: dict[type[Protocol], type[Protocol]] = {}


def fast_protocol_class(base: type[Protocol]) -> type[Protocol]:
    """``base`` (ClientProtocol or ServerProtocol) with :class:`FastParse` under it."""
    if issubclass(base, FastParse):
        return base
    made = _CLASSES.get(base)
    if made is None:
        made = _CLASSES[base] = type(f"Fast{base.__name__}", (base, FastParse), {})
    return made


#: The first two bytes of an unfragmented frame of fewer than 126 bytes, by length.
_SHORT_HEADS = {
    (opcode, bit): [bytes((0x80 | opcode, bit | length)) for length in range(126)]
    for opcode in (Opcode.TEXT, Opcode.BINARY)
    for bit in (0, 0x80)
}


def _head(head1: int, bit: int, length: int) -> bytes:
    if length < 126:
        return bytes((head1, bit | length))
    if length < 65536:
        return _PACK_16(head1, bit | 126, length)
    return _PACK_64(head1, bit | 127, length)


def frame_messages(
    messages: Sequence[str | bytes], *, mask: bool, extensions: Sequence[Extension] = ()
) -> list[bytes]:
    """Whole messages as unfragmented frames, encoded by ``extensions`` as
    ``Frame.serialize`` does, ready to write; masked (on the client's side) with keys cut
    from one ``os.urandom`` buffer."""
    if extensions:
        return _frame_extended(messages, mask, extensions)
    chunks: list[bytes] = []
    append = chunks.append
    bit = 0x80 if mask else 0
    text_heads, binary_heads = _SHORT_HEADS[Opcode.TEXT, bit], _SHORT_HEADS[Opcode.BINARY, bit]
    keys = os.urandom(4 * len(messages)) if mask else b""
    offset = 0
    for message in messages:
        if type(message) is str:
            data: Any = message.encode("utf-8", "surrogatepass")
            heads = text_heads
        else:
            data, heads = message, binary_heads
        length = len(data)
        head = heads[length] if length < 126 else _head(heads[0][0], bit, length)
        if mask:
            key = keys[offset : offset + 4]
            offset += 4
            append(head + key)
            append(apply_mask(data, key))
        else:
            append(head)
            append(data)
    return chunks


def _frame_extended(
    messages: Sequence[str | bytes], mask: bool, extensions: Sequence[Extension]
) -> list[bytes]:
    """frame_messages through the extensions (permessage-deflate)."""
    chunks: list[bytes] = []
    keys = os.urandom(4 * len(messages)) if mask else b""
    deflated = only_deflate(extensions)
    if deflated is not None:  # the common case: no Frame objects
        bit, squeeze = (0x80 if mask else 0), compressor(deflated)
        for index, message in enumerate(messages):
            if isinstance(message, str):
                head1, data = 0xC1, squeeze(message.encode("utf-8", "surrogatepass"))
            else:
                head1, data = 0xC2, squeeze(message)
            length = len(data)
            head = bytes((head1, bit | length)) if length < 126 else _head(head1, bit, length)
            if mask:
                key = keys[4 * index : 4 * index + 4]
                chunks += (head + key, apply_mask(data, key))
            else:
                chunks += (head, data)
        return chunks
    for index, message in enumerate(messages):
        if isinstance(message, str):
            frame = Frame(Opcode.TEXT, message.encode("utf-8", "surrogatepass"))
        else:
            frame = Frame(Opcode.BINARY, message)
        for extension in extensions:
            frame = extension.encode(frame)
        head1 = 0x80 | frame.opcode
        head1 |= (frame.rsv1 and 0x40) | (frame.rsv2 and 0x20) | (frame.rsv3 and 0x10)
        head = _head(head1, 0x80 if mask else 0, len(frame.data))
        if mask:
            key = keys[4 * index : 4 * index + 4]
            chunks += (head + key, apply_mask(frame.data, key))
        else:
            chunks += (head, bytes(frame.data))
    return chunks
