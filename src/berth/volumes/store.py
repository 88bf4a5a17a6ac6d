"""The volumes of one data root: rows in the metadata database, data under
``Paths.volume_data`` (``volumes/<name>/_data``), and the local driver's mounts.

Layout (dockerd's, root's alone above ``_data`` as the rest of the data root)::

    volumes/                 0700
    volumes/<name>/          0700
    volumes/<name>/_data     0755: what containers mount (a driver mount point
                             for a volume with options, mounted while in use);
                             its mode is the mount's root inside the container

A volume with driver options is mounted when its first holder (a container's
run) acquires it and unmounted when the last releases it; holders live in
memory, and a restarted berthd hands back the ones still running
(``recover``), which also unmounts what nobody holds any more.
"""

import os
import shutil
import threading
import time
from dataclasses import dataclass
from typing import Any

from berth.errors import NotFound
from berth.metadata.volumes import VolumeRow, VolumeTable
from berth.mount.mountinfo import mount_points
from berth.paths import Paths
from berth.util.disk import tree_size
from berth.volumes import local
from berth.volumes.names import anonymous_name, check_name

DRIVER = "local"
ANONYMOUS_LABEL = "com.docker.volume.anonymous"  # dockerd 23+'s mark, honoured by prune


@dataclass(frozen=True, slots=True)
class Volume:
    row: VolumeRow
    mountpoint: str

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def anonymous(self) -> bool:
        return self.row.anonymous or ANONYMOUS_LABEL in self.row.labels

    def to_api(self) -> dict[str, Any]:
        """The API's ``Volume`` (dockerd writes null for no labels and no options)."""
        return {"CreatedAt": self.row.created, "Driver": self.row.driver,
                "Labels": dict(self.row.labels) or None, "Mountpoint": self.mountpoint,
                "Name": self.row.name, "Options": dict(self.row.options) or None,
                "Scope": "local"}


def _created_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class VolumeStore:
    def __init__(self, paths: Paths, table: VolumeTable) -> None:
        self._paths = paths
        self._table = table
        self._lock = threading.Lock()
        self._holders: dict[str, set[str]] = {}  # volume: the runs using it now
        paths.volumes.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _volume(self, row: VolumeRow) -> Volume:
        return Volume(row, str(self._paths.volume_data(row.name)))

    def create(self, name: str = "", driver: str = "", options: dict[str, str] | None = None,
               labels: dict[str, str] | None = None,
               anonymous: bool = False) -> tuple[Volume, bool]:
        """The volume (made unless one of that name exists, as dockerd returns the existing
        one), and whether it is new."""
        driver = driver or DRIVER
        anonymous = anonymous or not name  # dockerd 23+ marks every volume made unnamed
        name = name or anonymous_name()
        check_name(name)
        if driver != DRIVER:
            raise NotFound(f'create {name}: error looking up volume plugin {driver}: plugin '
                           f'"{driver}" not found')
        existing = self._table.get(name)
        if existing is not None:
            return self._volume(existing), False
        options = dict(options or {})
        local.check_options(name, options)
        with self._lock:
            vdir = self._paths.volume(name)
            vdir.mkdir(mode=0o700, exist_ok=True)
            data = self._paths.volume_data(name)
            data.mkdir(mode=0o755, exist_ok=True)
            os.chmod(data, 0o755)  # whatever the umask
            row, new = self._table.insert(VolumeRow(name, driver, _created_now(),
                                                    dict(labels or {}), options, anonymous))
        return self._volume(row), new

    def get(self, name: str) -> Volume:
        row = self._table.get(name) if name else None
        if row is None:
            raise NotFound(f"get {name}: no such volume")
        return self._volume(row)

    def list(self) -> list[Volume]:
        return [self._volume(r) for r in self._table.all()]

    def size(self, name: str) -> int:
        return tree_size(self._paths.volume_data(name))

    def remove(self, name: str) -> None:
        """The row, then the data (a driver mount undone first)."""
        with self._lock:
            if self._table.get(name) is None:
                raise NotFound(f"get {name}: no such volume")
            # unmounted first: should that fail, the volume stays whole, and rmtree never
            # walks into a device or a host directory bound on _data
            self._unmount_all(name)
            self._holders.pop(name, None)
            if not self._table.delete(name):
                raise NotFound(f"get {name}: no such volume")
        shutil.rmtree(self._paths.volume(name), ignore_errors=True)

    def fill(self, name: str, content: str) -> bool:
        """Put the directory ``content`` (beside the volume's ``_data``, on its filesystem)
        in place of the volume's still empty ``_data``, in one rename; False when the
        volume is in use by a run or no longer empty (``content`` is then left)."""
        data = self._paths.volume_data(name)
        with self._lock:  # a run's acquire waits: nobody binds the old _data meanwhile
            if self._holders.get(name):
                return False
            with os.scandir(data) as entries:
                if next(entries, None) is not None:
                    return False
            os.rename(content, data)  # onto an empty directory: atomic
            return True

    # -- the local driver's mounts ------------------------------------------

    def acquire(self, volume: Volume, holder: str) -> None:
        """``holder`` (a container's run) uses the volume; the first one of a volume with
        options mounts it."""
        with self._lock:
            holders = self._holders.setdefault(volume.name, set())
            if not holders and volume.row.options:
                self._unmount_all(volume.name)  # a leftover of a crash: start afresh
                try:
                    local.mount(volume.row.options, volume.mountpoint)
                except BaseException:
                    del self._holders[volume.name]
                    raise
            holders.add(holder)

    def release(self, name: str, holder: str) -> bool:
        """``holder`` is done with the volume (False: it did not hold it); the last one
        unmounts a volume with options."""
        with self._lock:
            holders = self._holders.get(name)
            if holders is None or holder not in holders:
                return False
            holders.discard(holder)
            if not holders:
                del self._holders[name]
                self._unmount_all(name)
            return True

    def recover(self, held: dict[str, set[str]]) -> None:
        """After a restart: ``held`` (volume: holders still running) keep their mounts;
        every other driver mount under ``volumes/`` is undone."""
        with self._lock:
            self._holders = {name: set(h) for name, h in held.items() if h}
            root = os.path.realpath(self._paths.volumes)
            for point in mount_points():
                parent, leaf = os.path.split(point)
                if leaf == "_data" and os.path.dirname(parent) == root:
                    name = os.path.basename(parent)
                    if name not in self._holders:
                        self._unmount_all(name)

    def _unmount_all(self, name: str) -> None:
        target = self._paths.volume_data(name)
        real = os.path.realpath(target)
        while real in mount_points():
            local.unmount(str(target))
