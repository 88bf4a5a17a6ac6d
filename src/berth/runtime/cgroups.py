"""A container's cgroup (v1): created before its init forks, removed after it exits.

Layout: for each controller in ``CONTROLLERS``, the directory
``/sys/fs/cgroup/<controller>/<base>/<linux.cgroupsPath>`` where ``<base>``
is the calling process's own cgroup in that hierarchy when the path is
relative (as runc reads a relative ``cgroupsPath``; berth uses
``berth/<id>``, so containers nest under the supervisor's cgroup and stay
within its limits) and ``/`` when it is absolute. The container's middle
process enters the cgroup before it forks PID 1, so every process of the
container is born inside it (container-init-sequence.md, step 5).

Resources applied (OCI ``linux.resources``): ``devices`` (allow/deny rules), ``memory.limit``,
``memory.swap`` (memory + swap, as docker passes it), ``pids.limit``,
``cpu.shares``, ``cpu.quota``, ``cpu.period``, ``blockIO`` (``blkio.throttle.*``;
the weights in ``blkio.weight``, or BFQ's ``blkio.bfq.weight`` where CFQ's is gone,
as runc picks them).
"""

import contextlib
import errno
import os
import time
from dataclasses import dataclass
from typing import Any

from berth.errors import FailedPrecondition

CGROUP_ROOT = "/sys/fs/cgroup"
CONTROLLERS: tuple[str, ...] = ("memory", "pids", "cpu", "cpuacct", "blkio", "freezer",
                                 "devices", "cpuset")


def own_cgroups(proc_cgroup: str = "/proc/self/cgroup") -> dict[str, str]:
    """This process's cgroup in each v1 hierarchy, by controller name."""
    out: dict[str, str] = {}
    with open(proc_cgroup) as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            for name in names.split(","):
                if name:
                    out[name] = path
    return out


