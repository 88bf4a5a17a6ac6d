"""Resource usage of a running container, read from its cgroup (v1) and /proc.

The cgroup of a container is found from its init's ``/proc/<pid>/cgroup``,
so this works for any process the caller can see. Values are the kernel's
counters, in the shape of the Docker Engine API's stats (``cpu_stats``,
``memory_stats``, ``pids_stats``, ``blkio_stats``); the daemon adds the
sample times and the previous sample.
"""

import os
from typing import Any

from berth.runtime.cgroups import CGROUP_ROOT

_NS_PER_TICK = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def process_cgroups(pid: int) -> dict[str, str]:
    """Each v1 controller's directory for the process."""
    out: dict[str, str] = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            for name in names.split(","):
                if name and not name.startswith("name="):
                    out[name] = os.path.join(CGROUP_ROOT, name, path.lstrip("/"))
    return out


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _int(path: str) -> int:
    text = _read(path).strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def _pairs(path: str) -> dict[str, int]:
    out = {}
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            out[key] = int(value)
    return out


def system_cpu_usage() -> int:
    """The host's CPU time in ns: the first line of /proc/stat, as dockerd sums it."""
    for line in _read("/proc/stat").splitlines():
        if line.startswith("cpu "):
            return sum(int(v) for v in line.split()[1:8]) * _NS_PER_TICK
    return 0


def cpu_stats(paths: dict[str, str]) -> dict[str, Any]:
    acct = paths.get("cpuacct", "")
    ticks = _pairs(f"{acct}/cpuacct.stat")
    throttled = _pairs(f"{paths.get('cpu', '')}/cpu.stat")
    return {
        "cpu_usage": {
            "total_usage": _int(f"{acct}/cpuacct.usage"),
            "percpu_usage": [int(v) for v in _read(f"{acct}/cpuacct.usage_percpu").split()],
            "usage_in_kernelmode": ticks.get("system", 0) * _NS_PER_TICK,
            "usage_in_usermode": ticks.get("user", 0) * _NS_PER_TICK,
        },
        "system_cpu_usage": system_cpu_usage(),
        "online_cpus": os.cpu_count() or 1,
        "throttling_data": {"periods": throttled.get("nr_periods", 0),
                            "throttled_periods": throttled.get("nr_throttled", 0),
                            "throttled_time": throttled.get("throttled_time", 0)},
    }


def memory_stats(paths: dict[str, str]) -> dict[str, Any]:
    mem = paths.get("memory", "")
    return {
        "usage": _int(f"{mem}/memory.usage_in_bytes"),
        "max_usage": _int(f"{mem}/memory.max_usage_in_bytes"),
        "failcnt": _int(f"{mem}/memory.failcnt"),
        "limit": _int(f"{mem}/memory.limit_in_bytes"),
        "stats": _pairs(f"{mem}/memory.stat"),
    }


def pids_stats(paths: dict[str, str]) -> dict[str, Any]:
    pids = paths.get("pids", "")
    limit = _read(f"{pids}/pids.max").strip()
    out: dict[str, Any] = {"current": _int(f"{pids}/pids.current")}
    if limit.isdigit():
        out["limit"] = int(limit)
    return out


def blkio_stats(paths: dict[str, str]) -> dict[str, Any]:
    entries = []
    for line in _read(f"{paths.get('blkio', '')}/blkio.throttle.io_service_bytes").splitlines():
        parts = line.split()
        if len(parts) == 3 and ":" in parts[0]:
            major, _, minor = parts[0].partition(":")
            entries.append({"major": int(major), "minor": int(minor), "op": parts[1],
                            "value": int(parts[2])})
    return {"io_service_bytes_recursive": entries or None, "io_serviced_recursive": None,
            "io_queue_recursive": None, "io_service_time_recursive": None,
            "io_wait_time_recursive": None, "io_merged_recursive": None,
            "io_time_recursive": None, "sectors_recursive": None}


def sample(pid: int) -> dict[str, Any]:
    paths = process_cgroups(pid)
    return {"cpu_stats": cpu_stats(paths), "memory_stats": memory_stats(paths),
            "pids_stats": pids_stats(paths), "blkio_stats": blkio_stats(paths),
            "num_procs": 0, "storage_stats": {}}
