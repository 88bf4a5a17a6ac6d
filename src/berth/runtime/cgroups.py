"""A container's cgroup: created before its init forks, removed after it exits.

Two implementations of one ``Cgroup`` protocol, chosen by the host's hierarchy:
``cgroups_v1.V1Cgroup`` (a directory per controller) where ``/sys/fs/cgroup`` holds
v1 controllers, ``cgroups_v2.V2Cgroup`` (one directory, limits as runc maps them)
where it is a cgroup2 mount (it has ``cgroup.controllers``). A hybrid host (v1
controllers, an empty cgroup2 at ``/sys/fs/cgroup/unified``) is a v1 host.

The container's middle process enters the cgroup before it forks PID 1, so every
process of the container is born inside it (container-init-sequence.md, step 5).
"""

import os
from typing import Any, Protocol

from berth.errors import FailedPrecondition
from berth.runtime.cgroup_files import CGROUP_ROOT, own_cgroups
from berth.runtime.cgroups_v1 import THROTTLE_FILES, V1Cgroup
from berth.runtime.cgroups_v2 import V2Cgroup

__all__ = ["BACKENDS", "CGROUP_ROOT", "Cgroup", "blkio_support", "exiting", "for_spec",
           "hierarchy", "of_process", "own_cgroups"]

_PF_EXITING = 0x4  # include/linux/sched.h


class Cgroup(Protocol):
    """What the runtime, the supervisor and the daemon do with a container's cgroup."""

    def create(self, resources: dict[str, Any] | None) -> None:
        """Make it and write the OCI ``linux.resources``; nothing is left on failure."""

    def update(self, resources: dict[str, Any]) -> None:
        """Write new limits into the live cgroup (``docker update``)."""

    def enter(self) -> None:
        """Move the calling process in (its children are born inside)."""

    def open_procs(self) -> list[int]:
        """Its ``cgroup.procs`` files opened for writing (close-on-exec): a pid written
        there later moves that process in, wherever the writer's root has gone since."""

    def dirs(self) -> list[str]:
        """Its directories on the host (one per v1 hierarchy; one on v2)."""

    def procs(self) -> list[int]:
        """The processes in it."""

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed one of its processes."""

    def freeze(self) -> None:
        """Stop every process in it (pause); returns once they are all stopped."""

    def thaw(self) -> None:
        """Let them run again (unpause)."""

    def stats(self) -> dict[str, Any]:
        """Usage in the shape of the Engine API's stats (cpu, memory, pids, blkio)."""

    def remove(self) -> None:
        """Kill what is still inside and remove it, and the parents made for it."""


class Backend(Protocol):
    """How each implementation is found: by name from a spec, or from a process."""

    def at(self, parts: list[str], relative: bool, root: str = ...) -> Cgroup: ...

    def of_own(self, own: dict[str, str], root: str = ...) -> Cgroup: ...


BACKENDS: dict[str, Backend] = {"v1": V1Cgroup, "v2": V2Cgroup}


def hierarchy(root: str = CGROUP_ROOT) -> str:
    """``v2`` when ``root`` is a cgroup2 mount, else ``v1``."""
    return "v2" if os.path.exists(os.path.join(root, "cgroup.controllers")) else "v1"


def for_spec(spec: dict[str, Any], root: str = CGROUP_ROOT) -> Cgroup | None:
    """The container's cgroup as the spec names it; None without ``cgroupsPath``."""
    name = ((spec.get("linux") or {}).get("cgroupsPath") or "").strip()
    if not name:
        return None
    parts = [p for p in name.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise FailedPrecondition(f"invalid cgroupsPath {name!r}")
    return BACKENDS[hierarchy(root)].at(parts, not name.startswith("/"), root)


def of_process(pid: int, root: str = CGROUP_ROOT) -> Cgroup:
    """The cgroup a running container process is in."""
    try:
        own = own_cgroups(f"/proc/{pid}/cgroup")
    except (FileNotFoundError, ProcessLookupError):  # ESRCH: reaped as it was read
        raise FailedPrecondition(f"process {pid} is gone") from None
    kind = hierarchy(root)
    if own.get("" if kind == "v2" else "pids", "/") == "/":
        if exiting(pid):  # the kernel took it out of its cgroups as it exited
            raise FailedPrecondition(f"process {pid} has exited")
        raise FailedPrecondition(f"process {pid} has no cgroup of its own")
    return BACKENDS[kind].of_own(own, root)


def exiting(pid: int) -> bool:
    """Gone, a zombie, or a task past ``cgroup_exit`` in ``do_exit`` (``PF_EXITING``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return fields[0] in (b"Z", b"X", b"x") or bool(int(fields[6]) & _PF_EXITING)


def blkio_support(root: str = CGROUP_ROOT) -> dict[str, bool]:
    """Which block I/O limits the host's cgroups apply, looked up as dockerd does: the
    files at the root of the v1 ``blkio`` hierarchy (a kernel without CFQ has no
    ``blkio.weight``), or the ``io`` controller on a v2 host."""
    keys = [name.removesuffix("_device") for name in THROTTLE_FILES.values()]
    if hierarchy(root) == "v2":
        with open(os.path.join(root, "cgroup.controllers")) as f:
            io = "io" in f.read().split()
        return dict.fromkeys(("weight", "weight_device", *keys), io)
    blkio = os.path.join(root, "blkio")
    out = {"weight": os.path.exists(f"{blkio}/blkio.weight"),
           "weight_device": os.path.exists(f"{blkio}/blkio.weight_device")}
    for key, name in zip(keys, THROTTLE_FILES.values(), strict=True):
        out[key] = os.path.exists(f"{blkio}/blkio.throttle.{name}")
    return out