def _write(path: str, value: str) -> None:
    """Write one value; an error names the file and the value (the kernel refuses
    values, not files: ``No such device`` for a limit on a device it cannot throttle)."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    except OSError as e:
        raise OSError(e.errno, f'writing "{value}": {e.strerror}', path) from None
    finally:
        os.close(fd)


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
        _write(f"{path}/cpuset.{key}", value)


_THROTTLE_FILES = {"throttleReadBpsDevice": "read_bps_device",
                   "throttleWriteBpsDevice": "write_bps_device",
                   "throttleReadIOPSDevice": "read_iops_device",
                   "throttleWriteIOPSDevice": "write_iops_device"}


def blkio_support(root: str = CGROUP_ROOT) -> dict[str, bool]:
    """Which block I/O limits the host's cgroups apply, looked up as dockerd does: the
    files at the root of the v1 ``blkio`` hierarchy (a kernel without CFQ has no
    ``blkio.weight``), or the ``io`` controller on a v2 host."""
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        with open(os.path.join(root, "cgroup.controllers")) as f:
            io = "io" in f.read().split()
        return dict.fromkeys(("weight", "weight_device", *(
            name.removesuffix("_device") for name in _THROTTLE_FILES.values())), io)
    blkio = os.path.join(root, "blkio")
    out = {"weight": os.path.exists(f"{blkio}/blkio.weight"),
           "weight_device": os.path.exists(f"{blkio}/blkio.weight_device")}
    for name in _THROTTLE_FILES.values():
        out[name.removesuffix("_device")] = os.path.exists(f"{blkio}/blkio.throttle.{name}")
    return out


def _apply_blkio(path: str, block_io: dict[str, Any]) -> None:
    """One line per device and write, as the kernel takes them."""
    prefix = "blkio." if os.path.exists(f"{path}/blkio.weight") else "blkio.bfq."
    if block_io.get("weight"):
        _write(f"{path}/{prefix}weight", str(int(block_io["weight"])))
    for entry in block_io.get("weightDevice") or []:
        if entry.get("weight"):
            _write(f"{path}/{prefix}weight_device",
                   f"{int(entry['major'])}:{int(entry['minor'])} {int(entry['weight'])}")
    for field, name in _THROTTLE_FILES.items():
        for entry in block_io.get(field) or []:
            _write(f"{path}/blkio.throttle.{name}",
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
class Cgroup:
    paths: dict[str, str]  # controller -> directory
    parents: int = 0  # directories above it made for it (``berth`` of ``berth/<id>``)

    @classmethod
    def for_spec(cls, spec: dict[str, Any]) -> "Cgroup | None":
        """The container's cgroup as the spec names it; None without ``cgroupsPath``."""
        name = ((spec.get("linux") or {}).get("cgroupsPath") or "").strip()
        if not name:
            return None
        if os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")):
            raise FailedPrecondition("cgroup v2 hosts are not supported yet")
        parts = [p for p in name.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise FailedPrecondition(f"invalid cgroupsPath {name!r}")
        own = {} if name.startswith("/") else own_cgroups()
        paths = {}
        for controller in CONTROLLERS:
            mount = os.path.join(CGROUP_ROOT, controller)
            if not os.path.isdir(mount):
                continue
            base = own.get(controller, "/").lstrip("/")
            paths[controller] = os.path.join(mount, base, *parts)
        return cls(paths, parents=len(parts) - 1)

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

    def _apply(self, resources: dict[str, Any]) -> None:
        memory = resources.get("memory") or {}
        mem = self.paths.get("memory")
        if mem and memory.get("limit") is not None:
            _write(f"{mem}/memory.limit_in_bytes", str(int(memory["limit"])))
        if mem and memory.get("swap") is not None and os.path.exists(
                f"{mem}/memory.memsw.limit_in_bytes"):
            _write(f"{mem}/memory.memsw.limit_in_bytes", str(int(memory["swap"])))
        if mem and memory.get("reservation") is not None:
            _write(f"{mem}/memory.soft_limit_in_bytes", str(int(memory["reservation"])))
        if mem and memory.get("disableOOMKiller"):
            _write(f"{mem}/memory.oom_control", "1")
        cpuset = self.paths.get("cpuset")
        cpu_spec = resources.get("cpu") or {}
        for key in ("cpus", "mems"):
            if cpuset and cpu_spec.get(key):
                _write(f"{cpuset}/cpuset.{key}", str(cpu_spec[key]))
        pids = (resources.get("pids") or {}).get("limit")
        if self.paths.get("pids") and pids is not None:
            value = "max" if int(pids) <= 0 else str(int(pids))
            _write(f"{self.paths['pids']}/pids.max", value)
        devices_dir = self.paths.get("devices")
        for rule in resources.get("devices") or [] if devices_dir else []:
            _write(f"{devices_dir}/devices.{'allow' if rule.get('allow') else 'deny'}",
                   device_rule(rule))
        if self.paths.get("blkio") and resources.get("blockIO"):
            _apply_blkio(self.paths["blkio"], resources["blockIO"])
        cpu = resources.get("cpu") or {}
        cpu_dir = self.paths.get("cpu")
        if cpu_dir:
            for key, file in (("shares", "cpu.shares"), ("period", "cpu.cfs_period_us"),
                              ("quota", "cpu.cfs_quota_us")):
                if cpu.get(key):
                    _write(f"{cpu_dir}/{file}", str(int(cpu[key])))

    @classmethod
    def of_process(cls, pid: int) -> "Cgroup":
        """The cgroup a running process is in (its directory in each controller we use)."""
        own = own_cgroups(f"/proc/{pid}/cgroup")
        return cls({c: os.path.join(CGROUP_ROOT, c, own[c].lstrip("/")) for c in CONTROLLERS
                    if c in own and os.path.isdir(os.path.join(CGROUP_ROOT, c))})

    def update(self, resources: dict[str, Any]) -> None:
        """Change the limits of a live cgroup (``docker update``)."""
        try:
            self._apply(resources)
        except OSError as e:
            raise FailedPrecondition(f"cgroup {e.filename}: {e.strerror}") from None

    def enter(self) -> None:
        """Move the calling process into the cgroup (children inherit it)."""
        for path in self.paths.values():
            _write(f"{path}/cgroup.procs", "0")

    def procs(self) -> list[int]:
        path = next(iter(self.paths.values()), None)
        if path is None:
            return []
        try:
            with open(f"{path}/cgroup.procs") as f:
                return [int(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

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
            for _ in range(self.parents):
                path = os.path.dirname(path)
                try:
                    os.rmdir(path)
                except OSError:
                    break  # still used by another container, or already gone
