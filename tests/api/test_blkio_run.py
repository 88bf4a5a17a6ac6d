"""``--blkio-weight``, ``--device-*-bps``/``--device-*-iops`` through berthd: the
cgroup's throttle files, a throttled direct write, docker's warnings and errors."""

import json
import os
import re
import subprocess
from pathlib import Path

from berth.runtime.cgroups import blkio_support

WEIGHT_WARNING = ("Your kernel does not support Block I/O weight or the cgroup is not "
                  "mounted. Weight discarded.")


def _device(path: Path) -> tuple[str, str]:
    """(the /dev node, major:minor) of the block device holding ``path``."""
    dev = path.stat().st_dev
    numbers = f"{os.major(dev)}:{os.minor(dev)}"
    name = Path(f"/sys/dev/block/{numbers}").resolve().name
    assert Path(f"/dev/{name}").exists(), name
    return f"/dev/{name}", numbers


def test_device_write_bps_throttles_a_direct_write(berth_cli, tmp_path):
    node, numbers = _device(tmp_path)
    code, out, err = berth_cli(
        "run", "--rm", "--device-write-bps", f"{node}:1mb", "--device-read-iops", f"{node}:50",
        "-v", f"{tmp_path}:/data", "busybox", "sh", "-c",
        "cd /sys/fs/cgroup/blkio; cat blkio.throttle.write_bps_device "
        "blkio.throttle.read_iops_device; "
        "time dd if=/dev/zero of=/data/f bs=1M count=3 oflag=direct 2>&1")
    assert code == 0, err
    lines = (out + err).splitlines()
    assert lines[:2] == [f"{numbers} 1048576", f"{numbers} 50"]
    m = re.search(r"real\s+(\d+)m\s*([\d.]+)s", out + err)
    assert m and int(m.group(1)) * 60 + float(m.group(2)) >= 1.5, out + err
    assert (tmp_path / "f").stat().st_size == 3 << 20


def test_inspect_and_the_weight_warning(berth_cli, daemon):
    node, _ = _device(Path(daemon.root))
    code, out, err = berth_cli("create", "--name", "bw", "--blkio-weight", "300",
                               "--blkio-weight-device", f"{node}:200",
                               "--device-write-bps", f"{node}:2mb", "busybox", "true")
    try:
        assert code == 0, err
        support = blkio_support()
        hc = json.loads(berth_cli("inspect", "bw")[1])[0]["HostConfig"]
        assert hc["BlkioDeviceWriteBps"] == [{"Path": node, "Rate": 2 << 20}]
        assert hc["BlkioDeviceReadBps"] is None and hc["BlkioDeviceWriteIOps"] is None
        if support["weight"]:
            assert hc["BlkioWeight"] == 300 and "WARNING" not in err
        else:  # this host (no CFQ): dropped, as dockerd drops it, and said so
            assert f"WARNING: {WEIGHT_WARNING}" in err.splitlines()
            assert hc["BlkioWeight"] == 0 and hc["BlkioWeightDevice"] == []
            code, out, err = berth_cli("update", "--blkio-weight", "400", "bw")
            assert (code, out) == (0, f"bw\n{WEIGHT_WARNING}\n"), err
    finally:
        berth_cli("rm", "-f", "bw")


def test_docker_cli_sees_the_warning(daemon):
    """Only where the weight is dropped (this host: no CFQ)."""
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}
    r = subprocess.run(["/usr/bin/docker", "create", "--blkio-weight", "300", "busybox",
                        "true"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert (f"WARNING: {WEIGHT_WARNING}" in r.stderr) is not blkio_support()["weight"]
    subprocess.run(["/usr/bin/docker", "rm", r.stdout.strip()], env=env, capture_output=True,
                   timeout=30)


def test_refusals(berth_cli):
    code, _, err = berth_cli("run", "--rm", "--blkio-weight", "5", "busybox", "true")
    assert code == 125 and "Range of blkio weight is from 10 to 1000" in err, err
    code, _, err = berth_cli("run", "--rm", "--blkio-weight", "abc", "busybox", "true")
    assert code == 125 and 'strconv.ParseUint: parsing "abc": invalid syntax' in err, err
    code, _, err = berth_cli("run", "--rm", "--device-write-bps", "vda:1mb", "busybox", "true")
    assert code == 125 and "bad format for device path: vda:1mb" in err, err
    # a missing device is looked up at start, as dockerd does: create works, start fails
    code, _, err = berth_cli("create", "--name", "nodev", "--device-write-bps",
                               "/dev/nosuch-berth:1mb", "busybox", "true")
    assert code == 0, err
    try:
        code, _, err = berth_cli("start", "nodev")
        assert code == 1 and "stat /dev/nosuch-berth: no such file or directory" in err, err
    finally:
        berth_cli("rm", "-f", "nodev")
