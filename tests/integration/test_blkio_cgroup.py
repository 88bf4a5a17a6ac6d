"""Block I/O limits (OCI ``linux.resources.blockIO``) in a container's v1 blkio cgroup:
throttled direct writes, the weight file runc would pick, removal."""

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rt_support import Supervisor

from berth.errors import FailedPrecondition
from berth.runtime.cgroups import own_cgroups


@pytest.fixture
def cgroup_name(supervisor: Supervisor) -> Iterator[str]:
    """A cgroup name for the test's container; checks its blkio directory is gone after."""
    # unique: another run of these tests may be going on on the same host
    name = f"berth-test-{uuid.uuid4().hex[:12]}/{supervisor.root.parent.name}"
    yield name
    d = Path("/sys/fs/cgroup/blkio", own_cgroups().get("blkio", "/").lstrip("/"), name)
    left = d.exists()
    if d.parent.exists() and not any(p.is_dir() for p in d.parent.iterdir()):
        d.parent.rmdir()
    assert not left, f"cgroup left behind: {d}"


def _numbers(path: Path) -> tuple[int, int]:
    """The block device holding ``path`` (where a write to it is throttled)."""
    dev = path.stat().st_dev
    major, minor = os.major(dev), os.minor(dev)
    assert Path(f"/sys/dev/block/{major}:{minor}").exists(), "not on a block device"
    return major, minor


def _timed_direct_write(sup: Supervisor, name: str, data: Path,
                        block_io: dict[str, Any]) -> tuple[str, float]:
    """Write 3 MiB with O_DIRECT to a bind mount: (the output, with the throttle file
    first, and the seconds the write took, timed inside)."""
    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["cgroupsPath"] = name
        spec["linux"]["resources"] = {"blockIO": block_io}
        spec["mounts"].append({"destination": "/data", "type": "bind", "source": str(data),
                               "options": ["rbind", "rw"]})
    r = sup.run(["sh", "-c", "cat /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device; "
                             "busybox time busybox dd if=/dev/zero of=/data/f bs=1M count=3 "
                             "oflag=direct 2>&1"], edit=edit)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    out = r.stdout.decode() + r.stderr.decode()
    m = re.search(r"real\s+(\d+)m\s*([\d.]+)s", out)
    assert m, out
    assert (data / "f").stat().st_size == 3 << 20
    return out, int(m.group(1)) * 60 + float(m.group(2))


def test_write_bps_throttles_a_direct_write(supervisor: Supervisor, cgroup_name: str,
                                            tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    major, minor = _numbers(data)
    limit = {"throttleWriteBpsDevice": [{"major": major, "minor": minor, "rate": 1 << 20}]}
    out, throttled = _timed_direct_write(supervisor, cgroup_name, data, limit)
    assert out.splitlines()[0] == f"{major}:{minor} {1 << 20}"
    # 3 MiB at 1 MiB/s: about 3 s (the first MiB may pass at once)
    # (no upper bound, nor a comparison with an unthrottled write: other work on the
    # disk can make those take seconds too)
    assert throttled >= 1.5, throttled


def _weight_file() -> str | None:
    """runc's choice: CFQ's blkio.weight where the kernel has it, else BFQ's; none on a
    host whose block devices use ``none`` or ``mq-deadline``."""
    for name in ("blkio.weight", "blkio.bfq.weight"):
        if Path("/sys/fs/cgroup/blkio", name).exists():
            return name
    return None


def test_iops_and_read_limits_are_written(supervisor: Supervisor, cgroup_name: str,
                                          tmp_path: Path) -> None:
    major, minor = _numbers(tmp_path)
    dev = f"{major}:{minor}"
    blkio_dir = Path("/sys/fs/cgroup/blkio", own_cgroups().get("blkio", "/").lstrip("/"),
                     cgroup_name)

    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["cgroupsPath"] = cgroup_name
        spec["linux"]["resources"] = {"blockIO": {
            "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 4096}],
            "throttleReadIOPSDevice": [{"major": major, "minor": minor, "rate": 11}],
            "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 12}]}}
    r = supervisor.run(["sh", "-c", "cd /sys/fs/cgroup/blkio; "
                                    "cat blkio.throttle.read_bps_device "
                                    "blkio.throttle.read_iops_device "
                                    "blkio.throttle.write_iops_device"], edit=edit)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.decode().splitlines() == [f"{dev} 4096", f"{dev} 11", f"{dev} 12"]
    assert not blkio_dir.exists()


@pytest.mark.parametrize("field", ["weight", "weightDevice"])
def test_a_weight_is_written_or_refused_as_the_host_allows(
        supervisor: Supervisor, cgroup_name: str, tmp_path: Path, field: str) -> None:
    """Where the host has a weight file the weight lands in it; where it has none (no
    CFQ, no BFQ) the start is refused with the reason, and no cgroup is left."""
    major, minor = _numbers(tmp_path)
    block_io: dict[str, Any] = (
        {"weight": 321} if field == "weight"
        else {"weightDevice": [{"major": major, "minor": minor, "weight": 321}]})
    weight_file = _weight_file()

    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["cgroupsPath"] = cgroup_name
        spec["linux"]["resources"] = {"blockIO": block_io}
    if weight_file is None:
        with pytest.raises(FailedPrecondition,
                           match="blkio weights are not supported on this host"):
            supervisor.start(["true"], edit=edit)
        return
    target = weight_file if field == "weight" else f"{weight_file}_device"
    r = supervisor.run(["cat", f"/sys/fs/cgroup/blkio/{target}"], edit=edit)
    assert r.exit_code == 0, r.stderr
    assert "321" in r.stdout.decode().split(), r.stdout  # bfq: "default 321"


def test_a_limit_on_a_non_block_device_is_refused(supervisor: Supervisor,
                                                  cgroup_name: str) -> None:
    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["cgroupsPath"] = cgroup_name
        spec["linux"]["resources"] = {"blockIO": {
            "throttleReadIOPSDevice": [{"major": 1, "minor": 3, "rate": 5}]}}  # /dev/null
    with pytest.raises(FailedPrecondition,
                       match=r"blkio.throttle.read_iops_device: writing \"1:3 5\": No such device"):
        supervisor.start(["true"], edit=edit)
