"""docker update: limits changed on a live container's cgroup, restart policy kept."""

import json
import subprocess


def _limits(berth_cli, name):
    code, out, err = berth_cli("exec", name, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                               "/sys/fs/cgroup/pids/pids.max",
                               "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
    assert code == 0, err
    return out.split()


def test_update_a_running_container(berth_cli, daemon):
    assert berth_cli("run", "-d", "--name", "upd", "-m", "32m", "--pids-limit", "10",
                     "busybox", "sleep", "300")[0] == 0
    try:
        assert _limits(berth_cli, "upd")[:2] == [str(32 << 20), "10"]
        assert berth_cli("update", "-m", "64m", "--pids-limit", "20", "--cpus", "0.5",
                         "--restart", "on-failure:2", "upd") == (0, "upd\n", "")
        assert _limits(berth_cli, "upd") == [str(64 << 20), "20", "50000"]
        info = json.loads(berth_cli("inspect", "upd")[1])[0]
        assert info["HostConfig"]["Memory"] == 64 << 20
        assert info["HostConfig"]["RestartPolicy"] == {"Name": "on-failure",
                                                       "MaximumRetryCount": 2}
        env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
               "HOME": str(daemon.root)}
        r = subprocess.run(["/usr/bin/docker", "update", "--memory", "48m", "upd"], env=env,
                           capture_output=True, text=True, timeout=30)
        assert (r.returncode, r.stdout) == (0, "upd\n"), r.stderr
        assert _limits(berth_cli, "upd")[0] == str(48 << 20)
        info = json.loads(berth_cli("inspect", "upd")[1])[0]
        assert info["HostConfig"]["RestartPolicy"]["Name"] == "on-failure"  # kept
    finally:
        berth_cli("rm", "-f", "upd")


def test_update_refusals(berth_cli):
    assert berth_cli("create", "--name", "upd-c", "--rm", "busybox", "true")[0] == 0
    try:
        code, _, err = berth_cli("update", "--restart", "always", "upd-c")
        assert code == 1 and "AutoRemove and restart policy cannot be used together" in err
        code, _, err = berth_cli("update", "-m", "64m", "--memory-swap", "32m", "upd-c")
        assert code == 1 and "memoryswap limit should be larger than memory limit" in err
        code, _, err = berth_cli("update", "-m", "lots", "upd-c")
        assert code == 125 and "invalid size: 'lots'" in err
        code, _, err = berth_cli("update", "--cpus", "1", "nosuch")
        assert code == 1 and "No such container: nosuch" in err
    finally:
        berth_cli("rm", "-f", "upd-c")


def test_update_with_wrong_types_is_a_400(api, berth_cli):
    """Found by fuzzing the API with schemathesis: a list where a number belongs was met
    by a comparison before the type check, and values the kernel refuses reached the
    cgroup; each answered 500."""
    assert berth_cli("create", "--name", "upd-types", "busybox", "true")[0] == 0
    try:
        for body in ({"Memory": 64 << 20, "MemorySwap": [None, None]},
                     {"CpuShares": "many"}, {"PidsLimit": {"n": 1}}):
            status, _, raw = api("POST", "/containers/upd-types/update", body)
            message = json.loads(raw)["message"]
            assert status == 400 and "json: cannot unmarshal" in message, (body, message)
        for body, message in (({"Memory": 1}, "Minimum memory limit allowed is 6MB"),
                              ({"CpuQuota": 97}, "CPU cfs quota can not be less than 1ms"),
                              ({"MemorySwap": -5}, "invalid MemorySwap")):
            status, _, raw = api("POST", "/containers/upd-types/update", body)
            assert (status, message in json.loads(raw)["message"]) == (400, True), raw
        status, _, _ = api("POST", "/containers/upd-types/update", {"Memory": 64 << 20})
        assert status == 200
    finally:
        berth_cli("rm", "-f", "upd-types")
