"""The docker CLI 28's flag names and the flags berth's CLI lacked, end to end: berth's
CLI beside docker's against berthd."""

import json
import subprocess


def _docker28(daemon):
    """docker 28's CLI (20.10's has no ``stop --signal``)."""
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}

    def run(*args: str) -> tuple[int, str, str]:
        r = subprocess.run(["/usr/local/bin/docker", *args], env=env, capture_output=True,
                           text=True, timeout=60)
        return r.returncode, r.stdout, r.stderr

    return run


def _inspect(berth_cli, name: str) -> dict:
    code, out, err = berth_cli("inspect", name)
    assert code == 0, err
    return json.loads(out)[0]


TRAPS = "trap 'exit 7' USR1; trap '' TERM; while :; do sleep 0.1; done"


def test_stop_takes_timeout_and_its_old_name_and_a_signal(berth_cli, daemon):
    for flags in (["--timeout", "1"], ["-t", "1"], ["--time", "1"]):
        assert berth_cli("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", TRAPS)[0] == 0
        try:
            code, out, err = berth_cli("stop", *flags, "stubborn")
            assert (code, out) == (0, "stubborn\n"), err
            assert _inspect(berth_cli, "stubborn")["State"]["ExitCode"] == 137
        finally:
            berth_cli("rm", "-f", "stubborn")
    for run in (berth_cli, _docker28(daemon)):
        assert run("run", "-d", "--name", "signalled", "busybox", "sh", "-c", TRAPS)[0] == 0
        try:
            code, _, err = run("stop", "--signal", "USR1", "-t", "30", "signalled")
            assert code == 0, err
            assert _inspect(berth_cli, "signalled")["State"]["ExitCode"] == 7
        finally:
            berth_cli("rm", "-f", "signalled")


def test_restart_takes_timeout_and_a_signal(berth_cli):
    assert berth_cli("run", "-d", "--name", "bounced", "busybox", "sh", "-c", TRAPS)[0] == 0
    try:
        before = _inspect(berth_cli, "bounced")["State"]["Pid"]
        code, _, err = berth_cli("restart", "--signal", "SIGUSR1", "--timeout", "30", "bounced")
        assert code == 0, err
        state = _inspect(berth_cli, "bounced")["State"]
        assert state["Running"] and state["Pid"] != before
        code, _, err = berth_cli("restart", "-s", "NOSUCH", "bounced")
        assert code == 1 and "Invalid signal: NOSUCH" in err
    finally:
        berth_cli("rm", "-f", "bounced")


def test_update_takes_cpuset_flags(berth_cli):
    assert berth_cli("run", "-d", "--name", "pinned", "busybox", "sleep", "60")[0] == 0
    try:
        code, _, err = berth_cli("update", "--cpuset-cpus", "0", "--cpuset-mems", "0", "pinned")
        assert code == 0, err
        hc = _inspect(berth_cli, "pinned")["HostConfig"]
        assert (hc["CpusetCpus"], hc["CpusetMems"]) == ("0", "0")
        code, out, _ = berth_cli("exec", "pinned", "cat", "/proc/self/status")
        assert "Cpus_allowed_list:\t0\n" in out
    finally:
        berth_cli("rm", "-f", "pinned")


def test_run_takes_a_runtime(berth_cli):
    code, out, err = berth_cli("run", "--rm", "--runtime", "runc", "busybox", "echo", "ran")
    assert (code, out) == (0, "ran\n"), err
    code, _, err = berth_cli("run", "--rm", "--runtime", "kata", "busybox", "true")
    assert code == 125 and "Unknown runtime specified kata" in err
