"""pause and resume (the freezer cgroup, v1), and the processes of a container.

The cgroup is found from the container's PID 1 (``/proc/<pid>/cgroup``), so
the caller needs no more than the pid the supervisor reported.
"""

import os
import time

from berth.errors import FailedPrecondition
from berth.runtime.cgroups import CGROUP_ROOT, own_cgroups


def _freezer_state(pid: int) -> str:
    try:
        path = own_cgroups(f"/proc/{pid}/cgroup").get("freezer")
    except FileNotFoundError:
        raise FailedPrecondition(f"process {pid} is gone") from None
    if not path or path == "/":
        raise FailedPrecondition(f"process {pid} has no freezer cgroup of its own")
    return os.path.join(CGROUP_ROOT, "freezer", path.lstrip("/"), "freezer.state")


def _set(pid: int, want: str, timeout: float = 5.0) -> None:
    state_file = _freezer_state(pid)
    deadline = time.monotonic() + timeout
    while True:
        with open(state_file, "w") as f:
            f.write(want)
        with open(state_file) as f:
            if f.read().strip() == want:
                return
        if time.monotonic() > deadline:
            raise FailedPrecondition(f"the freezer did not reach {want} in {timeout} s")
        time.sleep(0.001)


def pause(pid: int) -> None:
    _set(pid, "FROZEN")


def resume(pid: int) -> None:
    _set(pid, "THAWED")


def processes(pid: int) -> list[int]:
    """Every process in the container whose PID 1 is ``pid`` (its pids cgroup)."""
    try:
        path = own_cgroups(f"/proc/{pid}/cgroup").get("pids")
    except FileNotFoundError:
        return []
    if not path or path == "/":
        return [pid]
    try:
        with open(os.path.join(CGROUP_ROOT, "pids", path.lstrip("/"), "cgroup.procs")) as f:
            return [int(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []
