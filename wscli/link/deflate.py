"""permessage-deflate for whole messages, as websockets' PerMessageDeflate does it.

The library encodes and decodes every frame through ``PerMessageDeflate.encode`` and
``decode``, which build a new ``Frame`` (a dataclass) each time: on a stream of short
messages that costs as much as zlib itself. A message in one frame (FIN, not a
continuation) needs none of it; :func:`inflate` and :func:`deflate` make the same zlib
calls on the extension's own compressor and decompressor (so the library's path, used for
fragments, goes on with the same contexts), with the same limits and errors.
tests/test_frames.py compares them with the library frame by frame.
"""

import zlib
from collections.abc import Sequence
from typing import Any

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate

__all__ = ["deflate", "inflate", "only_deflate"]

_EMPTY_BLOCK = b"\x00\x00\xff\xff"
_SYNC = zlib.Z_SYNC_FLUSH


def only_deflate(extensions: Sequence[Extension]) -> PerMessageDeflate | None:
    """The permessage-deflate extension when it is the only one negotiated."""
    if len(extensions) == 1 and type(extensions[0]) is PerMessageDeflate:
        return extensions[0]
    return None


def inflate(extension: PerMessageDeflate, data: Any, max_size: int | None) -> bytes:
    """The payload of a compressed message in one frame (RSV1, FIN), decompressed.

    Raises:
        PayloadTooBig: it would be over ``max_size`` bytes.
        ProtocolError: it is not a valid deflate stream.
    """
    if extension.remote_no_context_takeover:
        extension.decoder = zlib.decompressobj(wbits=-extension.remote_max_window_bits)
    decoder = extension.decoder
    max_length = 0 if max_size is None else max_size
    try:
        if len(data) < 2044:  # the library's threshold: a copy beats a second call
            out = decoder.decompress(bytes(data) + _EMPTY_BLOCK, max_length)
            if decoder.unconsumed_tail:
                raise PayloadTooBig(None, max_size)
        else:
            out = decoder.decompress(data, max_length)
            if decoder.unconsumed_tail:
                raise PayloadTooBig(None, max_size)
            if decoder.decompress(_EMPTY_BLOCK, 1):  # data held back by max_size
                raise PayloadTooBig(None, max_size)
    except zlib.error as exc:
        raise ProtocolError("decompression failed") from exc
    if extension.remote_no_context_takeover:
        del extension.decoder
    return out


def deflate(extension: PerMessageDeflate, data: bytes) -> bytes:
    """A whole message's payload, compressed for a frame with RSV1 set."""
    if extension.local_no_context_takeover:
        encoder = zlib.compressobj(
            wbits=-extension.local_max_window_bits, **extension.compress_settings
        )
    else:
        encoder = extension.encoder
    out = encoder.compress(data)  # usually empty: zlib holds short input until the flush
    out = out + encoder.flush(_SYNC) if out else encoder.flush(_SYNC)
    return out[:-4]  # the sync flush's empty block, which the frame leaves out
