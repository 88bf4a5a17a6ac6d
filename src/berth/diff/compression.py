"""Streams of layer bytes: compression sniffed from the magic, decompressed, hashed.

``decompressed(raw)`` gives a reader of the uncompressed tar whatever the
layer's compression (none; gzip through ISA-L's inflate, about twice zlib's
speed; zstd through ``zstandard``), decompressed ahead in a thread of its own
(both release the GIL) so that a second core inflates while the first unpacks.
``HashingReader`` computes the diff_id of what passes through it. A truncated
or corrupt stream raises ``InvalidArgument``.
"""

import queue
import threading
from collections import deque
from typing import IO, Protocol, cast

from isal import isal_zlib as zlib

from berth.errors import InvalidArgument
from berth.oci.digest import Hasher

_INFLATE_ERROR = cast(type[Exception], zlib.error)  # its stub calls it an instance

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 18


class Reader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class PeekReader:
    """A reader that can look at its first bytes without consuming them."""

    def __init__(self, raw: Reader) -> None:
        self._raw = raw
        self._head = b""

    def peek(self, n: int) -> bytes:
        while len(self._head) < n:
            data = self._raw.read(n - len(self._head))
            if not data:
                break
            self._head += data
        return self._head[:n]

    def read(self, n: int = -1, /) -> bytes:
        if self._head:
            if n < 0:
                out, self._head = self._head + self._raw.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._raw.read(n)


class GunzipReader:
    """gzip (every member of a multi-member file) decompressed with zlib, in C."""

    def __init__(self, raw: Reader) -> None:
        self._raw = raw
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buf = b""
        self._pending = b""  # input after the end of a member
        self._eof = False

    def _fill(self) -> None:
        while not self._buf and not self._eof:
            if self._z.eof:
                data, self._pending = self._pending or self._raw.read(_CHUNK), b""
                if not data:
                    self._eof = True
                    return
                if not data.strip(b"\0"):
                    continue  # zero padding after the last member
                self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = self._z.unconsumed_tail or self._raw.read(_CHUNK)
                if not data:
                    raise InvalidArgument("unexpected EOF: the gzip stream is truncated")
            try:
                self._buf = self._z.decompress(data, _CHUNK * 4)
            except _INFLATE_ERROR as e:
                raise InvalidArgument(f"invalid gzip stream: {e}") from None
            if self._z.eof:
                self._pending = self._z.unused_data

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            return _read_to_end(self)
        self._fill()
        out, self._buf = self._buf[:n], self._buf[n:]
        return out


class AheadReader:
    """Reads ``raw`` ahead in a thread, a few chunks at most, and hands the chunks on.

    An error in the thread comes out of the next ``read``; ``close`` (or the
    reader being dropped half-read) stops the thread at its next chunk.
    """

    _DEPTH = 4

    def __init__(self, raw: Reader) -> None:
        self._raw = raw
        self._chunks: queue.Queue[bytes | BaseException] = queue.Queue(self._DEPTH)
        self._buf = memoryview(b"")
        self._eof = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                chunk = self._raw.read(_CHUNK * 4)
                self._put(chunk)
                if not chunk:
                    return
        except BaseException as e:  # handed to the reader, raised there
            self._put(e)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            return _read_to_end(self)
        if not self._buf and not self._eof:
            item = self._chunks.get()
            if isinstance(item, BaseException):
                self._eof = True
                raise item
            self._eof = not item
            self._buf = memoryview(item)
        out, self._buf = self._buf[:n], self._buf[n:]
        return bytes(out)

    def close(self) -> None:
        self._stop.set()

    def __del__(self) -> None:
        self._stop.set()


def _read_to_end(reader: Reader) -> bytes:
    parts = []
    while chunk := reader.read(_CHUNK * 4):
        parts.append(chunk)
    return b"".join(parts)


class HashingReader:
    """Passes reads through and hashes them (the diff_id of an uncompressed tar).

    It keeps at least the last ``keep`` bytes read, for ``since`` to look back at.
    """

    def __init__(self, raw: Reader, keep: int = 0) -> None:
        self._raw = raw
        self._hasher = Hasher()
        self._keep = keep
        self._recent: deque[bytes] = deque()
        self._recent_size = 0

    def read(self, n: int = -1, /) -> bytes:
        data = self._raw.read(n)
        self._hasher.update(data)
        if self._keep and data:
            self._recent.append(data)
            self._recent_size += len(data)
            while self._recent_size - len(self._recent[0]) >= self._keep:
                self._recent_size -= len(self._recent.popleft())
        return data

    def since(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes of the stream from ``offset``, reading on as needed."""
        while self.size < offset + n and self.read(_CHUNK):
            pass
        start = self.size - self._recent_size
        if offset < start:
            raise ValueError("offset is no longer kept")
        return b"".join(self._recent)[offset - start:offset - start + n]

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass

    @property
    def digest(self) -> str:
        return self._hasher.digest

    @property
    def size(self) -> int:
        return self._hasher.size


class TeeReader:
    """Reads from ``raw`` and hands every byte read to ``sink`` too (e.g. a blob writer)."""

    def __init__(self, raw: Reader, sink: "Sink") -> None:
        self._raw = raw
        self._sink = sink

    def read(self, n: int = -1, /) -> bytes:
        data = self._raw.read(n)
        if data:
            self._sink.write(data)
        return data


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


def sniff(reader: PeekReader) -> str:
    """``""``, ``"gzip"`` or ``"zstd"`` from the stream's first bytes."""
    head = reader.peek(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head == ZSTD_MAGIC:
        return "zstd"
    return ""


def decompressed(raw: Reader) -> tuple[Reader, str]:
    """The uncompressed stream of a layer and the name of its compression."""
    peek = PeekReader(raw)
    kind = sniff(peek)
    if kind == "gzip":
        return AheadReader(GunzipReader(peek)), kind
    if kind == "zstd":
        import zstandard  # a dependency, but a 1 ms import most layers do not need

        # stream_reader only calls read() on it, which PeekReader has
        stream: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(cast(IO[bytes], peek))
        return AheadReader(stream), kind
    return peek, kind
