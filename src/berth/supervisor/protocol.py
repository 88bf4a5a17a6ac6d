"""The supervisor's wire format (docs/interfaces.md), shared by server and clients.

Every frame is ``type: u8``, ``length: u32 big-endian``, ``payload``. Type
0x4A carries a JSON object; 1 and 2 carry the container's stdout and stderr;
0 carries stdin towards the container (empty: close it).
"""

import json
import struct
from typing import Any

from berth.errors import (
    BerthError,
    CommandNotFound,
    CommandNotInvokable,
    Conflict,
    FailedPrecondition,
    NotFound,
)

HEADER = struct.Struct(">BI")
JSON = 0x4A
STDIN = 0
STDOUT = 1
STDERR = 2
MAX_FRAME = 16 << 20

# Error kinds on the wire and the exceptions they stand for, both ways.
ERROR_KINDS: dict[str, type[BerthError]] = {
    "not_found": CommandNotFound,
    "not_invokable": CommandNotInvokable,
    "no_such_container": NotFound,
    "conflict": Conflict,
    "failed": FailedPrecondition,
}


class FrameError(ValueError):
    """The peer sent something that is not a frame of this protocol."""


def encode(kind: int, payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise FrameError(f"frame of {len(payload)} bytes is too large")
    return HEADER.pack(kind, len(payload)) + payload


def encode_stdin(data: bytes, chunk: int = 1 << 20) -> list[bytes]:
    """Stdin frames for ``data`` (split to stay far below MAX_FRAME); ``b""``: the close."""
    if not data:
        return [encode(STDIN, b"")]
    view = memoryview(data)
    return [encode(STDIN, bytes(view[i:i + chunk])) for i in range(0, len(data), chunk)]


def encode_json(message: dict[str, Any]) -> bytes:
    return encode(JSON, json.dumps(message, separators=(",", ":")).encode())


def decode_json(payload: bytes) -> dict[str, Any]:
    try:
        value = json.loads(payload)
    except ValueError as e:
        raise FrameError(f"bad JSON frame: {e}") from None
    if not isinstance(value, dict):
        raise FrameError("a JSON frame must hold an object")
    return value


class FrameBuffer:
    """Accumulates bytes and yields the complete frames in them."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        frames = []
        while len(self._buf) >= HEADER.size:
            kind, size = HEADER.unpack_from(self._buf)
            if kind not in (JSON, STDIN, STDOUT, STDERR):
                raise FrameError(f"unknown frame type {kind}")
            if size > MAX_FRAME:
                raise FrameError(f"frame of {size} bytes is too large")
            if len(self._buf) < HEADER.size + size:
                break
            frames.append((kind, bytes(self._buf[HEADER.size:HEADER.size + size])))
            del self._buf[:HEADER.size + size]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still buffered."""
        return len(self._buf)


def error_reply(error: BerthError) -> dict[str, Any]:
    kind = "failed"
    for name, cls in ERROR_KINDS.items():
        if isinstance(error, cls):
            kind = name
            break
    return {"ok": False, "error": error.message, "kind": kind}


def check_reply(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply itself when ``ok``, else the typed error it names."""
    if reply.get("ok"):
        return reply
    cls = ERROR_KINDS.get(str(reply.get("kind", "")), FailedPrecondition)
    raise cls(str(reply.get("error") or "supervisor error"))
