"""``berth registry gc``: mark and sweep over the registry's content store.

Mark: every manifest of every repository and everything it references (config,
layers, the manifests of an index). Sweep: every other blob in the store,
with the repository links to it. A blob pushed but never named by a manifest
is garbage, so gc refuses to run while a server holds the registry (the shared
lock ``registry.lock``): an upload finished between mark and sweep would be lost.
"""

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from berth.content.store import Info
from berth.errors import NotFound, Unavailable
from berth.registry.server.storage import Storage


@dataclass(frozen=True, slots=True)
class Report:
    kept: int
    deleted: tuple[Info, ...]

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


def collect(root: Path, dry_run: bool = False) -> Report:
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
            return Report(kept, tuple(sorted(sweep, key=lambda i: i.digest)))
        finally:
            storage.close()
    finally:
        os.close(fd)
