"""--ipc shareable, container:NAME, host and none, as dockerd 20.10 does them.

A shareable container's /dev/shm is a tmpfs on the host (``<container dir>/mounts/shm``)
that a joiner binds too, beside joining its IPC namespace; that mount never outlives
the container (stop, failed start, rm -f, a berthd killed meanwhile). busybox has no
``ipcmk``: the SysV segment is made from the host, with the host's ``ipcmk`` inside
the donor's IPC namespace (``nsenter --ipc``), and read in the joiner from
``/proc/sysvipc/shm``, which lists the segments of the reader's IPC namespace.
"""

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from berth.client.api import Client
from berth.client.errors import APIError

SHARE_MSG = ("non-shareable IPC (hint: use IpcMode:shareable for the donor container)")


def _inspect(cli, name):
    code, out, err = cli("inspect", name)
    assert code == 0, err
    return json.loads(out)[0]


def _shm_mounts(data_root: Path) -> list[str]:
    """The host's mountinfo lines of containers' host-side /dev/shm under data_root."""
    prefix = f"{data_root}/containers/"
    return [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if line.split()[4].startswith(prefix) and line.split()[4].endswith("/mounts/shm")]


def _mounted(data_root: Path, cid: str) -> bool:
    target = f"{data_root}/containers/{cid}/mounts/shm"
    return any(line.split()[4] == target for line in _shm_mounts(data_root))


def test_joiner_shares_the_donors_shm_and_sysv_segments(berth_cli, daemon):
    assert berth_cli("run", "-d", "--name", "ipc-donor", "--ipc", "shareable", "busybox",
                     "sleep", "60")[0] == 0
    try:
        donor = _inspect(berth_cli, "ipc-donor")
        assert donor["HostConfig"]["IpcMode"] == "shareable"
        assert donor["HostConfig"]["ShmSize"] == 64 * 1024 * 1024
        assert _mounted(daemon.data_root, donor["Id"])
        assert berth_cli("exec", "ipc-donor", "sh", "-c", "echo hello > /dev/shm/note")[0] == 0
        made = subprocess.run(["nsenter", "-t", str(donor["State"]["Pid"]), "--ipc",
                               "ipcmk", "-M", "4096"], capture_output=True, text=True,
                              check=True).stdout
        shmid = made.strip().rsplit(" ", 1)[-1]
        assert shmid.isdigit(), made
        script = ("cat /dev/shm/note; echo back > /dev/shm/reply; "
                  "awk 'NR > 1 {print \"shmid=\" $2}' /proc/sysvipc/shm; "
                  "readlink /proc/self/ns/ipc")
        code, out, err = berth_cli("run", "--name", "ipc-joiner", "--ipc",
                                   "container:ipc-donor", "busybox", "sh", "-c", script)
        assert code == 0, err
        lines = out.split()
        assert lines[0] == "hello"
        assert f"shmid={shmid}" in lines
        donor_ns = os.readlink(f"/proc/{donor['State']['Pid']}/ns/ipc")
        assert lines[-1] == donor_ns
        joiner = _inspect(berth_cli, "ipc-joiner")
        assert joiner["HostConfig"]["IpcMode"] == f"container:{donor['Id']}"  # docker's
        assert berth_cli("exec", "ipc-donor", "cat", "/dev/shm/reply")[1] == "back\n"
        # A container of its own (private, the default) sees neither.
        code, out, _ = berth_cli("run", "--rm", "busybox", "sh", "-c",
                                 "ls /dev/shm; cat /proc/sysvipc/shm")
        assert code == 0 and "note" not in out and f" {shmid} " not in out
    finally:
        berth_cli("rm", "-f", "ipc-joiner", "ipc-donor")


