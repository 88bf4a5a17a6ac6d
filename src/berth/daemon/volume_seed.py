"""Docker's copy-up: a new, empty volume gets the image's content at its destination
when the container that mounts it is created (dockerd's ``populateVolumes``).

The content is hostile. It is read inside the container's root by the
supervisor's archive helper (``berth.runtime.archive``: resolved there, links
stored as links, numeric owners, nothing of the image run or loaded on the host)
from a bundle of its own that binds nothing (the container's bundle would bind
the very volumes being seeded over the image's paths), spooled to a private
file, and unpacked by the layer applier (``berth.diff.apply``: nothing written
outside its target, no link followed) into a staging directory beside the
volume's ``_data``; the unpacked directory then replaces the empty ``_data`` in
one rename, so ownership and mode of the image's directory come with it. A
volume that is no longer empty by then, or that a running container uses (its
bind holds the old directory), is left alone. Volumes with driver
options (tmpfs, a device) are not mounted at create: they start empty.
"""

import asyncio
import contextlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol

from berth.daemon.container import Container
from berth.diff.apply import apply_layer
from berth.errors import BerthError, FailedPrecondition, NotFound
from berth.paths import Paths
from berth.volumes.store import Volume, VolumeStore

log = logging.getLogger("berth.volumes")


class Supervisor(Protocol):
    async def archive(self, request: dict[str, Any]) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]: ...


class Images(Protocol):
    def resolve(self, name_or_id: str) -> Any: ...
    def rootfs_mounts(self, image: Any, upper: Path, work: Path) -> list[dict[str, Any]]: ...


async def _read_into(reader: asyncio.StreamReader, spool: Path) -> bool:
    """The tar after the helper's header line into ``spool``; False: nothing there."""
    header = json.loads(await reader.readline() or b'{"error": "failed"}')
    if header.get("error") == "not_found":
        return False
    if header.get("error"):
        raise FailedPrecondition(str(header.get("message") or "archive failed"))
    with spool.open("wb") as out:
        while data := await reader.read(1 << 16):
            out.write(data)
    return True


def _empty(path: Path) -> bool:
    with os.scandir(path) as entries:
        return next(entries, None) is None


def _install(spool: Path, volume: Volume, store: VolumeStore, base: str) -> None:
    """Unpack the spooled tar beside the volume's ``_data`` and put its top directory in
    its place, unless a run uses the volume by then (its bind would keep the old one)."""
    data = Path(volume.mountpoint)
    staging = Path(tempfile.mkdtemp(prefix=".seed-", dir=data.parent))
    try:
        with spool.open("rb") as f:
            apply_layer(f, staging, whiteouts="delete")
        top = staging / base
        if top.is_dir() and not top.is_symlink():
            store.fill(volume.name, str(top))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


async def seed(c: Container, supervisor: Supervisor, images: Images, store: VolumeStore,
               paths: Paths) -> None:
    """Copy the image's content into each new, empty volume of ``c`` that asks for it."""
    wanted = []
    for point in c.mount_points:
        if point.get("Type") != "volume" or not point.get("CopyData"):
            continue
        with contextlib.suppress(NotFound):
            volume = store.get(str(point["Name"]))
            if not volume.row.options and _empty(Path(volume.mountpoint)):
                wanted.append((volume, str(point["Destination"])))
    if not wanted:
        return
    cdir = paths.container(c.id)
    bundle = cdir / "seed"
    bundle.mkdir(mode=0o700, exist_ok=True)
    (bundle / "config.json").write_text(json.dumps({"root": {"path": str(cdir / "merged")},
                                                    "mounts": []}))
    rootfs = images.rootfs_mounts(images.resolve(c.image_id), cdir / "upper", cdir / "work")
    try:
        for volume, destination in wanted:
            await _seed_one(c.id, volume, destination, supervisor, rootfs, bundle, store, paths)
    finally:
        shutil.rmtree(bundle, ignore_errors=True)


async def _seed_one(cid: str, volume: Volume, destination: str, supervisor: Supervisor,
                    rootfs: list[dict[str, Any]], bundle: Path, store: VolumeStore,
                    paths: Paths) -> None:
    fd, name = tempfile.mkstemp(dir=paths.tmp, prefix="seed-")
    os.close(fd)
    spool = Path(name)
    try:
        reader, writer = await supervisor.archive({
            "id": cid, "mode": "get", "path": destination, "bundle": str(bundle),
            "rootfs_mounts": rootfs, "no_overwrite_dir_non_dir": False})
        try:
            found = await _read_into(reader, spool)
        finally:
            writer.close()
        if found:
            base = os.path.basename(os.path.normpath(destination))
            await asyncio.to_thread(_install, spool, volume, store, base)
    except (BerthError, OSError, ValueError) as e:
        log.warning("could not seed volume %s from %s of %s: %s", volume.name, destination,
                    cid, e)
    finally:
        with contextlib.suppress(FileNotFoundError):
            spool.unlink()
