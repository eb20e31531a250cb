"""permessage-deflate for whole messages, as websockets' PerMessageDeflate does it.

The library encodes and decodes every frame through ``PerMessageDeflate.encode`` and
``decode``, which build a new ``Frame`` (a dataclass) each time: on a stream of short
messages that costs as much as zlib itself. A message in one frame (FIN, not a
continuation) needs none of it; :func:`inflate` and :func:`deflate` make the same zlib
calls on the extension's own compressor and decompressor (so the library's path, used for
fragments, goes on with the same contexts), with the same limits and errors.
tests/test_frames.py compares them with the library frame by frame.
"""

import functools
import zlib
from collections.abc import Callable, Sequence
from typing import Any, cast

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions import Extension
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.typing import ExtensionParameter

__all__ = ["LazyDeflate", "compressor", "deflate", "inflate", "lazy_server_deflate", "only_deflate"]

_EMPTY_BLOCK = b"\x00\x00\xff\xff"
_SYNC = zlib.Z_SYNC_FLUSH


class _MadeWhenRead:
    """An attribute that ``make(instance)`` makes when it is first read (set and deleted
    as any other; deleted, it is made again at the next read)."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        value = getattr(instance, self.slot, None)
        if value is None:
            value = self.make(instance)
            setattr(instance, self.slot, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(instance, self.slot, value)

    def __delete__(self, instance: Any) -> None:
        setattr(instance, self.slot, None)


class LazyDeflate(PerMessageDeflate):
    """PerMessageDeflate whose zlib compressor and decompressor are made when first used:
    an idle connection holds neither (with websockets' server settings, about 33 KiB a
    connection, twice what the rest of an idle ``listen`` connection takes)."""

    decoder = _MadeWhenRead(lambda self: zlib.decompressobj(wbits=-self.remote_max_window_bits))
    encoder = _MadeWhenRead(
        lambda self: zlib.compressobj(wbits=-self.local_max_window_bits, **self.compress_settings)
    )

    def __init__(
        self,
        remote_no_context_takeover: bool,
        local_no_context_takeover: bool,
        remote_max_window_bits: int,
        local_max_window_bits: int,
        compress_settings: dict[Any, Any] | None = None,
    ) -> None:
        # PerMessageDeflate.__init__ without making the zlib objects.
        self.remote_no_context_takeover = remote_no_context_takeover
        self.local_no_context_takeover = local_no_context_takeover
        self.remote_max_window_bits = remote_max_window_bits
        self.local_max_window_bits = local_max_window_bits
        self.compress_settings = {} if compress_settings is None else compress_settings
        self.decode_cont_data = False


class _LazyServerFactory(ServerPerMessageDeflateFactory):
    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        response, made = super().process_request_params(params, accepted_extensions)
        lazy = LazyDeflate(
            made.remote_no_context_takeover,
            made.local_no_context_takeover,
            made.remote_max_window_bits,
            made.local_max_window_bits,
            made.compress_settings,
        )
        return response, lazy


def lazy_server_deflate() -> ServerPerMessageDeflateFactory:
    """permessage-deflate for a server, as websockets' ``compression="deflate"`` sets it
    up (``enable_server_permessage_deflate``), with :class:`LazyDeflate` connections."""
    return _LazyServerFactory(
        server_max_window_bits=12, client_max_window_bits=12, compress_settings={"memLevel": 5}
    )


def only_deflate(extensions: Sequence[Extension]) -> PerMessageDeflate | None:
    """The permessage-deflate extension when it is the only one negotiated."""
    if len(extensions) == 1 and type(extensions[0]) in _DEFLATES:
        return cast(PerMessageDeflate, extensions[0])
    return None


_DEFLATES = (PerMessageDeflate, LazyDeflate)


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


def compressor(extension: PerMessageDeflate) -> Callable[[bytes], bytes]:
    """:func:`deflate` for several messages in a row: with context takeover (the common
    case) the extension's compressor is looked up once."""
    if extension.local_no_context_takeover:
        return functools.partial(deflate, extension)
    encoder = extension.encoder
    compress, flush = encoder.compress, encoder.flush

    def compressed(data: bytes) -> bytes:
        out = compress(data)  # usually empty: zlib holds short input until the flush
        return (out + flush(_SYNC) if out else flush(_SYNC))[:-4]

    return compressed


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
