"""HostConfig options reach the container, through the docker SDK as users send them."""

import docker
import pytest


@pytest.fixture
def sdk(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    yield client
    client.close()


def run(sdk, cmd, **kwargs):
    return sdk.containers.run("busybox", ["sh", "-c", cmd], remove=True, **kwargs).decode()


def test_memory_limit_and_oom_kill(sdk):
    assert run(sdk, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
               mem_limit="32m").strip() == str(32 << 20)
    ct = sdk.containers.run("busybox", ["sh", "-c", "x=a; while true; do x=$x$x; done"],
                            mem_limit="32m", detach=True)
    try:
        assert ct.wait(timeout=60)["StatusCode"] == 137
        ct.reload()
        assert ct.attrs["State"]["OOMKilled"] is True
    finally:
        ct.remove(force=True)


def test_pids_limit_stops_a_fork_bomb(sdk):
    ct = sdk.containers.run("busybox", ["sh", "-c", "for i in $(seq 20); do sleep 2 & done"],
                            pids_limit=5, detach=True)
    try:
        ct.wait(timeout=60)
        assert b"can't fork" in ct.logs()
    finally:
        ct.remove(force=True)


def test_cpus_become_a_cfs_quota(sdk):
    assert run(sdk, "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us", nano_cpus=500_000_000).strip() \
        == "50000"


def test_bind_mounts_ro_and_rw(sdk, tmp_path):
    (tmp_path / "f").write_text("from host\n")
    assert run(sdk, "cat /data/f", volumes={str(tmp_path): {"bind": "/data", "mode": "ro"}}) \
        == "from host\n"
    with pytest.raises(docker.errors.ContainerError):
        run(sdk, "touch /data/g", volumes={str(tmp_path): {"bind": "/data", "mode": "ro"}})
    run(sdk, "echo back > /data/h", volumes={str(tmp_path): {"bind": "/data", "mode": "rw"}})
    assert (tmp_path / "h").read_text() == "back\n"
    missing = tmp_path / "made" / "by" / "berth"
    run(sdk, "true", volumes={str(missing): {"bind": "/x", "mode": "rw"}})
    assert missing.is_dir()


def test_capabilities_and_no_new_privileges(sdk):
    assert "CapEff:\t0000000000000000" in run(sdk, "grep CapEff /proc/self/status",
                                               cap_drop=["ALL"])
    caps = run(sdk, "grep CapEff /proc/self/status", cap_add=["NET_ADMIN"])
    assert int(caps.split()[1], 16) & (1 << 12)
    assert "NoNewPrivs:\t1" in run(sdk, "grep NoNewPrivs /proc/self/status",
                                   security_opt=["no-new-privileges"])
    with pytest.raises(docker.errors.APIError):
        run(sdk, "true", cap_add=["CAP_NOT_A_CAP"])


def test_read_only_root_and_tmpfs(sdk):
    with pytest.raises(docker.errors.ContainerError):
        run(sdk, "touch /x", read_only=True)
    assert run(sdk, "touch /scratch/x && echo ok", read_only=True,
               tmpfs={"/scratch": "size=1m"}) == "ok\n"


def test_host_network_and_pid(sdk):
    import os

    names = run(sdk, "ls /sys/class/net; hostname", network_mode="host").split()
    assert "lo" in names and len(names) > 2
    assert names[-1] == os.uname().nodename
    assert int(run(sdk, "ps -o pid | wc -l", pid_mode="host")) > 5
    assert run(sdk, "ls /sys/class/net").split() == ["lo"]
