"""Image archives over HTTP: a planned save archive sent, a load archive received.

``send_archive`` writes a planned ``docker save`` archive (``berth.images.save``)
as the body of a response whose Content-Length is the archive's size: the
tar headers and JSON through the response, each plain layer blob with
``sendfile(2)`` straight from its file to the socket, each compressed one
inflated in a thread.

``BodyReader`` lets the image service, in a thread, read the request body as a
plain file: each ``read`` waits on the event loop for up to that many bytes.
"""

import asyncio
from concurrent.futures import Future

from aiohttp import StreamReader, web

from berth.images.save import Archive, FilePiece, InflatePiece, inflate

_COALESCE = 1 << 16
_CHUNK = 1 << 20


async def send_archive(request: web.Request, resp: web.StreamResponse, archive: Archive) -> None:
    pending = bytearray()
    for piece in archive.pieces:
        if isinstance(piece, bytes):
            pending += piece
            if len(pending) >= _COALESCE:
                await resp.write(bytes(pending))
                pending.clear()
            continue
        if pending:
            await resp.write(bytes(pending))
            pending.clear()
        if isinstance(piece, FilePiece):
            await _send_file(request, resp, piece)
        else:
            await _send_inflated(resp, piece)
    if pending:
        await resp.write(bytes(pending))


async def _send_file(request: web.Request, resp: web.StreamResponse, piece: FilePiece) -> None:
    loop = asyncio.get_running_loop()
    transport = request.transport
    if transport is None:
        raise ConnectionResetError("connection lost")
    try:
        await loop.sendfile(transport, piece.file, 0, piece.size, fallback=False)
        return
    except NotImplementedError:  # a transport without sendfile: copy it by hand
        pass
    piece.file.seek(0)
    left = piece.size
    while left:
        chunk = await asyncio.to_thread(piece.file.read, min(_CHUNK, left))
        if not chunk:
            raise ConnectionResetError("a blob ended before its size")
        await resp.write(chunk)
        left -= len(chunk)


async def _send_inflated(resp: web.StreamResponse, piece: InflatePiece) -> None:
    chunks = inflate(piece)
    while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
        await resp.write(chunk)


class BodyReader:
    """A blocking ``read`` of a request body, for a thread (never the loop's own)."""

    def __init__(self, content: StreamReader, loop: asyncio.AbstractEventLoop) -> None:
        self._content = content
        self._loop = loop

    def read(self, n: int = -1, /) -> bytes:
        future: Future[bytes] = asyncio.run_coroutine_threadsafe(self._read(n), self._loop)
        return future.result()

    async def _read(self, n: int) -> bytes:
        if n < 0:
            return await self._content.read()
        parts: list[bytes] = []
        got = 0
        while got < n:
            data = await self._content.read(n - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)
