"""The WebSocket wire format by hand: frame headers, masks, the opening handshake, and a
reader of the frames the other side sends. Standard library only: the fuzzer must be able
to write what no WebSocket library would."""

import base64
import hashlib
import os
import struct
import zlib
from typing import NamedTuple

__all__ = [
    "GUID",
    "Frame",
    "FrameReader",
    "accept_key",
    "build_frame",
    "client_request",
    "deflate_message",
    "mask_bytes",
    "server_response",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455, section 4.2.2)."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def mask_bytes(data: bytes, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key``, repeated."""
    if not data:
        return b""
    repeated = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(data), "big"
    )


def build_frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = None,
    length: int | None = None,
    width: int | None = None,
) -> bytes:
    """One frame, byte by byte: ``rsv`` is the three RSV bits (0-7), ``mask`` the masking
    key (None: unmasked), ``length`` the length written in the header (default: the
    payload's; it may lie), ``width`` the length field's size (7, 16 or 64 bits; default:
    the shortest, as RFC 6455 requires)."""
    size = len(payload) if length is None else length
    if width is None:
        width = 7 if size < 126 else 16 if size < 65536 else 64
    head1 = (0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 0x0F)
    bit = 0x80 if mask is not None else 0
    if width == 7:
        head = bytes((head1, bit | size))
    elif width == 16:
        head = struct.pack("!BBH", head1, bit | 126, size)
    else:
        head = struct.pack("!BBQ", head1, bit | 127, size)
    if mask is None:
        return head + payload
    return head + mask + mask_bytes(payload, mask)


def deflate_message(data: bytes) -> bytes:
    """``data`` compressed as one permessage-deflate message without context takeover
    (RFC 7692: raw deflate, the final empty block's 00 00 ff ff removed)."""
    compressor = zlib.compressobj(wbits=-15)
    compressed = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return compressed[:-4] if compressed.endswith(b"\x00\x00\xff\xff") else compressed


def client_request(host: str, path: str = "/", extensions: str = "") -> tuple[bytes, str]:
    """An opening handshake request, and the Sec-WebSocket-Accept it must get back."""
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), accept_key(key)


def server_response(request: bytes, *, deflate: bool) -> bytes:
    """The 101 answer to ``request`` (its head, up to the blank line); with ``deflate``,
    permessage-deflate without context takeover either way."""
    headers = {}
    for line in request.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(headers['sec-websocket-key'])}",
    ]
    if deflate:
        lines.append(
            "Sec-WebSocket-Extensions: permessage-deflate; "
            "server_no_context_takeover; client_no_context_takeover"
        )
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Frame(NamedTuple):
    """A frame as read: its bits, and its payload unmasked."""

    fin: bool
    rsv: int
    opcode: int
    masked: bool
    payload: bytes

    @property
    def close_code(self) -> int | None:
        """A close frame's code (None: an empty close frame)."""
        return int.from_bytes(self.payload[:2], "big") if len(self.payload) >= 2 else None


class FrameReader:
    """Frames out of a byte stream fed in pieces (no limits, no checks: what the other
    side sent, as it sent it)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        """Add ``data``; return the frames now complete."""
        self.buffer += data
        frames = []
        while (frame := self._next()) is not None:
            frames.append(frame)
        return frames

    def _next(self) -> Frame | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        length, start = buffer[1] & 0x7F, 2
        if len(buffer) < {126: 4, 127: 10}.get(length, 2):
            return None
        if length == 126:
            length, start = int.from_bytes(buffer[2:4], "big"), 4
        elif length == 127:
            length, start = int.from_bytes(buffer[2:10], "big"), 10
        masked = bool(buffer[1] & 0x80)
        key_end = start + (4 if masked else 0)
        if len(buffer) < key_end + length:
            return None
        payload = bytes(buffer[key_end : key_end + length])
        if masked:
            payload = mask_bytes(payload, bytes(buffer[start:key_end]))
        head = buffer[0]
        del buffer[: key_end + length]
        return Frame(bool(head & 0x80), head >> 4 & 7, head & 0x0F, masked, payload)
