"""The cgroup v2 backend on a real cgroup2 mount: this hybrid host's
/sys/fs/cgroup/unified, which has the v2 core files (procs, freeze, kill, events,
cpu.stat), takes BPF device programs and has, of the controllers, only hugetlb. What
needs memory, pids, cpu or io on v2 is covered by the mapping's unit tests
(tests/unit/runtime/test_cgroups_v2_map.py) and by the clear error checked here."""

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from berth.errors import FailedPrecondition
from berth.oci.defaults import DEVICE_CGROUP_RULES
from berth.runtime.cgroups import for_spec, hierarchy
from berth.runtime.cgroups_v2 import V2Cgroup

MOUNT = "/sys/fs/cgroup/unified"


def _mount() -> Path:
    if os.geteuid() != 0:
        pytest.fail("this test needs root (run the suite as root, as CI does)")
    with open("/proc/self/mounts") as f:
        if not any(line.split()[1:3] == [MOUNT, "cgroup2"] for line in f):
            pytest.fail(f"{MOUNT} is not a cgroup2 mount on this host")
    return Path(MOUNT)


def _clean(top: Path) -> list[str]:
    """Kill and remove whatever is left under ``top``, deepest first; what was left."""
    left = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
    for d in [*left, top]:
        if d.exists():
            (d / "cgroup.kill").write_text("1")
            deadline = time.monotonic() + 5
            while "populated 1" in (d / "cgroup.events").read_text() and \
                    time.monotonic() < deadline:
                time.sleep(0.01)
            d.rmdir()
    return [str(d) for d in left]


@pytest.fixture
def top() -> Iterator[Path]:
    """A directory of the test's own in the v2 mount; afterwards nothing may be left
    under it, and the mount root's subtree_control is as it was."""
    mount = _mount()
    before = (mount / "cgroup.subtree_control").read_text().split()
    d = mount / f"berth-test-{uuid.uuid4().hex[:12]}"
    yield d
    left = _clean(d) if d.exists() else []
    for controller in (mount / "cgroup.subtree_control").read_text().split():
        if controller not in before:
            (mount / "cgroup.subtree_control").write_text(f"-{controller}")
    assert not left, f"cgroups left behind: {left}"


def _cgroup(top: Path, name: str = "ctr") -> V2Cgroup:
    return V2Cgroup(str(top / "berth" / name), MOUNT, parents=2)  # top/berth made for it


def _busy(cg: V2Cgroup) -> subprocess.Popen[bytes]:
    """A shell spinning on the CPU, started inside the cgroup."""
    return subprocess.Popen(["sh", "-c", "while :; do :; done"], preexec_fn=cg.enter)


def _usage(cg: V2Cgroup) -> int:
    return int(cg.stats()["cpu_stats"]["cpu_usage"]["total_usage"])


def test_the_mount_is_seen_as_v2(top: Path) -> None:
    assert hierarchy(MOUNT) == "v2" and hierarchy("/sys/fs/cgroup") == "v1"
    own = next(line for line in Path("/proc/self/cgroup").read_text().splitlines()
               if line.startswith("0::"))[3:]
    cg = for_spec({"linux": {"cgroupsPath": f"{top.name}/x"}}, root=MOUNT)
    assert isinstance(cg, V2Cgroup)  # relative: under the caller's own v2 cgroup
    assert cg.path == os.path.join(MOUNT, own.lstrip("/"), top.name, "x")
    cg = for_spec({"linux": {"cgroupsPath": f"/{top.name}/x"}}, root=MOUNT)
    assert isinstance(cg, V2Cgroup) and cg.path == f"{MOUNT}/{top.name}/x"


