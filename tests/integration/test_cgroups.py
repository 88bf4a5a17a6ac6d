"""A cgroup v1 per container (memory, pids, cpu, freezer): limits, OOM, removal (this
host's /sys/fs/cgroup is v1; the v2 backend is tested in test_cgroups_v2.py)."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rt_support import Supervisor, collect

from berth.errors import CommandNotFound
from berth.runtime.cgroups import for_spec, own_cgroups
from berth.runtime.cgroups_v1 import CONTROLLERS, V1Cgroup


def _with(cid_path: str, resources: dict[str, Any] | None = None) -> Any:
    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["cgroupsPath"] = cid_path
        if resources:
            spec["linux"]["resources"] = resources
    return edit


def _cgroup_dirs(name: str) -> dict[str, Path]:
    own = own_cgroups()
    return {c: Path("/sys/fs/cgroup", c, own.get(c, "/").lstrip("/"), name) for c in CONTROLLERS}


@pytest.fixture
def name(supervisor: Supervisor) -> Iterator[str]:
    """A cgroup name for the test's container; checks it is gone afterwards."""
    # unique: another run of these tests may be going on on the same host
    cgroup = f"berth-test-{uuid.uuid4().hex[:12]}/{supervisor.root.parent.name}"
    yield cgroup
    dirs = _cgroup_dirs(cgroup)
    left = [d for d in dirs.values() if d.exists()]
    for d in dirs.values():
        if d.parent.exists() and not any(p.is_dir() for p in d.parent.iterdir()):
            d.parent.rmdir()
    assert not left, f"cgroups left behind: {left}"


def test_container_runs_in_its_cgroup_and_it_is_removed(supervisor: Supervisor,
                                                        name: str) -> None:
    _, reply, conn = supervisor.start(
        ["sh", "-c", "cat /proc/self/cgroup; cat > /dev/null"], open_stdin=True,
        edit=_with(name, {"memory": {"limit": 64 << 20}, "pids": {"limit": 20},
                          "cpu": {"shares": 512, "quota": 50000, "period": 100000}}))
    dirs = _cgroup_dirs(name)
    try:
        for controller, d in dirs.items():
            assert reply["pid"] in [int(p) for p in (d / "cgroup.procs").read_text().split()], \
                controller
        assert (dirs["memory"] / "memory.limit_in_bytes").read_text().strip() == str(64 << 20)
        assert (dirs["pids"] / "pids.max").read_text().strip() == "20"
        assert (dirs["cpu"] / "cpu.shares").read_text().strip() == "512"
        assert (dirs["cpu"] / "cpu.cfs_quota_us").read_text().strip() == "50000"
    finally:
        conn.write_stdin(b"")
    out, _, exit_event = collect(conn)
    assert exit_event["exit_code"] == 0 and not exit_event["oom_killed"]
    assert f"pids:/{name}" in out.decode() or f"/{name}\n" in out.decode()
    for d in dirs.values():
        assert not d.exists(), d


def test_pids_limit(supervisor: Supervisor, name: str) -> None:
    r = supervisor.run(["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo done"],
                       edit=_with(name, {"pids": {"limit": 4}}))
    # The shell cannot fork past the limit (busybox sh gives up there).
    assert r.stdout == b"" and b"fork" in r.stderr.lower(), (r.exit_code, r.stderr)


def test_oom_kill_is_reported(supervisor: Supervisor, name: str) -> None:
    _, _, conn = supervisor.start(
        ["sh", "-c", "x=a; while true; do x=$x$x; done"],
        edit=_with(name, {"memory": {"limit": 16 << 20, "swap": 16 << 20}}))
    _, _, exit_event = collect(conn)
    assert exit_event["exit_code"] == 137
    assert exit_event["oom_killed"] is True


def test_for_spec_paths() -> None:
    assert for_spec({"linux": {}}) is None
    cg = for_spec({"linux": {"cgroupsPath": "/abs/x"}})
    assert isinstance(cg, V1Cgroup) and cg.paths["pids"] == "/sys/fs/cgroup/pids/abs/x"
    rel = for_spec({"linux": {"cgroupsPath": "berth/x"}})
    own = own_cgroups()["memory"].lstrip("/")
    assert isinstance(rel, V1Cgroup)
    assert rel.paths["memory"] == str(Path("/sys/fs/cgroup/memory", own, "berth/x"))


def test_failed_start_removes_the_cgroup(supervisor: Supervisor, name: str) -> None:
    with pytest.raises(CommandNotFound):
        supervisor.start(["nosuchcommand"], edit=_with(name, {"pids": {"limit": 10}}))
    assert not any(d.exists() for d in _cgroup_dirs(name).values())


def test_sys_fs_cgroup_shows_the_containers_own_cgroup_read_only(
        supervisor: Supervisor, name: str) -> None:
    r = supervisor.run(["sh", "-c", "ls /sys/fs/cgroup; cat /sys/fs/cgroup/pids/pids.max; "
                                    "echo 5 > /sys/fs/cgroup/pids/pids.max || echo ro-ok; "
                                    "grep ' /sys/fs/cgroup' /proc/self/mountinfo"],
                       edit=_with(name, {"pids": {"limit": 33}}))
    lines = r.stdout.decode().splitlines()
    assert {"memory", "pids", "cpu", "freezer"} <= set(lines)
    assert "33" in lines and "ro-ok" in lines
    mounts = [line.split() for line in lines if len(line.split()) > 5]
    assert all(m[5].startswith("ro") for m in mounts), mounts
