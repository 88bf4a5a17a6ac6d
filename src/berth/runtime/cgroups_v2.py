"""A container's cgroup on a v2 (unified) hierarchy: one directory.

Layout: ``<mount>/<base>/<linux.cgroupsPath>``, where ``<base>`` is the caller's
own v2 cgroup (the ``0::`` line of /proc/self/cgroup) when the path is relative
(berth's ``berth/<id>``) and ``/`` when it is absolute. ``<mount>`` is a parameter:
``/sys/fs/cgroup`` on a unified host, or any cgroup2 mount (the tests use a
hybrid host's ``/sys/fs/cgroup/unified``).

v2 puts a controller's files in a cgroup only when its parent lists the
controller in ``cgroup.subtree_control``; so, from the mount down to the
container's parent, each level gets the controllers the limits need (and, where
the host offers them, memory, pids, cpu and io for ``docker stats``). A needed
controller the host lacks is an error naming the file that needed it. The kernel
refuses to enable a controller below a non-root cgroup that holds processes
itself (the "no internal processes" rule), which is why the container's
directory sits one level below the caller's, never in it.

Limits are ``cgroups_v2_map.v2_writes``; the device rules are a BPF program
attached to the directory at create (``devices_bpf``: v2 has no devices
controller; ``docker update`` does not change them); pause is ``cgroup.freeze`` (done when
``cgroup.events`` says ``frozen 1``); removal kills what is left through
``cgroup.kill`` and waits for ``populated 0`` before ``rmdir``; an OOM kill is
``oom_kill`` in ``memory.events``.
"""

import contextlib
import errno
import os
import signal
import time
from dataclasses import dataclass
from typing import Any

from berth.errors import FailedPrecondition
from berth.runtime import cgroup_stats, devices_bpf
from berth.runtime.cgroup_files import (
    CGROUP_ROOT,
    own_cgroups,
    procs,
    read,
    read_pairs,
    remove_parents,
    write,
)
from berth.runtime.cgroups_v2_map import Writes, controllers, v2_writes

# Enabled where the host offers them, limits or not: what ``docker stats`` reads.
STATS_CONTROLLERS = ("cpu", "io", "memory", "pids")


def _events(path: str) -> dict[str, int]:
    return read_pairs(f"{path}/cgroup.events")