def test_create_enter_stats_kill_remove(top: Path) -> None:
    cg = _cgroup(top)
    cg.create(None)
    proc = _busy(cg)
    try:
        assert cg.procs() == [proc.pid]
        assert f"0::/{top.name}/berth/ctr" in Path(f"/proc/{proc.pid}/cgroup").read_text()
        assert "populated 1" in Path(cg.path, "cgroup.events").read_text()
        time.sleep(0.3)
        stats = cg.stats()
        usage = stats["cpu_stats"]["cpu_usage"]
        assert usage["total_usage"] >= 100_000_000, usage  # ns: at least 0.1 s of the 0.3
        assert usage["total_usage"] >= usage["usage_in_usermode"] > 0
        assert "percpu_usage" not in usage  # v2 has no per-CPU list; dockerd shows none
        assert stats["pids_stats"] == {"current": 0}  # no pids controller on this mount
        assert not cg.oom_killed()  # no memory controller: no memory.events
        cg.remove()  # kills what is inside (cgroup.kill), waits, removes
        assert proc.wait(5) == -9
        assert not top.exists()  # the parents made for it too
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_freeze_and_thaw_a_real_process(top: Path) -> None:
    cg = _cgroup(top)
    cg.create(None)
    proc = _busy(cg)
    try:
        events = Path(cg.path, "cgroup.events")
        cg.freeze()
        assert "frozen 1" in events.read_text().splitlines()
        frozen_at = _usage(cg)
        time.sleep(0.3)
        assert _usage(cg) - frozen_at < 20_000_000, "a frozen process ran"
        cg.thaw()
        assert "frozen 0" in events.read_text().splitlines()
        time.sleep(0.3)
        assert _usage(cg) - frozen_at >= 100_000_000, "the thawed process did not run"
        cg.freeze()  # removal kills a frozen cgroup too
        cg.remove()
        assert proc.wait(5) == -9
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_limit_whose_controller_is_absent_names_the_file(top: Path) -> None:
    cg = _cgroup(top)
    with pytest.raises(FailedPrecondition) as e:
        cg.create({"memory": {"limit": 64 << 20}, "pids": {"limit": 10}})
    assert e.value.message.startswith(f"cgroup {cg.path}/memory.max: the memory controller "
                                      f"is not available in {MOUNT}"), e.value.message
    assert not top.exists()  # nothing is left of a failed create
    with pytest.raises(FailedPrecondition, match=r"/io\.max: the io controller"):
        _cgroup(top).create({"blockIO": {"throttleWriteBpsDevice": [
            {"major": 254, "minor": 0, "rate": 1 << 20}]}})


def test_a_limit_enables_its_controller_on_the_way_down(top: Path) -> None:
    """hugetlb is the one controller this mount has: a limit on it enables it in
    each parent's subtree_control, and the file holds the value."""
    if "hugetlb" not in Path(MOUNT, "cgroup.controllers").read_text().split():
        pytest.fail(f"{MOUNT} offers no hugetlb controller on this host")
    cg = _cgroup(top)
    cg.create({"hugepageLimits": [{"pageSize": "2MB", "limit": 4 << 20}]})
    for level in (Path(MOUNT), top, top / "berth"):
        assert "hugetlb" in (level / "cgroup.subtree_control").read_text().split(), level
    assert Path(cg.path, "hugetlb.2MB.max").read_text().strip() == str(4 << 20)
    cg.update({"hugepageLimits": [{"pageSize": "2MB", "limit": 8 << 20}]})
    assert Path(cg.path, "hugetlb.2MB.max").read_text().strip() == str(8 << 20)
    cg.remove()
    assert not top.exists()


def test_unified_keys_are_written_as_given(top: Path) -> None:
    cg = _cgroup(top)
    cg.create({"unified": {"cgroup.max.descendants": "3"}})
    assert Path(cg.path, "cgroup.max.descendants").read_text().strip() == "3"
    cg.remove()
    with pytest.raises(FailedPrecondition, match=r"/nosuch\.knob: the nosuch controller"):
        _cgroup(top).create({"unified": {"nosuch.knob": "1"}})
    assert not top.exists()


