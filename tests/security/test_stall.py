"""One container must not stall the supervisor, which serves all of them from one
thread: whatever a container does to the process berth forks into it (a FIFO where
``/etc/passwd`` or ``/dev/ptmx`` should be), other containers still start, take
``exec``s and stop, and the request that met the trap fails, promptly or when the
launch's bound (``BERTH_LAUNCH_TIMEOUT``) kills it.

On the old code (bfd8bdd) the supervisor waited on its loop for each new process
to reach its program: a FIFO as ``/etc/passwd`` with ``--user name`` held every
other request for as long as the container wished (for good, shipped in the
image), and so did a FIFO as ``/dev/ptmx`` for ``exec -t``.
"""

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rt_support import Supervisor, collect
from sec_support import exec_request, make_hostile_rootfs, run_exec, supervisor_on

from berth.supervisor.client import Client

BOUND = 3
"""``BERTH_LAUNCH_TIMEOUT`` of these tests' supervisors, in seconds."""

PROMPT = 15
"""Seconds another container's request may take here before the supervisor counts as
stalled: far above a start under load, far below forever."""


def _as_user(name: str) -> Callable[[dict[str, Any]], None]:
    def edit(spec: dict[str, Any]) -> None:
        spec["process"]["user"]["username"] = name
    return edit


def _in_background(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = call()
        except Exception as e:
            out["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _others_are_served(sup: Supervisor) -> None:
    """Start a container, exec in it, stop it: each answered within ``PROMPT``."""
    sup.client = Client(sup.exec_root / "supervisor.sock", timeout=PROMPT)
    cid, _, conn = sup.start(["sleep", "100"])
    code, out = run_exec(sup, exec_request(sup, cid, ["echo", "served"]))
    assert (code, out) == (0, b"served\n")
    sup.client.kill(cid, signal.SIGKILL)
    assert collect(conn)[2]["exit_code"] == 137
    assert sup.run(["true"]).exit_code == 0


@pytest.fixture
def fifo_passwd_rootfs(tmp_path: Path, attack_binary: Path) -> Path:
    root = make_hostile_rootfs(tmp_path / "rootfs", attack_binary)
    (root / "etc" / "passwd").unlink()
    os.mkfifo(root / "etc" / "passwd")
    return root


def test_an_image_with_a_fifo_passwd(tmp_path: Path, fifo_passwd_rootfs: Path) -> None:
    with supervisor_on(tmp_path / "sup", fifo_passwd_rootfs,
                       {"BERTH_LAUNCH_TIMEOUT": str(BOUND)}) as sup:
        trap, out = _in_background(lambda: sup.run(["true"], edit=_as_user("nobody")))
        _others_are_served(sup)
        trap.join(PROMPT)
        assert not trap.is_alive()
        assert "unable to find user nobody" in str(out.get("error")), out


def test_a_fifo_passwd_made_for_an_exec(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(
        ["sh", "-c", "rm /etc/passwd && mkfifo /etc/passwd && echo set && exec sleep 100"])
    assert conn.read_frame() == (1, b"set\n")
    request = exec_request(supervisor, cid, ["id", "-u"], user={"uid": 0, "gid": 0,
                                                                  "username": "nobody"})
    trap, out = _in_background(lambda: run_exec(supervisor, request))
    _others_are_served(supervisor)
    trap.join(PROMPT)
    assert not trap.is_alive()
    assert "unable to find user nobody" in str(out.get("error")), out
    supervisor.client.kill(cid, signal.SIGKILL)
    conn.close()


def test_an_exec_stopped_before_its_program(tmp_path: Path, hostile_rootfs: Path) -> None:
    """The container's root may signal what appears in its pid namespace: a process
    that SIGSTOPs each newcomer wedges an exec before its ``execve`` for good."""
    with supervisor_on(tmp_path / "sup", hostile_rootfs,
                       {"BERTH_LAUNCH_TIMEOUT": str(BOUND)}) as sup:
        cid, _, conn = sup.start(["/attack", "stop"])
        assert conn.read_frame() == (1, b"ready\n")
        trap, out = _in_background(lambda: run_exec(sup, exec_request(sup, cid, ["true"])))
        _others_are_served(sup)
        trap.join(BOUND + PROMPT)
        assert not trap.is_alive()
        assert f"did not start its program within {BOUND} s" in str(out.get("error")), out
        sup.client.kill(cid, signal.SIGKILL)
        conn.close()