def _wait_event(path: str, key: str, value: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _events(path).get(key) != value:
        if not os.path.isdir(path):
            return value == 0  # gone: nothing is populated or frozen any more
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def _enable_one(level: str, controller: str) -> None:
    try:
        write(f"{level}/cgroup.subtree_control", f"+{controller}")
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
        raise FailedPrecondition(
            f"cgroup {level}/cgroup.subtree_control: cannot enable {controller}: {level} "
            "holds processes of its own, and cgroup v2 enables a controller only below a "
            "cgroup without any (run berth's supervisor in a cgroup of its own)") from None


@dataclass(frozen=True, slots=True)
class V2Cgroup:
    path: str  # the container's directory
    mount: str = CGROUP_ROOT  # the cgroup2 mount it is in
    parents: int = 0  # directories above it made for it (``berth`` of ``berth/<id>``)

    @classmethod
    def at(cls, parts: list[str], relative: bool, root: str = CGROUP_ROOT) -> "V2Cgroup":
        base = own_cgroups().get("", "/") if relative else "/"
        return cls(os.path.join(root, base.lstrip("/"), *parts), root, len(parts) - 1)

    @classmethod
    def of_own(cls, own: dict[str, str], root: str = CGROUP_ROOT) -> "V2Cgroup":
        """The cgroup of a process whose ``/proc/<pid>/cgroup`` is ``own``."""
        return cls(os.path.join(root, own.get("", "/").lstrip("/")), root)

    def create(self, resources: dict[str, Any] | None) -> None:
        """Make the directory, enable the controllers, write the limits; undone on any
        failure."""
        try:
            os.makedirs(self.path, exist_ok=True)
            self._apply(resources or {}, stats=True)
            if (resources or {}).get("devices"):
                devices_bpf.attach(self.path, (resources or {})["devices"])
        except (OSError, FailedPrecondition) as e:
            self.remove()
            if isinstance(e, FailedPrecondition):
                raise
            raise FailedPrecondition(f"cgroup {e.filename}: {e.strerror}") from None

    def update(self, resources: dict[str, Any]) -> None:
        """Change the limits of a live cgroup (``docker update``)."""
        try:
            self._apply(resources, stats=False)
        except OSError as e:
            raise FailedPrecondition(f"cgroup {e.filename}: {e.strerror}") from None

    def _apply(self, resources: dict[str, Any], stats: bool) -> None:
        writes = v2_writes(resources, bfq=os.path.exists(f"{self.path}/io.bfq.weight"))
        self._enable(writes, stats)
        for name, value in writes:
            target = f"{self.path}/{name}"
            if not os.path.exists(target):
                if name == "memory.swap.max" and value in ("max", "0"):
                    continue  # no swap accounting on this host: nothing to lift or forbid
                raise FailedPrecondition(f"cgroup {target}: no such file (this kernel has "
                                         f"no {name!r} for the limit {value!r})")
            write(target, value)

    def _levels(self) -> list[str]:
        """The directories from the mount down to the container's parent."""
        rel = os.path.relpath(os.path.dirname(self.path), self.mount)
        levels = [self.mount]
        for part in [] if rel == "." else rel.split("/"):
            levels.append(os.path.join(levels[-1], part))
        return levels

    def _enable(self, writes: Writes, stats: bool) -> None:
        """Enable the controllers the writes need in each level's subtree_control (an
        error naming the file that needed one the host lacks), and the stats ones where
        the host has them."""
        needed = controllers(writes)
        first_file = {name.partition(".")[0]: name for name, _ in reversed(writes)}
        for level in self._levels():
            available = read(f"{level}/cgroup.controllers").split()
            enabled = read(f"{level}/cgroup.subtree_control").split()
            for controller in needed:
                if controller not in available:
                    raise FailedPrecondition(
                        f"cgroup {self.path}/{first_file[controller]}: the {controller} "
                        f"controller is not available in {level} (cgroup.controllers: "
                        f"{' '.join(available) or 'none'})")
                if controller not in enabled:
                    _enable_one(level, controller)
            for controller in STATS_CONTROLLERS if stats else ():
                if controller in available and controller not in enabled + needed:
                    with contextlib.suppress(OSError):  # usage shows 0 without it
                        write(f"{level}/cgroup.subtree_control", f"+{controller}")

    def enter(self) -> None:
        """Move the calling process into the cgroup (children inherit it)."""
        write(f"{self.path}/cgroup.procs", "0")

    def open_procs(self) -> list[int]:
        return [os.open(f"{self.path}/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)]

    def dirs(self) -> list[str]:
        return [self.path]

    def procs(self) -> list[int]:
        return procs(self.path)

    def oom_killed(self) -> bool:
        return read_pairs(f"{self.path}/memory.events").get("oom_kill", 0) > 0

    def freeze(self) -> None:
        self._freeze(1)

    def thaw(self) -> None:
        self._freeze(0)

    def _freeze(self, value: int, timeout: float = 5.0) -> None:
        """Write cgroup.freeze; done when cgroup.events reports it (freezing a busy
        cgroup takes a moment: every task must reach the frozen state)."""
        try:
            write(f"{self.path}/cgroup.freeze", str(value))
        except OSError as e:
            raise FailedPrecondition(f"cgroup {e.filename}: {e.strerror}") from None
        if not _wait_event(self.path, "frozen", value, timeout):
            raise FailedPrecondition(f"cgroup {self.path} did not reach frozen {value} in "
                                     f"{timeout} s")

    def kill(self) -> None:
        """SIGKILL every process in the cgroup: ``cgroup.kill`` (Linux 5.14), or each
        pid in turn on an older kernel."""
        if os.path.exists(f"{self.path}/cgroup.kill"):
            write(f"{self.path}/cgroup.kill", "1")
            return
        for pid in self.procs():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stats(self) -> dict[str, Any]:
        return cgroup_stats.v2(self.path)

    def remove(self, timeout: float = 5.0) -> None:
        """Kill what is still inside, wait until it is empty, remove the directory and
        the parents made for it once no other container uses them."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.rmdir(self.path)
                break
            except FileNotFoundError:
                break
            except OSError as e:
                if e.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise FailedPrecondition(f"cgroup {self.path}: {e.strerror}") from None
            self.kill()
            _wait_event(self.path, "populated", 0, max(0.0, deadline - time.monotonic()))
        remove_parents(self.path, self.parents)
