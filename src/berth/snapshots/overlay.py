"""Unpacked layers, one directory per chain id, shared by every image and container.

Layout::

    snapshots/<chain-hex>/fs     a layer's files, as an overlayfs lower dir
    snapshots/.tmp-<random>/fs   a layer being unpacked (renamed when complete)

A snapshot is made once, atomically (unpack into a temp dir, then rename), so
a crash leaves at most a temp dir, removed at the next start.
"""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from berth.oci.digest import hex_of


def chain_ids(diff_ids: list[str]) -> list[str]:
    """OCI's ChainID of every prefix of the layer stack."""
    out: list[str] = []
    for diff_id in diff_ids:
        if not out:
            out.append(diff_id)
        else:
            out.append("sha256:" + hashlib.sha256(f"{out[-1]} {diff_id}".encode()).hexdigest())
    return out


class OverlaySnapshots:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, chain_id: str) -> Path:
        return self.root / hex_of(chain_id) / "fs"

    def exists(self, chain_id: str) -> bool:
        return self.path(chain_id).is_dir()

    def prepare_temp(self) -> Path:
        """A fresh directory to unpack a layer into (then ``commit`` it)."""
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        (tmp / "fs").mkdir(mode=0o755)
        return tmp

    def commit(self, tmp: Path, chain_id: str) -> None:
        target = self.root / hex_of(chain_id)
        try:
            os.rename(tmp, target)
        except OSError:
            if not self.exists(chain_id):
                raise
            shutil.rmtree(tmp)  # another unpack of the same layer won the race

    def discard(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    def ensure(self, chain_id: str, unpack: Callable[[Path], None]) -> None:
        if self.exists(chain_id):
            return
        tmp = self.prepare_temp()
        try:
            unpack(tmp / "fs")
            self.commit(tmp, chain_id)
        except BaseException:
            self.discard(tmp)
            raise

    def remove(self, chain_id: str) -> None:
        shutil.rmtree(self.root / hex_of(chain_id), ignore_errors=True)

    def clean_temps(self) -> None:
        for entry in self.root.glob(".tmp-*"):
            shutil.rmtree(entry, ignore_errors=True)

    def mounts(self, chain: list[str], upper: Path, work: Path) -> list[dict[str, Any]]:
        """The overlay mount for a container: the chain's dirs, topmost first."""
        lower = ":".join(str(self.path(c)) for c in reversed(chain))
        return [{"type": "overlay", "source": "overlay",
                 "options": [f"lowerdir={lower}", f"upperdir={upper}", f"workdir={work}"]}]
