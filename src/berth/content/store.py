"""Blobs by digest under ``content/blobs/sha256/<hex>``.

Layout::

    content/blobs/sha256/<hex>    committed blobs, read-only, named by their digest
    content/ingest/<random>       blobs being written; never visible by digest

A writer hashes as it writes; ``commit`` checks the expected digest and size,
fsyncs and renames, so nothing half-written is ever visible under a digest.
Two writers of the same digest are safe: the rename is atomic and the second
finds the blob already there.
"""

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from berth.errors import FailedPrecondition, InvalidArgument, NotFound
from berth.oci.digest import hex_of


class Writer:
    def __init__(self, store: "ContentStore") -> None:
        self._store = store
        store.ingest.mkdir(parents=True, exist_ok=True)
        fd, name = _mkstemp(store.ingest)
        self._path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self._done = False

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    @property
    def path(self) -> Path:
        """The file being written: readable before ``commit`` (to verify it first)."""
        self._file.flush()
        return self._path

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def commit(self, expected: str | None = None, size: int | None = None) -> str:
        digest = self.digest
        if expected is not None and expected != digest:
            self.abort()
            raise InvalidArgument(f"digest mismatch: expected {expected}, got {digest}")
        if size is not None and size != self.size:
            self.abort()
            raise InvalidArgument(f"size mismatch: expected {size} bytes, got {self.size}")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        target = self._store.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self._path, 0o444)
        os.replace(self._path, target)
        self._done = True
        return digest

    def abort(self) -> None:
        if not self._done:
            self._done = True
            self._file.close()
            self._path.unlink(missing_ok=True)

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.abort()


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"
        self.ingest = root / "ingest"

    def path(self, digest: str) -> Path:
        return self.blobs / hex_of(digest)

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def info(self, digest: str) -> int:
        """The blob's size."""
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"blob {digest} not found") from None

    def read(self, digest: str) -> bytes:
        """The whole blob, verified against its digest (for small blobs: configs, manifests)."""
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"blob {digest} not found") from None
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise FailedPrecondition(f"blob {digest} is corrupt: its bytes do not match")
        return data

    def writer(self) -> Writer:
        return Writer(self)

    def put(self, data: bytes) -> str:
        with self.writer() as w:
            w.write(data)
            return w.commit()

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def walk(self) -> Iterator[str]:
        if self.blobs.exists():
            for entry in os.scandir(self.blobs):
                yield "sha256:" + entry.name


def _mkstemp(directory: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(dir=directory, prefix="ingest-")
