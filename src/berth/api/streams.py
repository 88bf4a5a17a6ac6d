"""Docker's stream framing, in one place.

Non-tty output is multiplexed: each frame is an 8-byte header (stream id:
0 stdin, 1 stdout, 2 stderr; three zero bytes; big-endian u32 length)
followed by the payload. A tty's output is raw bytes.
"""

import asyncio
import json
import struct
from typing import Any

from aiohttp import web

from berth.api.headers import COMMON_HEADERS

RAW_STREAM = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(data)) + data


def stream_response(status: int = 200, headers: dict[str, str] | None = None
                    ) -> web.StreamResponse:
    """A response its handler prepares and writes itself, with dockerd's headers (the
    handlers' wrapper adds them only to the answers it gets back unprepared)."""
    return web.StreamResponse(status=status, headers={**COMMON_HEADERS, **(headers or {})})


def json_line(msg: dict[str, Any]) -> bytes:
    """One message of a JSON-lines answer (pull, push, build), as dockerd ends them."""
    return (json.dumps(msg) + "\r\n").encode()


async def json_stream(request: web.Request) -> web.StreamResponse:
    """A prepared, chunked JSON-lines answer."""
    resp = stream_response(200, {"Content-Type": "application/json"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    return resp


def hijack_response(request: web.Request, multiplexed: bool) -> web.StreamResponse:
    """101 Switching Protocols when the client asked to upgrade, else a plain stream."""
    content_type = MULTIPLEXED_STREAM if multiplexed and _api_at_least(request, "1.42") \
        else RAW_STREAM
    if request.headers.get("Upgrade", "").lower() == "tcp":
        resp = stream_response(101, {
            "Content-Type": content_type, "Connection": "Upgrade", "Upgrade": "tcp"})
    else:
        resp = stream_response(200, {"Content-Type": content_type})
    resp.force_close()
    return resp


def connected(request: web.Request) -> bool:
    """Whether the client of a long stream (events, logs -f) is still there."""
    return request.transport is not None and not request.transport.is_closing()


def flush_head(request: web.Request) -> None:
    """Send the prepared status line and headers now, before any body."""
    request.writer.send_headers()


def _api_at_least(request: web.Request, version: str) -> bool:
    current: Any = request.get("api_version")
    if not current:
        return True
    return tuple(map(int, str(current).split("."))) >= tuple(map(int, version.split(".")))


class _RawProtocol(asyncio.Protocol):
    """Takes over a hijacked connection from aiohttp: stdin in, half-close kept open."""

    def __init__(self, previous: asyncio.BaseProtocol) -> None:
        self.incoming: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.lost = asyncio.Event()
        self._previous = previous

    def data_received(self, data: bytes) -> None:
        self.incoming.put_nowait(data)

    def eof_received(self) -> bool:
        self.incoming.put_nowait(None)
        return True  # the client closed its side only: keep sending output

    def connection_lost(self, exc: Exception | None) -> None:
        self.incoming.put_nowait(None)
        self.lost.set()
        # aiohttp's handler of this connection must learn it is gone, or it waits forever.
        self._previous.connection_lost(exc)


class Hijacked:
    """The raw two-way stream after ``101 Switching Protocols`` (or a 200 stream).

    aiohttp closes a connection when the client half-closes it; docker's
    clients half-close after stdin, so the transport is handed to our own
    protocol, which keeps it open until the output is done.
    """

    def __init__(self, request: web.Request) -> None:
        transport = request.transport
        assert transport is not None
        self._transport = transport
        self._protocol = _RawProtocol(transport.get_protocol())
        tail = getattr(request.protocol, "_message_tail", b"")
        if tail:
            self._protocol.incoming.put_nowait(bytes(tail))
        transport.set_protocol(self._protocol)
        transport.resume_reading()

    async def read(self) -> bytes | None:
        """The next chunk the client sent, or None at its end."""
        return await self._protocol.incoming.get()

    def write(self, data: bytes) -> bool:
        if self._transport.is_closing():
            return False
        self._transport.write(data)
        return True

    async def drain(self) -> None:
        while (self._transport.get_write_buffer_size() > 1 << 20
               and not self._transport.is_closing()):
            await asyncio.sleep(0.005)

    def close(self) -> None:
        self._transport.close()


class DetachScanner:
    """Watches a client's stdin for the detach sequence, as docker's escape proxy does:
    bytes that may start the sequence are held back until it completes (then the
    attach ends, and they are dropped) or breaks (then they are passed on)."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self._held = 0

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(what to pass to the container, whether the sequence completed)."""
        out = bytearray()
        for byte in data:
            if byte == self.keys[self._held]:
                self._held += 1
                if self._held == len(self.keys):
                    return bytes(out), True
                continue
            out += self.keys[:self._held]
            self._held = 0
            if byte == self.keys[0]:
                self._held = 1
                if len(self.keys) == 1:
                    return bytes(out), True
            else:
                out.append(byte)
        return bytes(out), False
