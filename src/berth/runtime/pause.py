"""pause and resume (the freezer: v1's ``freezer.state``, v2's ``cgroup.freeze``), and
the processes of a container.

The cgroup is found from the container's PID 1 (``/proc/<pid>/cgroup``), so
the caller needs no more than the pid the supervisor reported.
"""

import os

from berth.errors import FailedPrecondition
from berth.runtime import cgroups


def pause(pid: int) -> None:
    cgroups.of_process(pid).freeze()


def resume(pid: int) -> None:
    cgroups.of_process(pid).thaw()


def processes(pid: int) -> list[int]:
    """Every process in the container whose PID 1 is ``pid`` (its cgroup's)."""
    try:
        return cgroups.of_process(pid).procs()
    except FailedPrecondition:  # gone, or no cgroup of its own: only itself
        return [pid] if os.path.exists(f"/proc/{pid}") else []
