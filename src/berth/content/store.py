"""Blobs by digest, containerd style: ``info/read/open/writer/commit/abort/delete/walk``.

Layout under ``<data-root>/content``::

    blobs/sha256/<hex>          committed blobs, mode 0444, named by their digest
    ingest/<sha256(ref)>/data   bytes of a blob being written under an ingest ref
    ingest/<sha256(ref)>/ref    the ref itself (for listing and resuming)

A writer hashes as it writes. ``commit`` checks the size and digest expected,
fsyncs the data, renames it under its digest and fsyncs the directory: a blob
is visible under a digest only when complete and correct, even across a crash.
A writer opened again with the same ref resumes where the last one stopped
(the bytes already there are hashed again); a ref is held by one writer at a
time (an flock on its data file). Writers without a ref get a random one.
Committing a digest that is already there just drops the ingest.

A writer made with ``hashing=False`` (no ref) leaves the hashing to its
caller, who has hashed these very bytes on the way (``load`` unpacking a plain
layer computes its diff_id, which is its digest): its ``commit`` takes the
expected digest on trust, and still checks the size.
"""

import fcntl
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

from berth.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from berth.oci import digest as digests

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Info:
    digest: str
    size: int
    updated: float  # mtime, seconds since the epoch


class Writer(Protocol):
    ref: str
    size: int

    @property
    def digest(self) -> str: ...
    def write(self, data: bytes | bytearray | memoryview) -> None: ...
    def commit(self, expected: str | None = None, size: int | None = None) -> str: ...
    def abort(self) -> None: ...


class ContentStore(Protocol):
    def info(self, digest: str) -> Info: ...
    def read(self, digest: str) -> bytes: ...
    def open(self, digest: str) -> BinaryIO: ...
    def writer(self, ref: str | None = None) -> Writer: ...
    def delete(self, digest: str) -> None: ...
    def walk(self) -> Iterator[Info]: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalWriter:
    """Writes one blob into the ingest area; ``commit`` or ``abort`` ends it."""

    def __init__(self, store: "LocalContentStore", ref: str, resumable: bool = True,
                 hashing: bool = True) -> None:
        self.ref = ref
        self._hashing = hashing
        self._resumable = resumable
        self._store = store
        self._dir = store.ingest / hashlib.sha256(ref.encode()).hexdigest()
        self._dir.mkdir(parents=True, exist_ok=True)
        (self._dir / "ref").write_text(ref)
        fd = os.open(self._dir / "data", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Unavailable(f"ingest ref {ref!r} is locked by another writer") from None
        self._file = os.fdopen(fd, "r+b")
        self._hash = hashlib.sha256()
        self.size = 0
        while chunk := self._file.read(_CHUNK):  # resume: hash what is already there
            self._hash.update(chunk)
            self.size += len(chunk)
        self._done = False

    @property
    def path(self) -> Path:
        """The data written so far (flushed), e.g. to read it back before ``commit``."""
        self._file.flush()
        return self._dir / "data"

    @property
    def digest(self) -> str:
        if not self._hashing:
            raise FailedPrecondition(f"ingest {self.ref!r} is not hashed: its caller knows")
        return "sha256:" + self._hash.hexdigest()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._done:
            raise FailedPrecondition(f"ingest {self.ref!r} is closed")
        self._file.write(data)
        if self._hashing:
            self._hash.update(data)
        self.size += len(data)

    def commit(self, expected: str | None = None, size: int | None = None) -> str:
        """Verify, make durable and publish under the digest; returns the digest."""
        if self._done:
            raise FailedPrecondition(f"ingest {self.ref!r} is closed")
        if not self._hashing and expected is None:
            self.abort()
            raise FailedPrecondition(f"ingest {self.ref!r} is not hashed: commit needs a digest")
        dgst = self.digest if self._hashing else digests.validate(expected or "")
        if size is not None and size != self.size:
            self.abort()
            raise InvalidArgument(
                f"unexpected commit size {self.size}, expected {size} for {expected or dgst}")
        if expected is not None and expected != dgst:
            self.abort()
            raise InvalidArgument(f"unexpected commit digest {dgst}, expected {expected}")
        target = self._store.path(dgst)
        if target.exists():
            self.abort()
            return dgst
        self._file.flush()
        os.fsync(self._file.fileno())
        os.fchmod(self._file.fileno(), 0o444)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self._dir / "data", target)
        _fsync_dir(target.parent)
        self._close()
        return dgst

    def abort(self) -> None:
        """Drop the ingest and everything written to it."""
        if not self._done:
            self._close()

    def _close(self) -> None:
        self._done = True
        shutil.rmtree(self._dir, ignore_errors=True)
        self._file.close()  # the lock goes with the fd, after the directory

    def __enter__(self) -> "LocalWriter":
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        if et is not None or not self._resumable:
            self.abort()
        elif not self._done:  # left without commit: keep the bytes for a resume
            self._done = True
            self._file.close()


class LocalContentStore:
    """The content store on the local filesystem (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"
        self.ingest = root / "ingest"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.ingest.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.blobs / digests.hex_of(digest)

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def info(self, digest: str) -> Info:
        try:
            st = self.path(digest).stat()
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None
        return Info(digest, st.st_size, st.st_mtime)

    def read(self, digest: str) -> bytes:
        """The whole blob, checked against its digest (for configs, manifests, indexes)."""
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None
        if digests.of_bytes(data) != digest:
            raise FailedPrecondition(f"content {digest}: corrupt, its bytes do not match")
        return data

    def open(self, digest: str) -> BinaryIO:
        """A reader of a committed blob (complete by construction; not hashed again)."""
        try:
            return self.path(digest).open("rb")
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None

    def writer(self, ref: str | None = None, *, hashing: bool = True) -> LocalWriter:
        """A writer under ``ref`` (resumable), or under a fresh one dropped on exit;
        ``hashing=False`` (no ref): see the module docstring."""
        if ref is None:
            return LocalWriter(self, "tmp-" + secrets.token_hex(16), resumable=False,
                               hashing=hashing)
        if not hashing:
            raise InvalidArgument("a resumable ingest is always hashed")
        return LocalWriter(self, ref)

    def put(self, data: bytes, expected: str | None = None) -> str:
        """Write a small blob in one call; returns its digest."""
        with self.writer() as w:
            w.write(data)
            return w.commit(expected, len(data) if expected else None)

    def delete(self, digest: str) -> None:
        try:
            self.path(digest).unlink()
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None

    def walk(self) -> Iterator[Info]:
        for entry in os.scandir(self.blobs):
            dgst = "sha256:" + entry.name
            if digests.is_sha256(dgst):
                st = entry.stat(follow_symlinks=False)
                yield Info(dgst, st.st_size, st.st_mtime)

    def clean_ingests(self) -> None:
        """Drop the unfinished writes without a ref of their own (left by a crash)."""
        for ref in self.ingests():
            if ref.startswith("tmp-"):
                try:
                    self.abort(ref)
                except Unavailable:
                    pass

    def ingests(self) -> list[str]:
        """The refs of unfinished writes."""
        out = []
        for entry in self.ingest.iterdir():
            try:
                out.append((entry / "ref").read_text())
            except OSError:
                continue
        return sorted(out)

    def abort(self, ref: str) -> None:
        """Drop an unfinished write by its ref (when no writer holds it)."""
        with self.writer(ref) as w:
            w.abort()
