"""kill: signals reach PID 1; exit codes are 128 + signal."""

import signal
import time

from rt_support import Supervisor, collect


def test_sigkill_gives_137(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(["sleep", "60"])
    t0 = time.monotonic()
    supervisor.client.kill(cid, signal.SIGKILL)
    _, _, exit_event = collect(conn)
    assert exit_event["exit_code"] == 137
    assert time.monotonic() - t0 < 5
    assert supervisor.client.state()[cid]["exit_code"] == 137


def test_sigterm_to_a_shell_with_a_trap(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(
        ["sh", "-c", "trap 'echo bye; exit 7' TERM; echo ready; while true; do sleep 0.05; done"])
    first = next(iter(conn))
    assert first == (1, b"ready\n")
    supervisor.client.kill(cid, signal.SIGTERM)
    out, _, exit_event = collect(conn)
    assert (out, exit_event["exit_code"]) == (b"bye\n", 7)


def test_pid_1_ignores_sigterm_without_a_handler(supervisor: Supervisor) -> None:
    # Like docker: PID 1 of a pid namespace gets no default action for SIGTERM.
    cid, _, conn = supervisor.start(["sleep", "60"])
    supervisor.client.kill(cid, signal.SIGTERM)
    time.sleep(0.2)
    assert supervisor.client.state()[cid]["status"] == "running"
    supervisor.client.kill(cid, signal.SIGKILL)
    assert collect(conn)[2]["exit_code"] == 137


def test_killing_pid_1_ends_its_children(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(["sh", "-c", "sleep 60 & sleep 60 & wait"])
    time.sleep(0.1)
    supervisor.client.kill(cid, signal.SIGKILL)
    assert collect(conn)[2]["exit_code"] == 137