def test_private_and_stopped_donors_refused(berth_cli, daemon):
    assert berth_cli("run", "-d", "--name", "ipc-private", "busybox", "sleep", "60")[0] == 0
    assert berth_cli("create", "--name", "ipc-stopped", "--ipc", "shareable", "busybox",
                     "true")[0] == 0
    try:
        private_id = _inspect(berth_cli, "ipc-private")["Id"]
        assert _inspect(berth_cli, "ipc-private")["HostConfig"]["IpcMode"] == "private"
        code, _, err = berth_cli("run", "--rm", "--ipc", "container:ipc-private", "busybox",
                                 "true")
        assert code == 125
        assert f"can't join IPC of container {private_id}: {SHARE_MSG}" in err
        # Created fine, refused at start (dockerd: 500).
        assert berth_cli("create", "--name", "ipc-late", "--ipc", "container:ipc-private",
                         "busybox", "true")[0] == 0
        code, _, err = berth_cli("start", "ipc-late")
        assert code == 1 and SHARE_MSG in err
        with Client(f"unix://{daemon.socket}") as client, pytest.raises(APIError) as e:
            client.call("POST", "/containers/ipc-late/start")
        assert e.value.status == 500  # dockerd's
        stopped_id = _inspect(berth_cli, "ipc-stopped")["Id"]
        code, _, err = berth_cli("run", "--rm", "--ipc", "container:ipc-stopped", "busybox",
                                 "true")
        assert code == 125
        assert (f"can't join IPC of container {stopped_id}: container {stopped_id} is not "
                "running") in err
        code, _, err = berth_cli("run", "--rm", "--ipc", "container:ipc-nosuch", "busybox",
                                 "true")
        assert code == 125 and "No such container: ipc-nosuch" in err
    finally:
        berth_cli("rm", "-f", "ipc-late", "ipc-stopped", "ipc-private")


def test_shareable_mount_lives_only_while_the_container_runs(berth_cli, daemon):
    assert berth_cli("run", "-d", "--name", "ipc-life", "--ipc", "shareable", "busybox",
                     "sleep", "60")[0] == 0
    try:
        cid = _inspect(berth_cli, "ipc-life")["Id"]
        assert _mounted(daemon.data_root, cid)
        assert berth_cli("exec", "ipc-life", "touch", "/dev/shm/old")[0] == 0
        assert berth_cli("stop", "-t", "0", "ipc-life")[0] == 0
        assert not _mounted(daemon.data_root, cid)
        assert berth_cli("start", "ipc-life")[0] == 0  # a fresh one
        assert _mounted(daemon.data_root, cid)
        assert berth_cli("exec", "ipc-life", "ls", "/dev/shm")[1] == ""
        assert berth_cli("rm", "-f", "ipc-life")[0] == 0
        assert not _mounted(daemon.data_root, cid)
        assert not (daemon.data_root / "containers" / cid).exists()
        # A start that fails after the mount (no such command) leaves none either.
        code, _, _ = berth_cli("run", "--name", "ipc-broken", "--ipc", "shareable", "busybox",
                               "/no/such/command")
        assert code == 127
        assert not _mounted(daemon.data_root, _inspect(berth_cli, "ipc-broken")["Id"])
        # A container that exits by itself releases it too.
        code, _, _ = berth_cli("run", "--name", "ipc-short", "--ipc", "shareable",
                               "busybox", "true")
        assert code == 0
        assert not _mounted(daemon.data_root, _inspect(berth_cli, "ipc-short")["Id"])
    finally:
        berth_cli("rm", "-f", "ipc-life", "ipc-broken", "ipc-short")


