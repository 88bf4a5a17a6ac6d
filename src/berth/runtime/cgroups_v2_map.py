"""OCI ``linux.resources`` as cgroup v2 file writes, the way runc maps them.

The OCI fields were made for v1; v2 names and scales them differently:

- memory: ``limit`` -> ``memory.max``; ``swap`` is memory + swap in OCI but swap
  alone in ``memory.swap.max`` (so swap - limit); ``reservation`` -> ``memory.low``;
  -1 is ``max``. v2 has no switch for the OOM killer: ``disableOOMKiller`` is
  left out, as runc leaves it (dockerd drops it with a warning on v2 hosts).
- cpu: ``shares`` (2..262144) -> ``cpu.weight`` (1..10000) by runc's current
  formula, which maps the default 1024 to the default 100; ``quota``/``period`` ->
  ``cpu.max`` as ``"QUOTA PERIOD"`` (``max`` for no quota); ``cpus``/``mems`` ->
  ``cpuset.cpus``/``cpuset.mems``; ``burst`` -> ``cpu.max.burst``; ``idle`` -> ``cpu.idle``.
- pids: ``limit`` -> ``pids.max`` (``max`` when not positive, as berth's v1 side).
- blockIO: ``weight`` (10..1000) -> ``io.weight`` (1..10000), or BFQ's ``io.bfq.weight``
  unchanged where the kernel has it; device weights likewise per device;
  throttles -> ``io.max`` lines ``MAJ:MIN rbps=N`` (``wbps``, ``riops``, ``wiops``).
- hugepageLimits -> ``hugetlb.<size>.max``; ``unified`` is written as given, last.

``devices`` is not a file on v2 (a BPF program); ``v2_writes`` leaves it out.
"""

import math
from typing import Any

from berth.errors import InvalidArgument

Writes = list[tuple[str, str]]  # (file name in the cgroup directory, value), in order


def cpu_weight(shares: int) -> int:
    """runc's conversion of v1 ``cpu.shares`` to v2 ``cpu.weight`` (0 is unset): a
    quadratic in log2(shares) through (2, 1), (1024, 100) and (262144, 10000)."""
    if shares == 0:
        return 0
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    log = math.log2(shares)
    return math.ceil(10 ** ((log * log + 125 * log) / 612 - 7 / 34))


def io_weight(weight: int) -> int:
    """runc's v1 ``blkio.weight`` (10..1000) to v2 ``io.weight`` (1..10000)."""
    return 0 if weight == 0 else 1 + (weight - 10) * 9999 // 990


def swap_max(swap: int, memory: int) -> int:
    """``memory.swap.max`` from OCI's memory + swap (runc's rules): 0 is unset, -1 no
    limit; an unlimited memory with no swap given means no swap limit either."""
    if memory == -1 and swap == 0:
        return -1
    if swap in (-1, 0):
        return swap
    if memory in (0, -1):
        raise InvalidArgument("unable to set swap limit without memory limit")
    if swap < memory:
        raise InvalidArgument("memory+swap limit should be >= memory limit")
    return swap - memory


def _value(n: int) -> str:
    """A limit as v2 writes it: -1 is ``max``."""
    return "max" if n == -1 else str(n)


def _memory(memory: dict[str, Any]) -> Writes:
    out: Writes = []
    limit, given = int(memory.get("limit") or 0), int(memory.get("swap") or 0)
    swap = swap_max(given, limit)
    if swap or given > 0:  # 0 is "no swap" when given (swap == limit), else "unset"
        out.append(("memory.swap.max", _value(swap)))
    if limit:
        out.append(("memory.max", _value(limit)))
    if memory.get("reservation"):
        out.append(("memory.low", _value(int(memory["reservation"]))))
    return out


def _cpu(cpu: dict[str, Any]) -> Writes:
    out: Writes = []
    if cpu.get("shares"):
        out.append(("cpu.weight", str(cpu_weight(int(cpu["shares"])))))
    quota, period = int(cpu.get("quota") or 0), int(cpu.get("period") or 0)
    if quota or period:
        value = str(quota) if quota > 0 else "max"
        out.append(("cpu.max", f"{value} {period}" if period else value))
    if cpu.get("burst") is not None:
        out.append(("cpu.max.burst", str(int(cpu["burst"]))))
    if cpu.get("idle") is not None:
        out.append(("cpu.idle", str(int(cpu["idle"]))))
    for key in ("cpus", "mems"):
        if cpu.get(key):
            out.append((f"cpuset.{key}", str(cpu[key])))
    return out


_IO_MAX = {"throttleReadBpsDevice": "rbps", "throttleWriteBpsDevice": "wbps",
           "throttleReadIOPSDevice": "riops", "throttleWriteIOPSDevice": "wiops"}


def _io(block_io: dict[str, Any], bfq: bool) -> Writes:
    out: Writes = []
    weight = int(block_io.get("weight") or 0)
    if weight:
        out.append(("io.bfq.weight", str(weight)) if bfq
                   else ("io.weight", str(io_weight(weight))))
    for entry in block_io.get("weightDevice") or []:
        if entry.get("weight"):
            device, w = f"{int(entry['major'])}:{int(entry['minor'])}", int(entry["weight"])
            out.append(("io.bfq.weight", f"{device} {w}") if bfq
                       else ("io.weight", f"{device} {io_weight(w)}"))
    for field, key in _IO_MAX.items():
        for entry in block_io.get(field) or []:
            rate = int(entry["rate"])
            out.append(("io.max", f"{int(entry['major'])}:{int(entry['minor'])} "
                                  f"{key}={rate if rate else 'max'}"))
    return out


def v2_writes(resources: dict[str, Any], bfq: bool = False) -> Writes:
    """The files to write, in order, for OCI ``resources``; ``bfq`` when the kernel has
    BFQ's ``io.bfq.weight`` (then weights are written there, unconverted, as runc does)."""
    out = _memory(resources.get("memory") or {}) + _cpu(resources.get("cpu") or {})
    pids = (resources.get("pids") or {}).get("limit")
    if pids is not None:
        out.append(("pids.max", "max" if int(pids) <= 0 else str(int(pids))))
    out += _io(resources.get("blockIO") or {}, bfq)
    for entry in resources.get("hugepageLimits") or []:
        out.append((f"hugetlb.{entry['pageSize']}.max", str(int(entry["limit"]))))
    out += [(str(k), str(v)) for k, v in (resources.get("unified") or {}).items()]
    return out


def controllers(writes: Writes) -> list[str]:
    """The controllers the writes need (the file's prefix; ``cgroup.*`` is core)."""
    out: list[str] = []
    for name, _ in writes:
        prefix = name.partition(".")[0]
        if prefix != "cgroup" and prefix not in out:
            out.append(prefix)
    return out
