"""Docker's stream framing, in one place.

Non-tty output is multiplexed: each frame is an 8-byte header (stream id:
0 stdin, 1 stdout, 2 stderr; three zero bytes; big-endian u32 length)
followed by the payload. A tty's output is raw bytes.
"""

import struct
from typing import Any

from aiohttp import web

RAW_STREAM = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(data)) + data


def hijack_response(request: web.Request, multiplexed: bool) -> web.StreamResponse:
    """101 Switching Protocols when the client asked to upgrade, else a plain stream."""
    content_type = MULTIPLEXED_STREAM if multiplexed and _api_at_least(request, "1.42") \
        else RAW_STREAM
    if request.headers.get("Upgrade", "").lower() == "tcp":
        resp = web.StreamResponse(status=101, headers={
            "Content-Type": content_type, "Connection": "Upgrade", "Upgrade": "tcp"})
    else:
        resp = web.StreamResponse(status=200, headers={"Content-Type": content_type})
    resp.force_close()
    return resp


def _api_at_least(request: web.Request, version: str) -> bool:
    current: Any = request.get("api_version")
    if not current:
        return True
    return tuple(map(int, str(current).split("."))) >= tuple(map(int, version.split(".")))
