"""Image archives over HTTP: a planned save archive sent, a load archive received.

``send_archive`` writes a planned ``docker save`` archive (``berth.images.save``)
as the body of a response whose Content-Length is the archive's size: the
tar headers and JSON through the response, each plain layer blob with
``sendfile(2)`` straight from its file to the socket, each compressed one
inflated in a thread.

``BodyReader`` lets the image service, in a thread, read the request body as a
plain file, while a task on the loop keeps the socket drained into a buffer.
"""

import asyncio
import threading
from collections import deque

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
    """A blocking ``read`` of a request body, for a thread (never the loop's own).

    ``pump``, a task on the loop, moves the body into a buffer of up to ``limit``
    bytes as fast as it arrives; ``read`` takes from it, copying each byte once.
    Cancel the pump when the reader is done (it may have stopped early): a read
    then sees the end.
    """

    def __init__(self, content: StreamReader, limit: int = 32 << 20) -> None:
        self._content = content
        self._limit = limit
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # into the first chunk
        self._size = 0  # bytes buffered, from the offset on
        self._done = False
        self._waiting = False  # the pump waits for room
        self._cond = threading.Condition()
        self._room = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    async def pump(self) -> None:
        try:
            while chunk := await self._content.readany():
                with self._cond:
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                    self._cond.notify()
                    self._waiting = self._size >= self._limit
                    if self._waiting:
                        self._room.clear()
                if self._waiting:
                    await self._room.wait()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify()

    def read(self, n: int = -1, /) -> bytes:
        with self._cond:
            while not self._done and (n < 0 or self._size < n):
                self._cond.wait()
            n = self._size if n < 0 else min(n, self._size)
            parts = []
            while n:
                chunk = self._chunks[0]
                take = min(len(chunk) - self._offset, n)
                if self._offset == 0 and take == len(chunk):
                    parts.append(chunk)
                else:
                    parts.append(chunk[self._offset:self._offset + take])
                self._offset += take
                if self._offset == len(chunk):
                    self._chunks.popleft()
                    self._offset = 0
                self._size -= take
                n -= take
            wake = self._waiting and self._size < self._limit // 2
            if wake:
                self._waiting = False
        if wake:
            self._loop.call_soon_threadsafe(self._room.set)
        return b"".join(parts)
