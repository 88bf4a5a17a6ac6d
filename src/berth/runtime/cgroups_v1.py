"""A container's cgroup on a v1 host: one directory per controller.

Layout: for each controller in ``CONTROLLERS``, the directory
``<root>/<controller>/<base>/<linux.cgroupsPath>`` where ``<base>`` is the
calling process's own cgroup in that hierarchy when the path is relative (as
runc reads a relative ``cgroupsPath``; berth uses ``berth/<id>``, so containers
nest under the supervisor's cgroup and stay within its limits) and ``/`` when it
is absolute.

Resources applied (OCI ``linux.resources``): ``devices`` (allow/deny rules),
``memory.limit``, ``memory.swap`` (memory + swap, as docker passes it),
``memory.reservation``, ``disableOOMKiller``, ``pids.limit``, ``cpu.shares``,
``cpu.quota``, ``cpu.period``, ``cpu.cpus``/``cpu.mems``, ``blockIO``
(``blkio.throttle.*``; the weights in ``blkio.weight``, or BFQ's
``blkio.bfq.weight`` where CFQ's is gone, as runc picks them).
"""

import contextlib
import errno
import os
import time
from dataclasses import dataclass
from typing import Any

from berth.errors import FailedPrecondition
from berth.runtime import cgroup_stats
from berth.runtime.cgroup_files import (
    CGROUP_ROOT,
    own_cgroups,
    procs,
    read_int,
    remove_parents,
    write,
)

CONTROLLERS: tuple[str, ...] = ("memory", "pids", "cpu", "cpuacct", "blkio", "freezer",
                                 "devices", "cpuset")
THROTTLE_FILES = {"throttleReadBpsDevice": "read_bps_device",
                  "throttleWriteBpsDevice": "write_bps_device",
                  "throttleReadIOPSDevice": "read_iops_device",
                  "throttleWriteIOPSDevice": "write_iops_device"}


def _make_cpuset(path: str) -> None:
    """A v1 cpuset starts with no cpus and no memory nodes, and takes no task then:
    each new level gets its parent's."""
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        _make_cpuset(parent)
    if os.path.isdir(path):
        return
    os.mkdir(path)
    for key in ("cpus", "mems"):
        with open(f"{parent}/cpuset.{key}") as f:
            value = f.read().strip()
        write(f"{path}/cpuset.{key}", value)


def _apply_blkio(path: str, block_io: dict[str, Any]) -> None:
    """One line per device and write, as the kernel takes them.

    A weight on a host with neither CFQ's nor BFQ's weight file (block devices on
    ``none`` or ``mq-deadline``) is refused as runc refuses it, but naming the reason
    rather than only the missing BFQ file."""
    prefix = "blkio." if os.path.exists(f"{path}/blkio.weight") else "blkio.bfq."
    wants_weight = block_io.get("weight") or any(
        entry.get("weight") for entry in block_io.get("weightDevice") or [])
    if wants_weight and not os.path.exists(f"{path}/{prefix}weight"):
        raise FailedPrecondition(
            f"cgroup {path}: blkio weights are not supported on this host (no blkio.weight "
            "nor blkio.bfq.weight: no block device uses the CFQ or BFQ I/O scheduler)")
    if block_io.get("weight"):
        write(f"{path}/{prefix}weight", str(int(block_io["weight"])))
    for entry in block_io.get("weightDevice") or []:
        if entry.get("weight"):
            write(f"{path}/{prefix}weight_device",
                  f"{int(entry['major'])}:{int(entry['minor'])} {int(entry['weight'])}")
    for field, name in THROTTLE_FILES.items():
        for entry in block_io.get(field) or []:
            write(f"{path}/blkio.throttle.{name}",
                  f"{int(entry['major'])}:{int(entry['minor'])} {int(entry['rate'])}")


def device_rule(rule: dict[str, Any]) -> str:
    """An OCI ``linux.resources.devices`` entry as a v1 ``devices.allow/deny`` line."""
    kind = str(rule.get("type") or "a")
    if kind == "a":
        return "a"
    major = "*" if rule.get("major") is None else str(int(rule["major"]))
    minor = "*" if rule.get("minor") is None else str(int(rule["minor"]))
    return f"{kind} {major}:{minor} {rule.get('access') or 'rwm'}"


