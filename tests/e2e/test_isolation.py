"""What a process sees from inside a berth container."""

import os
from pathlib import Path


def test_command_is_pid_1(berth_cli):
    code, out, _ = berth_cli("run", "--rm", "busybox", "sh", "-c", "echo $$")
    assert code == 0 and out.strip() == "1"


def test_ps_lists_only_the_containers_processes(berth_cli):
    code, out, _ = berth_cli("run", "--rm", "busybox", "ps", "-o", "pid,comm")
    assert code == 0
    rows = [line.split() for line in out.strip().splitlines()[1:]]
    assert rows == [["1", "ps"]]


def test_hostname_is_the_short_id(berth_cli):
    code, cid, _ = berth_cli("run", "-d", "busybox", "hostname")
    assert code == 0
    cid = cid.strip()
    berth_cli("wait", cid)
    code, out, _ = berth_cli("logs", cid)
    assert out.strip() == cid[:12]
    berth_cli("rm", "-f", cid)


def test_no_host_mount_is_visible(berth_cli):
    code, out, _ = berth_cli("run", "--rm", "busybox", "cat", "/proc/self/mountinfo")
    assert code == 0
    targets = {line.split()[4] for line in out.splitlines()}
    assert not any(t.startswith(("/work", "/var/lib", "/tmp/", "/root")) for t in targets)
    assert {"/", "/proc", "/dev", "/sys", "/dev/pts", "/dev/shm"} <= targets
    code, out, _ = berth_cli("run", "--rm", "busybox", "ls", "/")
    assert "work" not in out.split()


def test_devices_are_docker_defaults(berth_cli):
    code, out, _ = berth_cli("run", "--rm", "busybox", "ls", "/dev")
    assert code == 0
    names = set(out.split())
    assert {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx"} <= names
    assert "sda" not in names and "vda" not in names and "kmsg" not in names


def test_writes_stay_in_their_container(berth_cli, daemon):
    code, first, _ = berth_cli("run", "-d", "busybox", "sh", "-c", "echo secret > /tmp/mine")
    first = first.strip()
    assert berth_cli("wait", first)[1].strip() == "0"
    code, out, _ = berth_cli("run", "--rm", "busybox", "cat", "/tmp/mine")
    assert code == 1 and out == ""
    for root, _dirs, files in os.walk(daemon.data_root / "snapshots"):
        assert "mine" not in files, root
    upper = daemon.data_root / "containers" / first / "upper" / "tmp" / "mine"
    assert upper.read_text() == "secret\n"
    berth_cli("rm", first)


def test_rm_leaves_nothing_behind(berth_cli, daemon):
    before = set((daemon.data_root / "containers").iterdir())
    code, out, _ = berth_cli("run", "--rm", "--name", "ephemeral", "busybox", "sh", "-c",
                             "echo x > /tmp/y; cat /proc/self/mountinfo | wc -l")
    assert code == 0 and int(out) > 5
    assert set((daemon.data_root / "containers").iterdir()) == before
    assert "ephemeral" not in berth_cli("ps", "-a")[1]
    mountinfo = Path("/proc/self/mountinfo").read_text()
    assert str(daemon.root) not in mountinfo
    assert not list(daemon.exec_root.glob("*ephemeral*"))


def test_import_failure_stores_nothing(berth_cli, daemon, tmp_path):
    blobs = daemon.data_root / "content" / "blobs" / "sha256"
    before = sorted(p.name for p in blobs.iterdir())
    snapshots = sorted(p.name for p in (daemon.data_root / "snapshots").iterdir())
    bad = tmp_path / "escape.tar"
    import io
    import tarfile

    with tarfile.open(bad, "w") as tar:
        ti = tarfile.TarInfo("../../escaped")
        ti.size = 3
        tar.addfile(ti, io.BytesIO(b"bad"))
    code, _, err = berth_cli("import", str(bad), "evil:1")
    assert code == 1 and "'../../escaped' is outside the root" in err
    assert sorted(p.name for p in blobs.iterdir()) == before
    assert sorted(p.name for p in (daemon.data_root / "snapshots").iterdir()) == snapshots
    assert "evil" not in berth_cli("images")[1]
    assert not (daemon.root.parent / "escaped").exists()
