"""The container's own pid, uts, mount, ipc and net namespaces."""

import os
from pathlib import Path

from rt_support import Supervisor


def test_command_is_pid_1(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "echo $$"])
    assert r.stdout == b"1\n"


def test_ps_sees_only_the_container(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "sleep 5 & sleep 0.1; ps -o pid,comm; kill %1"])
    lines = r.stdout.decode().splitlines()
    assert lines[0].split() == ["PID", "COMMAND"]
    procs = sorted((line.split()[1], int(line.split()[0])) for line in lines[1:])
    assert [name for name, _ in procs] == ["ps", "sh", "sleep"], lines
    assert dict(procs)["sh"] == 1


def test_host_pid_is_reported(supervisor: Supervisor) -> None:
    cid, reply, conn = supervisor.start(["sleep", "5"])
    try:
        host_pid = int(reply["pid"])
        assert Path(f"/proc/{host_pid}/cmdline").read_bytes() == b"sleep\x005\x00"
        for ns in ("pid", "mnt", "uts", "ipc", "net"):
            assert os.readlink(f"/proc/{host_pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}")
        # The cgroup namespace is the host's unless the spec asks (docker on cgroup v1).
        assert os.readlink(f"/proc/{host_pid}/ns/cgroup") == os.readlink("/proc/self/ns/cgroup")
    finally:
        supervisor.client.kill(cid, 9)
        conn.close()


def test_hostname(supervisor: Supervisor) -> None:
    r = supervisor.run(["hostname"], hostname="berthbox")
    assert r.stdout == b"berthbox\n"
    assert os.uname().nodename != "berthbox"


def test_no_host_mount_is_visible(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "ls /; cat /proc/self/mountinfo"])
    lines = r.stdout.decode().splitlines()
    top = [line for line in lines if len(line.split()) == 1]
    assert "work" not in top and "tmp" in top and "bin" in top
    mountpoints = {line.split()[4] for line in lines if len(line.split()) > 4}
    assert {"/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"} <= mountpoints
    assert not any(m.startswith(("/work", "/tmp/", str(supervisor.root))) for m in mountpoints)


def test_network_namespace_has_only_loopback(supervisor: Supervisor) -> None:
    r = supervisor.run(["ls", "/sys/class/net"])
    assert r.stdout == b"lo\n"


def test_dev(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "ls -l /dev | grep -v total; echo x > /dev/null; "
                                    "head -c 4 /dev/zero | wc -c"])
    entries = {}
    for line in r.stdout.decode().splitlines()[:-1]:
        fields = line.split()
        entries[fields[-1] if "->" not in line else fields[-3]] = fields[0]
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        assert entries[node] == "crw-rw-rw-", (node, entries)
    for link in ("ptmx", "fd", "stdin", "stdout", "stderr"):
        assert entries[link].startswith("l"), (link, entries)
    assert r.stdout.decode().splitlines()[-1].strip() == "4"
