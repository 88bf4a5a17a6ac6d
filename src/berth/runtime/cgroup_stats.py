"""A container's resource usage from its cgroup files, in the shape of the Docker
Engine API's stats (``cpu_stats``, ``memory_stats``, ``pids_stats``,
``blkio_stats``); the daemon adds the sample times and the previous sample.

The two hierarchies count differently, and dockerd shows what each has: on v1,
``cpuacct`` in nanoseconds with a per-CPU list, the memory controller's
``max_usage``/``failcnt``, the throttled bytes per device; on v2, ``cpu.stat`` in
microseconds (no per-CPU list), ``memory.current`` and ``memory.stat`` (no
``max_usage``), ``io.stat``'s read and write bytes. A file a host lacks reads as 0.
"""

import os
from typing import Any

from berth.runtime.cgroup_files import read, read_int, read_pairs

_NS_PER_TICK = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
_UNLIMITED = (1 << 63) - 1
_BLKIO_UNSET = ("io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
                "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
                "sectors_recursive")


def system_cpu_usage() -> int:
    """The host's CPU time in ns: the first line of /proc/stat, as dockerd sums it."""
    for line in read("/proc/stat").splitlines():
        if line.startswith("cpu "):
            return sum(int(v) for v in line.split()[1:8]) * _NS_PER_TICK
    return 0


def _cpu(usage: dict[str, Any], throttled: tuple[int, int, int]) -> dict[str, Any]:
    return {"cpu_usage": usage, "system_cpu_usage": system_cpu_usage(),
            "online_cpus": os.cpu_count() or 1,
            "throttling_data": {"periods": throttled[0], "throttled_periods": throttled[1],
                                "throttled_time": throttled[2]}}


def _blkio(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"io_service_bytes_recursive": entries or None, **dict.fromkeys(_BLKIO_UNSET)}


def v1(paths: dict[str, str]) -> dict[str, Any]:
    """Stats of a v1 cgroup: ``paths`` maps each controller to its directory."""
    acct, mem, pids = paths.get("cpuacct", ""), paths.get("memory", ""), paths.get("pids", "")
    ticks = read_pairs(f"{acct}/cpuacct.stat")
    throttled = read_pairs(f"{paths.get('cpu', '')}/cpu.stat")
    cpu = _cpu({"total_usage": read_int(f"{acct}/cpuacct.usage"),
                "percpu_usage": [int(v) for v in read(f"{acct}/cpuacct.usage_percpu").split()],
                "usage_in_kernelmode": ticks.get("system", 0) * _NS_PER_TICK,
                "usage_in_usermode": ticks.get("user", 0) * _NS_PER_TICK},
               (throttled.get("nr_periods", 0), throttled.get("nr_throttled", 0),
                throttled.get("throttled_time", 0)))
    memory = {"usage": read_int(f"{mem}/memory.usage_in_bytes"),
              "max_usage": read_int(f"{mem}/memory.max_usage_in_bytes"),
              "failcnt": read_int(f"{mem}/memory.failcnt"),
              "limit": read_int(f"{mem}/memory.limit_in_bytes"),
              "stats": read_pairs(f"{mem}/memory.stat")}
    entries = []
    for line in read(f"{paths.get('blkio', '')}/blkio.throttle.io_service_bytes").splitlines():
        parts = line.split()
        if len(parts) == 3 and ":" in parts[0]:
            major, _, minor = parts[0].partition(":")
            entries.append({"major": int(major), "minor": int(minor), "op": parts[1],
                            "value": int(parts[2])})
    return {"cpu_stats": cpu, "memory_stats": memory,
            "pids_stats": _pids(pids), "blkio_stats": _blkio(entries)}


def _pids(directory: str) -> dict[str, Any]:
    limit = read(f"{directory}/pids.max").strip()
    out: dict[str, Any] = {"current": read_int(f"{directory}/pids.current")}
    if limit.isdigit():
        out["limit"] = int(limit)
    return out


def io_stat_entries(text: str) -> list[dict[str, Any]]:
    """``io.stat`` (``MAJ:MIN rbytes=N wbytes=N rios=N ...`` a line) as dockerd's
    ``io_service_bytes_recursive``: a read and a write entry per device."""
    entries = []
    for line in text.splitlines():
        device, *fields = line.split()
        major, _, minor = device.partition(":")
        values = dict(f.partition("=")[::2] for f in fields)
        for op, key in (("read", "rbytes"), ("write", "wbytes")):
            entries.append({"major": int(major), "minor": int(minor), "op": op,
                            "value": int(values.get(key) or 0)})
    return entries


def v2(path: str) -> dict[str, Any]:
    """Stats of the v2 cgroup directory ``path``."""
    usec = read_pairs(f"{path}/cpu.stat")
    cpu = _cpu({"total_usage": usec.get("usage_usec", 0) * 1000,
                "usage_in_kernelmode": usec.get("system_usec", 0) * 1000,
                "usage_in_usermode": usec.get("user_usec", 0) * 1000},
               (usec.get("nr_periods", 0), usec.get("nr_throttled", 0),
                usec.get("throttled_usec", 0) * 1000))
    limit = read(f"{path}/memory.max").strip()
    memory = {"usage": read_int(f"{path}/memory.current"),
              # "max" (no limit) as v1's unlimited: the daemon shows the host's memory
              "limit": int(limit) if limit.isdigit() else _UNLIMITED,
              "stats": read_pairs(f"{path}/memory.stat")}
    return {"cpu_stats": cpu, "memory_stats": memory, "pids_stats": _pids(path),
            "blkio_stats": _blkio(io_stat_entries(read(f"{path}/io.stat")))}
