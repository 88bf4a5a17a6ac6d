"""Unpacked layers, one directory per chain id, shared by every image and container.

Layout under ``<data-root>/snapshots``::

    <chain-hex>/fs          a layer's files, unpacked on their own: an overlayfs
                            lower dir (whiteouts as 0:0 devices, opaque xattrs)
    .tmp-<random>/fs        a layer being unpacked, renamed to <chain-hex> when done

The chain id is OCI's (``ChainID(L0) = DiffID(L0)``, ``ChainID(Ln) =
sha256(ChainID(Ln-1) + " " + DiffID(Ln))``): the same layer on different
parents is a different snapshot. A snapshot appears only complete: a crash
leaves at most a ``.tmp-`` dir, removed by ``clean_temps`` at start. Two
unpacks of the same chain may race; the first rename wins and the other's
temp dir is dropped. Snapshots *return* mounts; they never mount anything.
"""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

from berth.errors import NotFound
from berth.oci.digest import hex_of, is_sha256
from berth.snapshots.mounts import Mount, bind, overlay
from berth.util.disk import tree_size

T = TypeVar("T")


def chain_ids(diff_ids: list[str] | tuple[str, ...]) -> list[str]:
    """OCI's ChainID of every prefix of the layer stack, bottom first."""
    out: list[str] = []
    for diff_id in diff_ids:
        hex_of(diff_id)
        if not out:
            out.append(diff_id)
        else:
            out.append("sha256:" + hashlib.sha256(f"{out[-1]} {diff_id}".encode()).hexdigest())
    return out


class Snapshotter(Protocol):
    def exists(self, chain_id: str) -> bool: ...
    def unpack(self, chain_id: str, fill: Callable[[Path], T]) -> T | None: ...
    def mounts(self, chain: list[str], upper: Path, work: Path) -> list[Mount]: ...
    def view(self, chain: list[str]) -> list[Mount]: ...
    def remove(self, chain_id: str) -> None: ...
    def walk(self) -> Iterator[str]: ...


class OverlaySnapshotter:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, chain_id: str) -> Path:
        """The ``fs`` dir of a committed snapshot (whether or not it exists)."""
        return self.root / hex_of(chain_id) / "fs"

    def exists(self, chain_id: str) -> bool:
        return self.path(chain_id).is_dir()

    def unpack(self, chain_id: str, fill: Callable[[Path], T]) -> T | None:
        """Make the snapshot with ``fill(fs_dir)`` unless it exists; ``fill``'s result."""
        if self.exists(chain_id):
            return None
        tmp = self.prepare_temp()
        try:
            result = fill(tmp / "fs")
            self.commit_temp(tmp, chain_id)
        except BaseException:
            self.discard_temp(tmp)
            raise
        return result

    def prepare_temp(self) -> Path:
        """A fresh ``.tmp-`` dir with an empty ``fs`` (when the chain id is known only later)."""
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        (tmp / "fs").mkdir(mode=0o755)
        return tmp

    def commit_temp(self, tmp: Path, chain_id: str) -> bool:
        """Publish ``tmp`` as the snapshot; False when one was already there (tmp dropped)."""
        target = self.root / hex_of(chain_id)
        try:
            os.rename(tmp, target)
        except OSError:
            if not self.exists(chain_id):
                raise
            shutil.rmtree(tmp)
            return False
        return True

    def discard_temp(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    def clean_temps(self) -> None:
        for entry in self.root.glob(".tmp-*"):
            shutil.rmtree(entry, ignore_errors=True)

    def mounts(self, chain: list[str], upper: Path, work: Path) -> list[Mount]:
        """A writable overlay: the chain's dirs (topmost first) under ``upper``."""
        self._check(chain)
        lowers = [str(self.path(c)) for c in reversed(chain)]
        return [overlay(lowers, str(upper), str(work))]

    def view(self, chain: list[str]) -> list[Mount]:
        """A read-only view of the chain (a bind for a single layer)."""
        self._check(chain)
        if len(chain) == 1:
            return [bind(str(self.path(chain[0])))]
        return [overlay([str(self.path(c)) for c in reversed(chain)])]

    def _check(self, chain: list[str]) -> None:
        if not chain:
            raise NotFound("no layers: an image without layers has no root filesystem")
        for c in chain:
            if not self.exists(c):
                raise NotFound(f"snapshot {c} not found")

    def remove(self, chain_id: str) -> None:
        target = self.root / hex_of(chain_id)
        if not target.exists():
            raise NotFound(f"snapshot {chain_id} not found")
        # Rename first so a half-removed snapshot is never taken for a whole one.
        doomed = Path(tempfile.mkdtemp(prefix=".tmp-rm-", dir=self.root))
        os.rename(target, doomed / "x")
        shutil.rmtree(doomed)

    def walk(self) -> Iterator[str]:
        for entry in os.scandir(self.root):
            if is_sha256("sha256:" + entry.name):
                yield "sha256:" + entry.name

    def usage(self, chain_id: str) -> int:
        """Bytes of the snapshot's files (hard links counted once)."""
        return tree_size(self.path(chain_id))
