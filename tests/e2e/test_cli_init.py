"""--init: PID 1 reaps orphans and passes signals on, and shows as docker-init."""

import json
import time


def test_pid_one_is_the_init_and_reaps(berth_cli):
    code, out, err = berth_cli("run", "--rm", "--init", "busybox", "sh", "-c",
                               "(sleep 0.2 &); sleep 0.6; ps -o pid,stat,comm,args; exit 3")
    assert code == 3, err
    rows = [line.split(None, 3) for line in out.splitlines()[1:]]
    assert rows[0][2] == "docker-init" and rows[0][3].startswith("/sbin/docker-init -- sh -c")
    assert not any(row[1].startswith("Z") for row in rows)  # the orphan was reaped
    assert "berth.supervisor" not in out  # the supervisor's command line is not shown


def test_signals_reach_the_program(berth_cli):
    assert berth_cli("run", "-d", "--init", "--name", "with-init", "busybox",
                     "sleep", "300")[0] == 0
    try:
        start = time.monotonic()
        assert berth_cli("stop", "-t", "20", "with-init")[0] == 0
        assert time.monotonic() - start < 10  # SIGTERM ended sleep; no wait for SIGKILL
        info = json.loads(berth_cli("inspect", "with-init")[1])[0]
        assert info["State"]["ExitCode"] == 143 and info["HostConfig"]["Init"] is True
    finally:
        berth_cli("rm", "-f", "with-init")


def test_exec_failure_and_exit_code_through_the_init(berth_cli):
    code, _, err = berth_cli("run", "--rm", "--init", "busybox", "nosuchcommand")
    assert code == 127 and "executable file not found" in err
    assert berth_cli("run", "--rm", "--init", "busybox", "sh", "-c", "kill -9 $$")[0] == 137