def test_shm_size_and_options(berth_cli, daemon):
    code, out, err = berth_cli("run", "-d", "--name", "ipc-sized", "--ipc", "shareable",
                               "--shm-size", "32m", "busybox", "sleep", "60")
    assert code == 0, err
    try:
        cid = out.strip()
        assert _inspect(berth_cli, "ipc-sized")["HostConfig"]["ShmSize"] == 32 * 1024 * 1024
        host = [line for line in _shm_mounts(daemon.data_root) if f"/{cid}/" in line]
        assert len(host) == 1 and "size=32768k" in host[0]
        assert {"nosuid", "nodev", "noexec"} <= set(host[0].split()[5].split(","))
        code, out, _ = berth_cli("exec", "ipc-sized", "grep", " /dev/shm ", "/proc/mounts")
        fields = out.split()
        assert code == 0 and fields[2] == "tmpfs", out
        assert {"rw", "nosuid", "nodev", "noexec", "size=32768k"} <= set(fields[3].split(","))
        code, out, _ = berth_cli("exec", "ipc-sized", "stat", "-c", "%a", "/dev/shm")
        assert out.strip() == "1777"
        code, out, _ = berth_cli("exec", "ipc-sized", "df", "-k", "/dev/shm")
        assert out.splitlines()[1].split()[1] == "32768"
    finally:
        berth_cli("rm", "-f", "ipc-sized")
    with Client(f"unix://{daemon.socket}") as client, pytest.raises(APIError) as e:
        client.containers.create({"Image": "busybox", "HostConfig": {"ShmSize": -1}})
    assert (e.value.status, e.value.message) == (400, "SHM size can not be less than 0")


def test_none_has_no_dev_shm(berth_cli):
    code, out, err = berth_cli("run", "--name", "ipc-none", "--ipc", "none", "busybox", "sh",
                               "-c", "grep -c /dev/shm /proc/mounts; ls /dev; "
                               "readlink /proc/self/ns/ipc")
    try:
        assert code == 0, err
        lines = out.split()
        assert lines[0] == "0" and "shm" not in lines
        assert lines[-1] != os.readlink("/proc/self/ns/ipc")
        assert _inspect(berth_cli, "ipc-none")["HostConfig"]["IpcMode"] == "none"
    finally:
        berth_cli("rm", "-f", "ipc-none")


def test_host_shares_the_hosts_dev_shm(berth_cli):
    name = f"berth-ipc-{uuid.uuid4().hex[:8]}"
    host_file = Path("/dev/shm") / name
    host_file.write_text("from the host\n")
    try:
        code, out, err = berth_cli("run", "--rm", "--ipc", "host", "busybox", "sh", "-c",
                                   f"cat /dev/shm/{name}; readlink /proc/self/ns/ipc")
        assert code == 0, err
        assert out.splitlines() == ["from the host", os.readlink("/proc/self/ns/ipc")]
    finally:
        host_file.unlink()


def test_no_mount_left_after_berthd_is_killed(own_daemon):
    d = own_daemon
    r = d.cli("run", "-d", "--name", "ipc-orphan", "--ipc", "shareable", "busybox", "sleep",
              "60")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    assert d.cli("create", "--name", "ipc-stale", "busybox", "true").returncode == 0
    stale = json.loads(d.cli("inspect", "ipc-stale").stdout)[0]["Id"]
    pid = json.loads(d.cli("inspect", "ipc-orphan").stdout)[0]["State"]["Pid"]
    d.process.send_signal(signal.SIGKILL)
    d.process.wait()
    # While no berthd runs: the container dies, and a crash is left behind as a host
    # shm mount of a container that is not running.
    os.kill(pid, signal.SIGKILL)
    shm = d.data_root / "containers" / stale / "mounts" / "shm"
    shm.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "shm", str(shm)], check=True)
    assert _mounted(d.data_root, stale) and _mounted(d.data_root, cid)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # The next command starts berthd again, which finds the exit and the leftover.
    ps = d.cli("ps", "-a").stdout
    assert "ipc-orphan" in ps
    assert _shm_mounts(d.data_root) == []
    assert d.cli("start", "ipc-orphan").returncode == 0
    assert _mounted(d.data_root, cid)
    assert d.cli("rm", "-f", "ipc-orphan", "ipc-stale").returncode == 0
    assert _shm_mounts(d.data_root) == []
