"""The container's terminal: a pty of its own devpts, as runc makes it (tty names it
/dev/pts/0, /dev/console is that pty), owned by the user the program runs as."""

import os
import socket
from pathlib import Path

import pytest
from rt_support import Supervisor, collect

from berth.errors import FailedPrecondition
from berth.oci.spec import default_spec
from berth.runtime import spawn, terminal


def _exec(sup: Supervisor, cid: str, args: list[str], uid: int = 0) -> tuple[bytes, int]:
    """Run ``args`` in ``cid`` with a terminal (the daemon's exec request)."""
    spec_proc = {"args": args, "env": ["PATH=/bin"], "cwd": "/", "terminal": True,
                 "user": {"uid": uid, "gid": uid}}
    _, conn = sup.client.open({
        "op": "exec", "id": f"{cid}-exec", "container": cid,
        "bundle": str(sup.container_dir(cid)), "process": spec_proc,
        "open_stdin": False, "stream": True})
    out, _, exit_event = collect(conn)
    return out, int(exit_event["exit_code"])


def test_the_terminal_is_a_pty_of_the_containers_devpts(supervisor: Supervisor) -> None:
    _, _, conn = supervisor.start(
        ["sh", "-c", "tty; [ /dev/console -ef /dev/pts/0 ] && ls /dev/pts"], tty=True)
    out, _, exit_event = collect(conn)
    assert exit_event["exit_code"] == 0, out
    assert out.replace(b"\r", b"").split() == [b"/dev/pts/0", b"0", b"ptmx"]


def test_the_terminal_belongs_to_the_user(supervisor: Supervisor) -> None:
    _, _, conn = supervisor.start(
        ["sh", "-c", "ls -ln /dev/pts/0 /dev/console; echo mine >/dev/stdout"],
        tty=True, uid=1000, gid=1000)
    out, _, exit_event = collect(conn)
    lines = out.replace(b"\r", b"").decode().splitlines()
    assert exit_event["exit_code"] == 0, out
    assert [line.split()[2:4] for line in lines[:2]] == [["1000", "5"], ["1000", "5"]]
    assert lines[2] == "mine"


def test_pipes_belong_to_the_user(supervisor: Supervisor) -> None:
    """As runc does: a program that is not root can reopen its stdout by name."""
    r = supervisor.run(["sh", "-c", "echo out >/dev/stdout; echo err >/dev/stderr"],
                       uid=1000, gid=1000)
    assert (r.exit_code, r.stdout, r.stderr) == (0, b"out\n", b"err\n")


def test_resize_reaches_the_containers_pty(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(["sh", "-c", "read line; stty size"], tty=True,
                                    open_stdin=True)
    supervisor.client.call({"op": "resize", "id": cid, "height": 33, "width": 111})
    conn.write_stdin(b"go\n")
    out, _, exit_event = collect(conn)
    assert exit_event["exit_code"] == 0
    assert out.replace(b"\r", b"").splitlines()[-1] == b"33 111"


def test_exec_terminal_is_a_pty_of_the_containers_devpts(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(["sleep", "30"])
    out, code = _exec(supervisor, cid, ["sh", "-c", "tty; ls -ln $(tty)"], uid=1000)
    lines = out.replace(b"\r", b"").decode().splitlines()
    assert code == 0, out
    assert lines[0].startswith("/dev/pts/")
    assert lines[1].split()[2:4] == ["1000", "5"]
    supervisor.client.kill(cid, 9)
    collect(conn)


def test_only_a_pty_master_is_taken_back(tmp_path: Path) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        null = os.open("/dev/null", os.O_RDWR)
        socket.send_fds(theirs, [b"m"], [null])
        os.close(null)
        with pytest.raises(OSError, match="not a pty multiplexer"):
            terminal.receive_master(ours)
        theirs.close()
        with pytest.raises(OSError, match="no terminal came back"):
            terminal.receive_master(ours)


def test_a_terminal_needs_a_console_socket(tmp_path: Path) -> None:
    spec = default_spec(args=["true"], env=[], cwd="/", hostname="box", root_path=str(tmp_path))
    spec["process"]["terminal"] = True
    with pytest.raises(FailedPrecondition, match="needs a console socket"):
        spawn.start(spec, [], -1, -1, -1)
