"""Resource usage of a running container, read from its cgroup (v1 or v2).

The cgroup of a container is found from its init's ``/proc/<pid>/cgroup``,
so this works for any process the caller can see. The values and their shape
are ``berth.runtime.cgroup_stats``'s; the daemon adds the sample times and the
previous sample.
"""

from typing import Any

from berth.errors import FailedPrecondition
from berth.runtime import cgroups


def sample(pid: int) -> dict[str, Any]:
    """Docker's stats of the container whose PID 1 is ``pid``; ``ProcessLookupError``
    once it is gone."""
    try:
        usage = cgroups.of_process(pid).stats()
    except FailedPrecondition as e:
        raise ProcessLookupError(e.message) from None
    return {**usage, "num_procs": 0, "storage_stats": {}}
