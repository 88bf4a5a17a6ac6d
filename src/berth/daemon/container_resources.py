"""A running container's processes and limits: ``docker top`` and ``docker update``."""

import subprocess
from typing import Any

from berth.daemon import blkio, validate
from berth.daemon.restart import RestartPolicy
from berth.daemon.specgen import resources
from berth.errors import InvalidArgument
from berth.runtime import cgroups as runtime_cgroups
from berth.runtime import pause as runtime_pause

UPDATABLE = frozenset({"Memory", "MemorySwap", "NanoCpus", "CpuShares", "CpuQuota", "CpuPeriod",
                       "PidsLimit", "RestartPolicy", "MemoryReservation", "KernelMemory",
                       "BlkioWeight", "CpusetCpus", "CpusetMems", "OomKillDisable"})


def top(pid: int, ps_args: str = "-ef") -> dict[str, Any]:
    """The host's ``ps`` output, keeping the processes of the container whose init is
    ``pid`` (docker's way: its ps, our filter)."""
    pids = set(runtime_pause.processes(pid))
    try:
        out = subprocess.run(["ps", *ps_args.split()], capture_output=True, text=True,
                             check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise InvalidArgument(f"Error running ps: {e}") from None
    lines = out.splitlines()
    titles = lines[0].split()
    if "PID" not in titles:
        raise InvalidArgument("Couldn't find PID field in ps output")
    col = titles.index("PID")
    processes = []
    for line in lines[1:]:
        fields = line.split(None, len(titles) - 1)
        if len(fields) > col and fields[col].isdigit() and int(fields[col]) in pids:
            processes.append(fields)
    return {"Titles": titles, "Processes": processes}


def updated_host_config(host_config: dict[str, Any],
                        changes: Any) -> tuple[dict[str, Any], list[str]]:
    """The HostConfig after ``POST /containers/{id}/update``, checked, and docker's
    warnings for what it dropped; docker's clients send every field, zero when it is not
    to change."""
    if not isinstance(changes, dict):
        raise InvalidArgument("update config must be an object")
    validate.update_body(changes)  # types first: nothing below may meet a wrong one
    wanted = {k: v for k, v in changes.items()
              if k in UPDATABLE and k != "RestartPolicy" and v not in (None, 0, "")}
    policy = changes.get("RestartPolicy")
    if isinstance(policy, dict) and policy.get("Name"):
        wanted["RestartPolicy"] = policy
    out = {**host_config, **wanted}
    if wanted.get("NanoCpus"):
        out.pop("CpuQuota", None)
        out.pop("CpuPeriod", None)
    RestartPolicy.from_host_config(out)
    if out.get("Memory") and out.get("MemorySwap") and \
            0 < int(out["MemorySwap"]) < int(out["Memory"]):
        raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, "
                              "see usage")
    return blkio.checked(out) if "BlkioWeight" in wanted else (out, [])


def apply_limits(pid: int, host_config: dict[str, Any]) -> None:
    """Write the limits into the live cgroup of the process ``pid``."""
    limits = resources(host_config)
    runtime_cgroups.of_process(pid).update(limits)
