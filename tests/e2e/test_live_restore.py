"""berthd killed with SIGKILL loses no running container, exit code or log line."""

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