@dataclass(frozen=True, slots=True)
class V1Cgroup:
    paths: dict[str, str]  # controller -> directory
    parents: int = 0  # directories above it made for it (``berth`` of ``berth/<id>``)

    @classmethod
    def at(cls, parts: list[str], relative: bool, root: str = CGROUP_ROOT) -> "V1Cgroup":
        """The cgroup named by the path ``parts``, under the caller's own cgroup when
        ``relative``."""
        own = own_cgroups() if relative else {}
        paths = {}
        for controller in CONTROLLERS:
            mount = os.path.join(root, controller)
            if os.path.isdir(mount):
                base = own.get(controller, "/").lstrip("/")
                paths[controller] = os.path.join(mount, base, *parts)
        return cls(paths, parents=len(parts) - 1)

    @classmethod
    def of_own(cls, own: dict[str, str], root: str = CGROUP_ROOT) -> "V1Cgroup":
        """The cgroup a process is in (its directory in each controller we use), from
        its ``/proc/<pid>/cgroup`` (``own_cgroups``)."""
        return cls({c: os.path.join(root, c, own[c].lstrip("/")) for c in CONTROLLERS
                    if c in own and os.path.isdir(os.path.join(root, c))})

    def create(self, resources: dict[str, Any] | None) -> None:
        """Make the directories and write the limits; undone on any failure."""
        try:
            for controller, path in self.paths.items():
                if controller == "cpuset":
                    _make_cpuset(path)
                else:
                    os.makedirs(path, exist_ok=True)
            self._apply(resources or {})
        except OSError as e:
            self.remove()
            raise FailedPrecondition(f"cgroup {e.filename}: {e.strerror}") from None
        except FailedPrecondition:
            self.remove()
            raise

    def _apply(self, resources: dict[str, Any]) -> None:
        memory = resources.get("memory") or {}
        mem = self.paths.get("memory")
        if mem and memory.get("limit") is not None:
            write(f"{mem}/memory.limit_in_bytes", str(int(memory["limit"])))
        if mem and memory.get("swap") is not None and os.path.exists(
                f"{mem}/memory.memsw.limit_in_bytes"):
            write(f"{mem}/memory.memsw.limit_in_bytes", str(int(memory["swap"])))
        if mem and memory.get("reservation") is not None:
            write(f"{mem}/memory.soft_limit_in_bytes", str(int(memory["reservation"])))
        if mem and memory.get("disableOOMKiller"):
            write(f"{mem}/memory.oom_control", "1")
        cpuset = self.paths.get("cpuset")
        cpu = resources.get("cpu") or {}
        for key in ("cpus", "mems"):
            if cpuset and cpu.get(key):
                write(f"{cpuset}/cpuset.{key}", str(cpu[key]))
        pids = (resources.get("pids") or {}).get("limit")
        if self.paths.get("pids") and pids is not None:
            value = "max" if int(pids) <= 0 else str(int(pids))
            write(f"{self.paths['pids']}/pids.max", value)
        devices_dir = self.paths.get("devices")
        for rule in resources.get("devices") or [] if devices_dir else []:
            write(f"{devices_dir}/devices.{'allow' if rule.get('allow') else 'deny'}",
                  device_rule(rule))
        if self.paths.get("blkio") and resources.get("blockIO"):
            _apply_blkio(self.paths["blkio"], resources["blockIO"])
        cpu_dir = self.paths.get("cpu")
        if cpu_dir:
            for key, file in (("shares", "cpu.shares"), ("period", "cpu.cfs_period_us"),
                              ("quota", "cpu.cfs_quota_us")):
                if cpu.get(key):
                    write(f"{cpu_dir}/{file}", str(int(cpu[key])))

    def update(self, resources: dict[str, Any]) -> None:
        """Change the limits of a live cgroup (``docker update``)."""
        memory = resources.get("memory") or {}
        mem = self.paths.get("memory", "")
        try:
            # the kernel wants memory <= memory+swap at every step: raise the pair in order
            if memory.get("swap") and memory.get("limit") and mem and \
                    memory["limit"] > read_int(f"{mem}/memory.limit_in_bytes"):
                self._apply({"memory": {"swap": memory["swap"]}})
            self._apply(resources)
        except OSError as e:
            raise FailedPrecondition(f"cgroup {e.filename}: {e.strerror}") from None

    def enter(self) -> None:
        """Move the calling process into the cgroup (children inherit it)."""
        for path in self.paths.values():
            write(f"{path}/cgroup.procs", "0")

    def open_procs(self) -> list[int]:
        fds: list[int] = []
        try:
            for path in self.paths.values():
                fds.append(os.open(f"{path}/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC))
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
        return fds

    def dirs(self) -> list[str]:
        return list(self.paths.values())

    def procs(self) -> list[int]:
        path = self.paths.get("pids") or next(iter(self.paths.values()), None)
        return procs(path) if path else []

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed a process of this cgroup."""
        mem = self.paths.get("memory")
        if not mem:
            return False
        try:
            with open(f"{mem}/memory.oom_control") as f:
                fields = dict(line.split() for line in f if line.strip())
        except (FileNotFoundError, ValueError):
            return False
        return int(fields.get("oom_kill", "0")) > 0

    def freeze(self) -> None:
        self._freezer("FROZEN")

    def thaw(self) -> None:
        self._freezer("THAWED")

    def _freezer(self, want: str, timeout: float = 5.0) -> None:
        """Write the state until the freezer reports it (FREEZING means not yet)."""
        path = self.paths.get("freezer")
        if not path:
            raise FailedPrecondition("this host has no freezer cgroup")
        state_file = f"{path}/freezer.state"
        deadline = time.monotonic() + timeout
        while True:
            write(state_file, want)
            with open(state_file) as f:
                if f.read().strip() == want:
                    return
            if time.monotonic() > deadline:
                raise FailedPrecondition(f"the freezer did not reach {want} in {timeout} s")
            time.sleep(0.001)

    def stats(self) -> dict[str, Any]:
        return cgroup_stats.v1(self.paths)

    def remove(self) -> None:
        """Remove the directories; a process still inside is killed first."""
        for _ in range(50):
            busy = False
            for path in self.paths.values():
                try:
                    os.rmdir(path)
                except FileNotFoundError:
                    continue
                except OSError as e:
                    if e.errno != errno.EBUSY:
                        raise
                    busy = True
            if not busy:
                self._prune_parents()
                return
            for pid in self.procs():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
            time.sleep(0.01)
        raise FailedPrecondition(f"cgroup {next(iter(self.paths.values()))} is still busy")

    def _prune_parents(self) -> None:
        """Remove the shared parents once the last container's cgroup is gone."""
        for path in self.paths.values():
            remove_parents(path, self.parents)
