"""The supervisor's wire format (docs/interfaces.md): typed, length-prefixed frames."""

import json
import struct
from typing import Any

HEADER = struct.Struct(">BI")
JSON = 0x4A
STDIN = 0
STDOUT = 1
STDERR = 2
MAX_FRAME = 16 << 20


def encode(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def encode_json(message: dict[str, Any]) -> bytes:
    return encode(JSON, json.dumps(message, separators=(",", ":")).encode())


class FrameBuffer:
    """Accumulates bytes and yields the complete frames in them."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        frames = []
        while len(self._buf) >= HEADER.size:
            kind, size = HEADER.unpack_from(self._buf)
            if size > MAX_FRAME:
                raise ValueError(f"frame of {size} bytes is too large")
            if len(self._buf) < HEADER.size + size:
                break
            frames.append((kind, bytes(self._buf[HEADER.size:HEADER.size + size])))
            del self._buf[:HEADER.size + size]
        return frames
