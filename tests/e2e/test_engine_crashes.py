"""A cleanly stopped engine leaves no process, whatever crashes came before (DESIGN.md):
berthd killed with SIGKILL in the middle of run -d, commit, load and rm -f, started
again each time by the CLI's autostart, then every container removed and berthd
stopped with SIGTERM: no berthd and no supervisor of that engine may remain.

Before the fix, two ways left a supervisor running for good: a berthd killed while
its supervisor was starting, whose successor started a second one (both listened,
one was never seen again); and a berthd killed between the supervisor's start of a
container and the record of it (the container ran on, unrecorded, so nothing ever
stopped it nor let the supervisor exit)."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BERTH = [sys.executable, "-m", "berth.cli.main"]


def engine_pids(d) -> list[int]:
    """Every live process of this engine: a berthd on its socket, a supervisor of its
    exec root, a container process in one of its cgroups."""
    marks = (f"unix://{d.socket}".encode(), str(d.exec_root).encode(), MARK.encode())
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z" and any(m in argv for m in marks):
            pids.append(int(entry.name))
    return pids


def berthd_pids(d) -> list[int]:
    out = []
    for pid in engine_pids(d):
        try:
            if b"berth.api.main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            pass
    return out


def signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def kill_berthd_during(d, *args: str, after: float) -> None:
    """Start ``berth ARGS`` and SIGKILL every berthd of the engine ``after`` seconds in."""
    cli = subprocess.Popen([*BERTH, *args], env=d.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(after)
    signal_all(berthd_pids(d), signal.SIGKILL)
    cli.wait(60)


def wait_gone(d, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := engine_pids(d)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            for p in left if Path(f"/proc/{p}").exists()]


# A container's PID 1 that bears this run's mark: the sh stays (the `; :`), the mark its $0.
MARK = f"berth-crash-test-{uuid.uuid4().hex[:12]}"
SLEEPER = ("busybox", "sh", "-c", "sleep 1000; :", MARK)


def stop_and_check(d) -> None:
    """rm -f every container, SIGTERM berthd: nothing of the engine may be left."""
    ids = d.cli("ps", "-aq").stdout.split()
    if ids:
        r = d.cli("rm", "-f", *ids)
        assert r.returncode == 0, r.stderr
    assert d.cli("ps", "-aq").stdout == ""
    signal_all(berthd_pids(d), signal.SIGTERM)
    assert wait_gone(d) == []


@pytest.mark.timeout(300)
def test_a_stopped_engine_leaves_no_process_after_crashes(own_daemon, tmp_path):
    d = own_daemon
    box = tmp_path / "box.tar"
    assert d.cli("save", "-o", str(box), "busybox").returncode == 0
    assert d.cli("run", "-d", "--name", "long", *SLEEPER).returncode == 0
    for i, after in enumerate((0.1, 0.5)):
        kill_berthd_during(d, "run", "-d", "--name", f"r{i}", *SLEEPER, after=after)
        kill_berthd_during(d, "commit", "long", f"snap:{i}", after=after)
        kill_berthd_during(d, "load", "-i", str(box), after=after)
        kill_berthd_during(d, "rm", "-f", f"r{i}", after=after)
        # and one killed as it starts (its supervisor, too, when none is left)
        signal_all(berthd_pids(d), signal.SIGKILL)
        kill_berthd_during(d, "ps", after=after / 2)
    info = json.loads(d.cli("info", "--format", "{{json .}}").stdout)
    assert info["DockerRootDir"] == str(d.data_root)
    stop_and_check(d)


def test_a_container_started_as_berthd_died_is_killed(own_daemon):
    """berthd killed after the supervisor started a container and before it recorded
    that (held there by a write lock on its database): the client heard of no start, the
    record says created; the next berthd kills what the supervisor runs for it. The
    CLI's start is not replayed on that next berthd either."""
    d = own_daemon
    assert d.cli("create", "--name", "stray", *SLEEPER).returncode == 0
    db = sqlite3.connect(d.data_root / "berth.db", timeout=30, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")  # berthd's reads go on (WAL), its next write waits
    try:
        # The CLI pings, then posts the start on the same connection: once that breaks,
        # the start must not be sent again to the next berthd.
        cli = subprocess.Popen([*BERTH, "start", "stray"], env=d.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while len(engine_pids(d)) < 3:  # berthd, the supervisor, the container's sh
            assert time.monotonic() < deadline, "the container did not start"
            time.sleep(0.02)
        signal_all(berthd_pids(d), signal.SIGKILL)
    finally:
        db.execute("ROLLBACK")
        db.close()
    _, err = cli.communicate(timeout=60)
    # first a new berthd (autostart), which kills the stray even if an assertion fails
    r = d.cli("inspect", "-f", "{{.State.Status}}", "stray")
    assert cli.returncode == 1, err  # no answer: berthd died first, and no replay
    assert "closed" in err  # "connection closed before a response", or on the send
    assert (r.returncode, r.stdout) == (0, "created\n"), r.stderr
    stop_and_check(d)
