"""OCI resources to cgroup v2 files, as runc maps them (a pure function)."""

import re

import pytest

from berth.errors import InvalidArgument
from berth.runtime.cgroups_v2_map import controllers, cpu_weight, io_weight, swap_max, v2_writes


@pytest.mark.parametrize(("shares", "weight"), [
    (0, 0), (1, 1), (2, 1), (3, 2), (512, 59), (1024, 100), (2048, 174), (100000, 4340),
    (262143, 10000), (262144, 10000), (1 << 20, 10000)])
def test_cpu_weight_from_shares(shares: int, weight: int) -> None:
    """runc's current formula (opencontainers/cgroups): the default 1024 shares are the
    default weight 100 (the older linear one gave 39)."""
    assert cpu_weight(shares) == weight


def test_io_weight_from_blkio_weight() -> None:
    assert [io_weight(w) for w in (0, 10, 500, 1000)] == [0, 1, 4950, 10000]


@pytest.mark.parametrize(("swap", "memory", "out"), [
    (0, 0, 0), (0, 64, 0), (-1, 64, -1), (0, -1, -1), (96, 64, 32), (64, 64, 0)])
def test_swap_is_memory_plus_swap_minus_memory(swap: int, memory: int, out: int) -> None:
    assert swap_max(swap, memory) == out


@pytest.mark.parametrize(("swap", "memory", "message"), [
    (96, 0, "unable to set swap limit without memory limit"),
    (96, -1, "unable to set swap limit without memory limit"),
    (32, 64, "memory+swap limit should be >= memory limit")])
def test_bad_swap(swap: int, memory: int, message: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        swap_max(swap, memory)


def test_memory() -> None:
    assert v2_writes({"memory": {"limit": 64 << 20, "swap": 96 << 20,
                                 "reservation": 32 << 20, "disableOOMKiller": True}}) == [
        ("memory.swap.max", str(32 << 20)), ("memory.max", str(64 << 20)),
        ("memory.low", str(32 << 20))]
    assert v2_writes({"memory": {"limit": -1}}) == [("memory.swap.max", "max"),
                                                     ("memory.max", "max")]
    # a memory limit alone leaves swap as it is (never "0", which would forbid it)
    assert v2_writes({"memory": {"limit": 1 << 20}}) == [("memory.max", str(1 << 20))]
    assert v2_writes({"memory": {"limit": 1 << 20, "swap": -1}})[0] == ("memory.swap.max",
                                                                        "max")
    # memory+swap equal to memory: no swap at all
    assert v2_writes({"memory": {"limit": 1 << 20, "swap": 1 << 20}})[0] == (
        "memory.swap.max", "0")


def test_cpu_and_cpuset() -> None:
    assert v2_writes({"cpu": {"shares": 1024, "quota": 50000, "period": 100000,
                              "cpus": "0-1", "mems": "0"}}) == [
        ("cpu.weight", "100"), ("cpu.max", "50000 100000"), ("cpuset.cpus", "0-1"),
        ("cpuset.mems", "0")]
    assert v2_writes({"cpu": {"quota": -1, "period": 100000}}) == [("cpu.max", "max 100000")]
    assert v2_writes({"cpu": {"quota": 20000}}) == [("cpu.max", "20000")]
    assert v2_writes({"cpu": {"burst": 1000, "idle": 1}}) == [("cpu.max.burst", "1000"),
                                                              ("cpu.idle", "1")]


def test_pids() -> None:
    assert v2_writes({"pids": {"limit": 20}}) == [("pids.max", "20")]
    assert v2_writes({"pids": {"limit": -1}}) == [("pids.max", "max")]


def test_block_io() -> None:
    block_io = {"weight": 500, "weightDevice": [{"major": 8, "minor": 0, "weight": 1000}],
                "throttleReadBpsDevice": [{"major": 254, "minor": 0, "rate": 1 << 20}],
                "throttleWriteIOPSDevice": [{"major": 254, "minor": 0, "rate": 100},
                                            {"major": 8, "minor": 16, "rate": 0}]}
    assert v2_writes({"blockIO": block_io}) == [
        ("io.weight", "4950"), ("io.weight", "8:0 10000"),
        ("io.max", f"254:0 rbps={1 << 20}"), ("io.max", "254:0 wiops=100"),
        ("io.max", "8:16 wiops=max")]
    # with BFQ the weights go to io.bfq.weight unconverted, as runc writes them
    assert v2_writes({"blockIO": block_io}, bfq=True)[:2] == [
        ("io.bfq.weight", "500"), ("io.bfq.weight", "8:0 1000")]


def test_hugetlb_unified_and_the_controllers_needed() -> None:
    writes = v2_writes({"pids": {"limit": 5},
                        "hugepageLimits": [{"pageSize": "2MB", "limit": 4 << 20}],
                        "unified": {"memory.high": "1G", "cgroup.max.depth": "2"},
                        "devices": [{"allow": False, "access": "rwm"}]})
    assert writes == [("pids.max", "5"), ("hugetlb.2MB.max", str(4 << 20)),
                      ("memory.high", "1G"), ("cgroup.max.depth", "2")]
    assert controllers(writes) == ["pids", "hugetlb", "memory"]  # cgroup.* is core
    assert v2_writes({}) == []
