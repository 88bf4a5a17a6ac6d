"""``berth registry gc``: mark and sweep over the registry's content store.

Mark: every manifest of every repository and everything it references (config,
layers, the manifests of an index). Sweep: every other blob in the store,
with the repository links to it. A blob pushed but never named by a manifest
is garbage, so gc refuses to run while a server holds the registry (the shared
lock ``registry.lock``): an upload finished between mark and sweep would be lost.
Upload sessions older than a week (distribution's default) are dropped too.
"""

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

from berth.content.store import Info
from berth.errors import NotFound, Unavailable
from berth.registry.server.storage import UPLOAD_REF_PREFIX, Storage

UPLOAD_MAX_AGE = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Report:
    kept: int
    deleted: tuple[Info, ...]
    uploads: tuple[str, ...] = ()  # the uuids of stale upload sessions dropped

    @property
    def freed(self) -> int:
        return sum(i.size for i in self.deleted)


def lock(root: Path, exclusive: bool) -> int:
    """An flock on ``root/registry.lock`` (shared: a server; exclusive: gc); its fd."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "registry.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        what = "a server is using it: stop it first" if exclusive else "gc is running"
        raise Unavailable(f"registry {root}: {what}") from None
    return fd


def _stale_uploads(storage: Storage, max_age: float, dry_run: bool) -> tuple[str, ...]:
    cutoff = time.time() - max_age
    stale = tuple(sorted(u for u, started in storage.uploads() if started < cutoff))
    if not dry_run:
        for uuid in stale:
            try:
                storage.content.abort(UPLOAD_REF_PREFIX + uuid)
            except (NotFound, Unavailable):
                pass
            storage.end_upload(uuid)
    return stale


def collect(root: Path, dry_run: bool = False,
            upload_max_age: float = UPLOAD_MAX_AGE) -> Report:
    fd = lock(root, exclusive=True)
    try:
        storage = Storage(root)
        try:
            marked = storage.referenced()
            kept, sweep = 0, []
            for info in storage.content.walk():
                if info.digest in marked:
                    kept += 1
                else:
                    sweep.append(info)
            if not dry_run:
                for info in sweep:
                    try:
                        storage.content.delete(info.digest)
                    except NotFound:
                        pass
                storage.forget_blobs([i.digest for i in sweep])
            stale = _stale_uploads(storage, upload_max_age, dry_run)
            return Report(kept, tuple(sorted(sweep, key=lambda i: i.digest)), stale)
        finally:
            storage.close()
    finally:
        os.close(fd)
