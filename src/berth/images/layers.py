"""Reading layer blobs: decompression and the diff_id of the uncompressed tar."""

import gzip
import hashlib
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class HashingReader:
    """Hashes the bytes read through it (the diff_id is the uncompressed tar's digest)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()


def open_uncompressed(f: IO[bytes]) -> tuple[IO[bytes], str]:
    """The uncompressed stream of a layer file and its compression name."""
    head = f.read(4)
    f.seek(0)
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=f, mode="rb"), "gzip"  # type: ignore[return-value]
    if head == ZSTD_MAGIC:
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(f), "zstd"  # type: ignore[return-value]
    return f, ""
