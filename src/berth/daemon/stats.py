"""``GET /containers/{id}/stats``: samples of a container's usage, docker's JSON.

``stream`` sends one sample a second; without it, docker's rule: two samples a
second apart, so the CPU figures have a previous one to compare with
(``one-shot`` skips the wait and leaves ``precpu_stats`` empty). A container
that is not running has zeroed stats, as dockerd gives. A memory limit above
the host's memory is the host's memory, as dockerd reports it.
"""

import asyncio
import functools
from collections.abc import AsyncIterator
from typing import Any

from berth.daemon.container import Container
from berth.runtime import stats as runtime_stats
from berth.util.timefmt import ZERO_TIME, now_rfc3339

INTERVAL = 1.0


@functools.cache
def _host_memory() -> int:
    """MemTotal, read once: it does not change under a running daemon."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _zero() -> dict[str, Any]:
    return {"cpu_stats": {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0,
                                        "usage_in_usermode": 0},
                          "throttling_data": {"periods": 0, "throttled_periods": 0,
                                              "throttled_time": 0}},
            "memory_stats": {}, "pids_stats": {}, "blkio_stats": {
                "io_service_bytes_recursive": None}, "num_procs": 0, "storage_stats": {}}


def _sample(c: Container) -> dict[str, Any]:
    if c.state.status not in ("running", "paused") or not c.state.pid:
        return _zero()
    try:
        sample = runtime_stats.sample(c.state.pid)
    except (FileNotFoundError, ProcessLookupError):  # it exited just now
        return _zero()
    memory = sample["memory_stats"]
    host = _host_memory()
    if host and memory.get("limit", 0) > host:
        memory["limit"] = host
    return sample


async def samples(c: Container, stream: bool, one_shot: bool) -> AsyncIterator[dict[str, Any]]:
    previous: dict[str, Any] | None = None
    previous_read = ZERO_TIME
    first = True
    while True:
        current = await asyncio.to_thread(_sample, c)
        read = now_rfc3339() if current.get("memory_stats") else ZERO_TIME
        if not stream and not one_shot and first and c.state.status == "running":
            first = False
            previous, previous_read = current, read
            await asyncio.sleep(INTERVAL)
            continue
        out = {"read": read, "preread": previous_read, **current,
               "precpu_stats": (previous or _zero())["cpu_stats"],
               "name": "/" + c.name, "id": c.id}
        yield out
        if not stream:
            return
        previous, previous_read = current, read
        await asyncio.sleep(INTERVAL)
