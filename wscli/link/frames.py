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
from typing import Any

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions import Extension
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import SERVER, Protocol

__all__ = ["FastParse", "batch_size", "fast_protocol_class", "frame_messages", "message_size"]

try:
    from websockets.speedups import apply_mask as _c_apply_mask
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask as _c_apply_mask

#: XOR with a 4-byte mask (websockets' C speedup); takes memoryviews too.
apply_mask: Callable[[Any, Any], bytes] = _c_apply_mask

_DATA_OPCODES = (Opcode.CONT, Opcode.TEXT, Opcode.BINARY)
_PACK_16 = struct.Struct("!BBH").pack
_PACK_64 = struct.Struct("!BBQ").pack


class FastParse(Protocol):
    """Protocol.parse with a fast loop over complete data frames (see the module's doc).

    Mixed in after ClientProtocol or ServerProtocol (:func:`fast_protocol_class`), so
    their handshake parsing ends in this ``parse`` (``yield from super().parse()``).
    """

    def parse(self) -> Generator[None]:
        # The library's loop (websockets.protocol.Protocol.parse), with the fast loop run
        # whenever the buffer starts at a frame boundary.
        try:
            while True:
                if (yield from self.reader.at_eof()):
                    raise EOFError("unexpected end of stream")
                if not self.debug:  # frames are logged one by one by the library's path
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
        """Take every complete data frame at the start of the buffer; stop at the first
        frame that is anything else, or incomplete, and leave it to the library.

        A frame that is a whole message (FIN, not a continuation, no fragmented message in
        progress) becomes the message itself among the protocol's events: a ``str`` (valid
        UTF-8) or ``bytes``, which the engine's connection takes as a received message.
        Other data frames (fragments, and text that is not valid UTF-8, which the
        connection fails with 1007) go through ``recv_frame`` as the library's would.
        """
        buffer = self.reader.buffer
        end = len(buffer)
        pos = 0
        masked = self.side is SERVER
        extensions = self.extensions
        events: list[Any] = self.events  # messages join the library's frames
        try:
            with memoryview(buffer) as view:
                while end - pos >= 2:
                    head1, head2 = buffer[pos], buffer[pos + 1]
                    opcode = head1 & 0x0F
                    if opcode > 2 or (head2 >= 0x80) is not masked:
                        break  # a control frame or an error: the library's path
                    if head1 & 0x70 and not extensions:
                        break  # reserved bits: the library's error
                    length = head2 & 0x7F
                    start = pos + 2
                    if length == 126:
                        if end - start < 2:
                            break
                        length = (buffer[start] << 8) | buffer[start + 1]
                        start += 2
                    elif length == 127:
                        if end - start < 8:
                            break
                        length = int.from_bytes(view[start : start + 8], "big")
                        start += 8
                    if self.current_size is None and self.max_fragment_size is None:
                        max_size = self.max_message_size  # what max_frame_size() gives
                    else:
                        max_size = self.max_frame_size()
                    if max_size is not None and length > max_size:
                        break  # the library raises PayloadTooBig
                    stop = start + length + (4 if masked else 0)
                    if stop > end:
                        break
                    if masked:
                        data = apply_mask(view[start + 4 : stop], view[start : start + 4])
                    else:
                        data = bytes(view[start:stop])
                    pos = stop  # consumed even if the frame is refused, as the library does
                    if not head1 & 0x70 and head1 & 0x80 and opcode and self.current_size is None:
                        if opcode == 2:
                            events.append(data)
                            continue
                        try:
                            events.append(data.decode())
                            continue
                        except UnicodeDecodeError:
                            pass  # as a frame: the connection fails it with 1007
                    self.read_frame(
                        Frame(
                            _DATA_OPCODES[opcode],
                            data,
                            head1 >= 0x80,
                            bool(head1 & 0x40),
                            bool(head1 & 0x20),
                            bool(head1 & 0x10),
                        ),
                        max_size,
                    )
        finally:
            if pos:
                del buffer[:pos]

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


_CLASSES: dict[type[Protocol], type[Protocol]] = {}


def fast_protocol_class(base: type[Protocol]) -> type[Protocol]:
    """``base`` (ClientProtocol or ServerProtocol) with :class:`FastParse` under it."""
    if issubclass(base, FastParse):
        return base
    made = _CLASSES.get(base)
    if made is None:
        made = _CLASSES[base] = type(f"Fast{base.__name__}", (base, FastParse), {})
    return made


def frame_messages(
    messages: Sequence[str | bytes], *, mask: bool, extensions: Sequence[Extension] = ()
) -> list[bytes]:
    """Whole messages as unfragmented frames, encoded by ``extensions`` as
    ``Frame.serialize`` does, ready to write; masked (on the client's side) with keys cut
    from one ``os.urandom`` buffer."""
    chunks: list[bytes] = []
    append = chunks.append
    keys = os.urandom(4 * len(messages)) if mask else b""
    bit = 0x80 if mask else 0
    for index, message in enumerate(messages):
        if isinstance(message, str):
            head1 = 0x81
            data: Any = message.encode("utf-8", "surrogatepass")
        else:
            head1, data = 0x82, message
        if extensions:
            frame = Frame(_DATA_OPCODES[head1 & 0x0F], data)
            for extension in extensions:
                frame = extension.encode(frame)
            data = frame.data
            head1 |= (frame.rsv1 and 0x40) | (frame.rsv2 and 0x20) | (frame.rsv3 and 0x10)
        length = len(data)
        if length < 126:
            head = bytes((head1, bit | length))
        elif length < 65536:
            head = _PACK_16(head1, bit | 126, length)
        else:
            head = _PACK_64(head1, bit | 127, length)
        if mask:
            key = keys[4 * index : 4 * index + 4]
            append(head + key)
            append(apply_mask(data, key))
        else:
            append(head)
            append(data)
    return chunks


def batch_size(messages: list[str | bytes]) -> int:
    """The size of several messages, in bytes."""
    size = 0
    for data in messages:
        size += len(data) if type(data) is bytes or data.isascii() else message_size(data)
    return size


def message_size(data: str | bytes) -> int:
    """A message's size in bytes: its UTF-8 length for text (ASCII is counted cheaply)."""
    if isinstance(data, bytes) or data.isascii():
        return len(data)
    return len(data.encode("utf-8", "surrogatepass"))
