"""A container's IPC mode and its /dev/shm, as dockerd 20.10 sets them up.

- ``private`` (the default, shown as such by inspect) and ``shareable``: a new IPC
  namespace. ``private`` keeps the spec's own /dev/shm tmpfs, which lives and dies
  with the container's mount namespace: nobody else can reach it.
- ``shareable``: the /dev/shm tmpfs (``--shm-size``, nosuid, nodev, noexec) is
  mounted on the host at ``Paths.container_shm`` before the container starts and
  bound in as its /dev/shm, so a joiner can bind the very same one. It is
  unmounted when the container stops (berthd records the exit, also when it finds
  the exit at its restart), when the start fails and before the container's
  directory is removed; a restart mounts a fresh one.
- ``container:ID``: the donor's IPC namespace and the donor's /dev/shm source
  (its host-side tmpfs, or the host's /dev/shm). Docker keeps the donor's full
  id in ``HostConfig.IpcMode``, so the join survives a rename of the donor.
- ``host``: the host's IPC namespace and the host's /dev/shm bound.
- ``none``: a new IPC namespace and no /dev/shm at all.
"""

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from berth.daemon.container import Container
from berth.errors import FailedPrecondition, InvalidArgument
from berth.oci.defaults import DEFAULT_SHM_SIZE
from berth.paths import Paths
from berth.runtime.linux import sys as lx

HOST_SHM = "/dev/shm"
_SHM_FLAGS = lx.MS_NOSUID | lx.MS_NODEV | lx.MS_NOEXEC
Lookup = Callable[[str], Container]


def settle(host_config: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    """``IpcMode`` and ``ShmSize`` as dockerd stores them at create: the daemon's
    default mode (``private``), a donor by its full id, 64 MiB unless given."""
    out = dict(host_config)
    mode = str(out.get("IpcMode") or "") or "private"
    if mode.startswith("container:") and mode != "container:":
        mode = "container:" + lookup(mode.split(":", 1)[1]).id
    out["IpcMode"] = mode
    size = int(out.get("ShmSize") or 0)
    if size < 0:
        raise InvalidArgument("SHM size can not be less than 0")
    out["ShmSize"] = size or DEFAULT_SHM_SIZE
    return out


def has_own_shm(host_config: dict[str, Any]) -> bool:
    """The user mounts something at /dev/shm: that wins, as docker's HasMountFor."""
    binds = [str(b).split(":")[1] for b in host_config.get("Binds") or [] if ":" in str(b)]
    targets = [*binds, *(host_config.get("Tmpfs") or {}),
               *(str(m.get("Target", "")) for m in host_config.get("Mounts") or []
                 if isinstance(m, dict))]
    return any(t.rstrip("/") == HOST_SHM for t in targets)


def _shm_path(c: Container, paths: Paths, lookup: Lookup, depth: int = 0) -> str:
    """The host path docker records as the container's ShmPath ("" when private)."""
    mode = str(c.host_config.get("IpcMode") or "")
    if mode == "shareable" and not has_own_shm(c.host_config):
        return str(paths.container_shm(c.id))
    if mode == "host":
        return HOST_SHM
    if mode.startswith("container:") and depth < 8:
        try:
            donor = lookup(mode.split(":", 1)[1])
        except Exception:
            return ""
        return _shm_path(donor, paths, lookup, depth + 1)
    return ""


def shm_source(c: Container, paths: Paths, lookup: Lookup) -> str | None:
    """The host path bound as this container's /dev/shm at its start, or None for
    the spec's own tmpfs (private) or none. A donor that is not running, or whose
    IPC is not shareable, is refused with dockerd's message (500, at start)."""
    if has_own_shm(c.host_config):
        return None
    mode = str(c.host_config.get("IpcMode") or "")
    if mode == "shareable":
        return str(paths.container_shm(c.id))
    if mode == "host":
        if not os.path.isdir(HOST_SHM):
            raise FailedPrecondition("/dev/shm is not mounted, but must be for --ipc=host")
        return HOST_SHM
    if not mode.startswith("container:"):
        return None
    donor = lookup(mode.split(":", 1)[1])
    prefix = f"can't join IPC of container {donor.id}"
    if donor.state.status == "restarting":
        raise FailedPrecondition(f"{prefix}: Container {donor.id} is restarting, wait until "
                                 "the container is running")
    if not donor.state.running or not donor.state.pid:
        raise FailedPrecondition(f"{prefix}: container {donor.id} is not running")
    path = _shm_path(donor, paths, lookup)
    if not path or not os.path.isdir(path):
        raise FailedPrecondition(f"{prefix}: non-shareable IPC (hint: use IpcMode:shareable "
                                 "for the donor container)")
    return path


def mount_shm(c: Container, paths: Paths) -> None:
    """A shareable container's /dev/shm, on the host, before it starts."""
    if str(c.host_config.get("IpcMode") or "") != "shareable" or has_own_shm(c.host_config):
        return
    target = paths.container_shm(c.id)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    release_shm(c.id, paths)  # a leftover of a crash: start from an empty one
    size = int(c.host_config.get("ShmSize") or DEFAULT_SHM_SIZE)
    lx.mount("shm", str(target), "tmpfs", _SHM_FLAGS, f"mode=1777,size={size}")


def release_shm(cid: str, paths: Paths) -> None:
    """Unmount the container's host-side /dev/shm if it is mounted (lazily, as docker
    does: a joiner still running keeps its own bind of it)."""
    target = paths.container_shm(cid)
    while True:
        try:
            lx.umount2(str(target), lx.MNT_DETACH)
        except OSError as e:
            if e.errno in (errno.EINVAL, errno.ENOENT):
                return  # not (or no longer) a mount point
            raise


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def sweep(paths: Paths, keep: set[str], mountinfo: str = "/proc/self/mountinfo") -> None:
    """Unmount every container's host-side /dev/shm except those of ``keep`` (the
    containers berthd's records say run): what a berthd killed between a mount and
    the record of an exit left behind."""
    root = Path(os.path.realpath(paths.containers))  # mountinfo shows resolved paths
    with open(mountinfo) as f:
        points = {Path(_unescape(line.split()[4])) for line in f}
    for point in points:
        if point.parent.name != "mounts" or point.name != "shm":
            continue
        cdir = point.parent.parent
        if cdir.parent == root and cdir.name not in keep:
            release_shm(cdir.name, paths)
