"""Copy a blob from a registry into a sink, resuming a broken body with ``Range``.

The sink is the content store's writer (hashed, resumable); the digest is
checked by its ``commit``, not here. A registry that ignores the range and
sends the whole blob again has the bytes already written skipped.
"""

from collections.abc import Callable
from typing import Protocol

from berth.errors import FailedPrecondition, Unavailable
from berth.registry.client.repository import Repository

CHUNK = 1 << 20
RESUMES = 5


class Sink(Protocol):
    size: int

    def write(self, data: bytes, /) -> None: ...


def fetch_blob(repo: Repository, digest: str, size: int, sink: Sink,
               progress: Callable[[int], None] | None = None) -> None:
    """Write the bytes of ``digest`` from ``sink.size`` up to ``size`` into ``sink``."""
    failures = 0
    while sink.size < size:
        before = sink.size
        try:
            _copy(repo, digest, size, sink, progress)
        except Unavailable:
            failures = 0 if sink.size > before else failures + 1
            if failures >= RESUMES:
                raise
            continue
        if sink.size < size:  # the body ended early without an error of the connection
            failures = 0 if sink.size > before else failures + 1
            if failures >= RESUMES:
                raise FailedPrecondition(
                    f"blob {digest}: the registry sent {sink.size} of {size} bytes")
    if sink.size > size:
        raise FailedPrecondition(f"blob {digest}: more bytes than the {size} announced")


def _copy(repo: Repository, digest: str, size: int, sink: Sink,
          progress: Callable[[int], None] | None) -> None:
    offset = sink.size
    with repo.blob(digest, offset) as resp:
        skip = offset if resp.status == 200 else 0
        while sink.size < size + 1:
            chunk = resp.read(CHUNK)
            if not chunk:
                return
            if skip:
                dropped = min(skip, len(chunk))
                chunk, skip = chunk[dropped:], skip - dropped
                if not chunk:
                    continue
            sink.write(chunk)
            if progress is not None:
                progress(sink.size)
