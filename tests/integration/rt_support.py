"""Helpers for the real-kernel tests: a busybox rootfs, a supervisor, containers.

Fixtures using them are in ``conftest.py`` beside this file.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from berth.oci.spec import default_spec
from berth.supervisor.client import Client, Connection

BUSYBOX = Path("/bin/busybox")
APPLETS = (
    "sh", "echo", "true", "false", "cat", "ps", "hostname", "ls", "mount", "sleep", "id",
    "touch", "mkdir", "env", "pwd", "grep", "stat", "readlink", "kill", "wc", "head",
    "printf", "test", "chmod", "ln", "rm", "unshare",
)
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnobody:x:65534:\n"


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("this test needs root (run the suite as root, as CI does)")


def make_busybox_rootfs(root: Path) -> Path:
    """Write a minimal busybox root filesystem at ``root`` and return it."""
    for d in ("bin", "dev", "etc", "proc", "sys", "tmp", "root", "usr/bin", "var"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    (root / "bin" / "busybox").chmod(0o755)
    for applet in APPLETS:
        (root / "bin" / applet).symlink_to("busybox")
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)
    return root


@dataclass
class Result:
    exit_code: int
    stdout: bytes
    stderr: bytes
    pid: int
    id: str


def collect(conn: Connection) -> tuple[bytes, bytes, dict[str, Any]]:
    """Read a stream to its end: (stdout, stderr, exit event)."""
    out, err = bytearray(), bytearray()
    exit_event: dict[str, Any] = {}
    with conn:
        for event in conn:
            if isinstance(event, dict):
                exit_event = event
            elif event[0] == 1:
                out += event[1]
            else:
                err += event[1]
    return bytes(out), bytes(err), exit_event


@dataclass
class Supervisor:
    root: Path
    lower: Path
    process: subprocess.Popen[bytes]
    client: Client
    pids: list[int] = field(default_factory=list)

    @property
    def exec_root(self) -> Path:
        return self.root / "run"

    def container_dir(self, cid: str) -> Path:
        return self.root / "containers" / cid

    def log_path(self, cid: str) -> Path:
        return self.container_dir(cid) / f"{cid}-json.log"

    def prepare(self, args: list[str], *, cid: str | None = None, hostname: str = "box",
                env: list[str] | None = None, cwd: str = "/", uid: int = 0, gid: int = 0,
                edit: Callable[[dict[str, Any]], object] | None = None,
                ) -> tuple[str, dict[str, Any]]:
        """Write a bundle for a new container; return its id and the start request."""
        cid = cid or uuid.uuid4().hex
        cdir = self.container_dir(cid)
        for d in ("upper", "work", "merged"):
            (cdir / d).mkdir(parents=True, exist_ok=True)
        spec = default_spec(
            args=args, env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                            f"HOSTNAME={hostname}", *(env or [])],
            cwd=cwd, hostname=hostname, root_path=str(cdir / "merged"), uid=uid, gid=gid)
        if edit is not None:
            edit(spec)
        (cdir / "config.json").write_text(json.dumps(spec))
        request = {
            "id": cid, "bundle": str(cdir), "log_path": str(self.log_path(cid)),
            "rootfs_mounts": [{"type": "overlay", "source": "overlay", "options": [
                f"lowerdir={self.lower}", f"upperdir={cdir / 'upper'}",
                f"workdir={cdir / 'work'}"]}],
            "open_stdin": False, "tty": False, "stream": True,
        }
        return cid, request

    def start(self, args: list[str], *, open_stdin: bool = False, tty: bool = False,
              stream: bool = True, **kw: Any) -> tuple[str, dict[str, Any], Connection]:
        cid, request = self.prepare(args, **kw)
        request.update(open_stdin=open_stdin, tty=tty, stream=stream)
        reply, conn = self.client.start(request)
        self.pids.append(int(reply["pid"]))
        return cid, reply, conn

    def run(self, args: list[str], *, stdin: bytes | None = None, **kw: Any) -> Result:
        """Run a container to its end and collect its output and exit code."""
        cid, reply, conn = self.start(args, open_stdin=stdin is not None, **kw)
        if stdin is not None:
            conn.write_stdin(stdin)
            conn.write_stdin(b"")
        out, err, exit_event = collect(conn)
        assert exit_event.get("event") == "exit", exit_event
        return Result(int(exit_event["exit_code"]), out, err, int(reply["pid"]), cid)

    def remove(self, cid: str) -> None:
        """What the daemon does on rm: forget the record, drop the container's files."""
        self.client.forget(cid)
        shutil.rmtree(self.container_dir(cid))


def start_supervisor(root: Path, lower: Path, env: dict[str, str] | None = None) -> Supervisor:
    exec_root = root / "run"
    exec_root.mkdir(parents=True)
    log = (root / "supervisor.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "berth.supervisor", "--exec-root", str(exec_root)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, env={**os.environ, **(env or {})})
    log.close()
    sock = exec_root / "supervisor.sock"
    deadline = time.monotonic() + 10
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError((root / "supervisor.log").read_text())
        time.sleep(0.005)
    return Supervisor(root, lower, proc, Client(sock, timeout=30))


@contextmanager
def supervisor_on(root: Path, lower: Path,
                  env: dict[str, str] | None = None) -> Iterator[Supervisor]:
    """A supervisor for the length of a ``with``, checked and removed after it."""
    require_root()
    sup = start_supervisor(root, lower, env)
    try:
        yield sup
    finally:
        stop_supervisor(sup)


def leftovers(root: Path) -> tuple[list[str], list[int]]:
    """Mounts under ``root`` in this mount namespace, processes rooted under it."""
    mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
              if str(root) in line]
    procs = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(root) in os.readlink(entry / "root"):
                    procs.append(int(entry.name))
            except OSError:
                continue
    return mounts, procs


def stop_supervisor(sup: Supervisor) -> None:
    """Kill what still runs, shut the supervisor down, check nothing is left."""
    try:
        if sup.process.poll() is None:
            for cid, c in sup.client.state().items():
                if c["status"] == "running":
                    sup.client.kill(cid, signal.SIGKILL)
            sup.client.shutdown()
        sup.process.wait(10)
    finally:
        if sup.process.poll() is None:
            sup.process.kill()
            sup.process.wait()
    mounts, procs = leftovers(sup.root)
    alive = [pid for pid in sup.pids if Path(f"/proc/{pid}").exists()]
    for pid in procs + alive:
        os.kill(pid, signal.SIGKILL)
    for line in reversed(mounts):
        subprocess.run(["umount", "-l", line.split()[4]], check=False)
    assert not (sup.exec_root / "supervisor.sock").exists(), "socket left behind"
    assert not (sup.exec_root / "supervisor.pid").exists(), "pid file left behind"
    shutil.rmtree(sup.root)
    assert not mounts, f"mounts left behind: {mounts}"
    assert not procs and not alive, f"processes left behind: {procs + alive}"