def _in_cgroup(cg: V2Cgroup, script: str) -> list[str]:
    r = subprocess.run(["sh", "-c", script], preexec_fn=cg.enter, capture_output=True,
                       text=True, timeout=30)
    return r.stdout.split()


def test_dockers_device_rules_as_a_bpf_program(top: Path, tmp_path: Path) -> None:
    """v2 has no devices controller: the rules are a BPF program on the cgroup. With
    docker's (deny all, the standard nodes, mknod of anything), a process inside opens
    /dev/null and /dev/zero, makes device nodes, and may open none of the others."""
    disk = Path("/sys/dev/block", f"{os.major(tmp_path.stat().st_dev)}:"
                f"{os.minor(tmp_path.stat().st_dev)}").resolve().name
    script = f"""
        echo x > /dev/null && echo null-ok
        head -c1 /dev/zero > /dev/null && echo zero-ok
        true < /dev/{disk} || echo disk-denied
        mknod {tmp_path}/blk b 254 0 && echo mknod-ok
        mknod {tmp_path}/loopctl c 10 237 && echo mknod-char-ok
        true < {tmp_path}/loopctl && echo loopctl-opened || echo loopctl-denied
        mknod {tmp_path}/fuse c 10 229 && echo mknod-fuse-ok
        true < {tmp_path}/fuse || echo fuse-denied"""
    cg = _cgroup(top)
    cg.create({"devices": [dict(rule) for rule in DEVICE_CGROUP_RULES]})
    try:
        out = _in_cgroup(cg, script)
        assert out == ["null-ok", "zero-ok", "disk-denied", "mknod-ok", "mknod-char-ok",
                       "loopctl-denied", "mknod-fuse-ok", "fuse-denied"], out
    finally:
        cg.remove()
    # outside the cgroup the same node opens: the program refused it
    r = subprocess.run(["sh", "-c", f"true < {tmp_path}/loopctl && echo loopctl-opened"],
                       capture_output=True, text=True, timeout=10)
    assert r.stdout.split() == ["loopctl-opened"], r.stderr
    assert not top.exists()


def test_the_last_matching_rule_decides(top: Path, tmp_path: Path) -> None:
    cg = _cgroup(top)
    cg.create({"devices": [
        {"allow": False, "type": "c", "major": 1, "minor": 9, "access": "rwm"},
        {"allow": True, "access": "rwm"},  # everything: resets the rules before it
        {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
        {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "r"},
        {"allow": False, "type": "c", "major": 1, "minor": None, "access": "m"}]})
    try:
        out = _in_cgroup(cg, f"""
            head -c1 /dev/urandom > /dev/null && echo urandom-ok
            head -c1 /dev/zero > /dev/null && echo zero-read-ok
            echo x > /dev/zero || echo zero-write-denied
            mknod {tmp_path}/null c 1 3 || echo mknod-denied
            mknod {tmp_path}/pts c 136 0 && echo mknod-other-major-ok""")
        assert out == ["urandom-ok", "zero-read-ok", "zero-write-denied", "mknod-denied",
                       "mknod-other-major-ok"], out
    finally:
        cg.remove()


def test_a_parent_with_processes_of_its_own_is_explained(top: Path) -> None:
    """v2's "no internal processes" rule: a controller cannot be enabled below a
    (non-root) cgroup that holds processes, as a supervisor's own cgroup would."""
    holder = V2Cgroup(str(top), MOUNT)
    holder.create(None)
    proc = subprocess.Popen(["sleep", "60"], preexec_fn=holder.enter)
    try:
        with pytest.raises(FailedPrecondition) as e:
            V2Cgroup(str(top / "ctr"), MOUNT).create(
                {"hugepageLimits": [{"pageSize": "2MB", "limit": 4 << 20}]})
        assert e.value.message.startswith(
            f"cgroup {top}/cgroup.subtree_control: cannot enable hugetlb: {top} holds "
            "processes of its own"), e.value.message
        assert not (top / "ctr").exists()
    finally:
        holder.remove()  # kills the sleep
        proc.wait(5)
