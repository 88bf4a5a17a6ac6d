"""berthd killed with SIGKILL loses no running container, exit code or log line; a
killed supervisor is replaced and what it ran is accounted for."""

import json
import os
import signal
import time


def test_sigkill_of_berthd_loses_nothing(own_daemon):
    d = own_daemon
    for i in range(4):
        r = d.cli("run", "-d", "--name", f"keep{i}", "busybox", "sh", "-c",
                  f"echo start{i}; sleep 100")
        assert r.returncode == 0, r.stderr
    r = d.cli("run", "-d", "--name", "short", "busybox", "sh", "-c", "echo bye; sleep 1; exit 42")
    assert r.returncode == 0
    time.sleep(0.3)
    d.process.send_signal(signal.SIGKILL)
    d.process.wait()
    time.sleep(1.5)  # `short` exits while no berthd runs
    # The next command starts berthd again (auto-start), which finds every container.
    ps = d.cli("ps", "-a", "--no-trunc").stdout
    for i in range(4):
        assert f"keep{i}" in ps
    lines = {line.split()[-1]: line for line in ps.splitlines()[1:]}
    assert all("Up " in lines[f"keep{i}"] for i in range(4))
    assert "Exited (42)" in lines["short"]
    assert d.cli("logs", "short").stdout == "bye\n"
    assert d.cli("wait", "short").stdout.strip() == "42"
    # The restored containers are still driven: logs, stop, and output after the restart.
    assert d.cli("logs", "keep0").stdout == "start0\n"
    assert d.cli("stop", "-t", "1", "keep0").returncode == 0
    assert d.cli("wait", "keep0").stdout.strip() == "137"
    assert d.cli("rm", "-f", "keep1", "keep2", "keep3", "keep0", "short").returncode == 0
    assert d.cli("ps", "-aq").stdout == ""


def _supervisor_pid(d) -> int:
    return int((d.exec_root / "supervisor.pid").read_text())


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait_for(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_dead_supervisor_is_replaced_and_its_containers_settled(own_daemon):
    """SIGKILL of the supervisor (berthd stays up): a new one is started, the containers
    it ran are killed through their cgroups and exit 137 with the reason (their stdio
    and reaper died with it, as a dead containerd-shim's), restart policies apply."""
    d = own_daemon
    assert d.cli("run", "-d", "--name", "orphaned", "busybox", "sleep", "100").returncode == 0
    assert d.cli("run", "-d", "--name", "comeback", "--restart", "always", "busybox",
                 "sleep", "100").returncode == 0
    pid = int(d.cli("inspect", "-f", "{{.State.Pid}}", "orphaned").stdout)
    old = _supervisor_pid(d)
    os.kill(old, signal.SIGKILL)
    _wait_for(lambda: d.cli("inspect", "-f", "{{.State.Status}}", "orphaned").stdout.strip()
              == "exited")
    state = json.loads(d.cli("inspect", "-f", "{{json .State}}", "orphaned").stdout)
    assert state["ExitCode"] == 137 and "supervisor died" in state["Error"]
    _wait_for(lambda: _gone(pid))  # killed (the host's init reaps it: a zombie at most)
    _wait_for(lambda: d.cli("inspect", "-f", "{{.State.Status}} {{.RestartCount}}",
                            "comeback").stdout.split() == ["running", "1"])
    assert _supervisor_pid(d) != old
    assert d.cli("run", "--rm", "busybox", "echo", "still works").stdout == "still works\n"
    assert d.cli("rm", "-f", "orphaned", "comeback").returncode == 0


def test_a_supervisor_that_died_idle_is_replaced_on_the_next_call(own_daemon):
    d = own_daemon
    assert d.cli("run", "--rm", "busybox", "true").returncode == 0
    os.kill(_supervisor_pid(d), signal.SIGKILL)
    time.sleep(0.2)
    r = d.cli("run", "--rm", "busybox", "echo", "new supervisor")
    assert (r.returncode, r.stdout) == (0, "new supervisor\n"), r.stderr
