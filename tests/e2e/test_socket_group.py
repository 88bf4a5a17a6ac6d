"""``berthd -G GROUP``: the socket 0660 root:GROUP (and the exec root it sits in
passable by that group), so the group's members drive berth without root, as
dockerd's ``-G``; without it, a user who may not connect is told why and what to do.

The CLI runs as ``nobody`` (group ``nogroup``) with the system's python and berth's
source (the venv's interpreter lives under /root, out of nobody's reach); the engine
lives under a directory every user may pass through."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BERTHD = [sys.executable, "-m", "berth.api.main"]

NOGROUP = 65534


def as_nobody(socket: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/", "PYTHONPATH": str(ROOT / "src"),
           "BERTH_HOST": f"unix://{socket}"}
    return subprocess.run(["/usr/sbin/runuser", "-u", "nobody", "--", "/usr/bin/python3", "-m",
                           "berth.cli.main", *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd="/")


def test_the_socket_group_may_use_berth(engines):
    parent = Path(tempfile.mkdtemp(prefix="berth-group-", dir="/tmp"))
    os.chmod(parent, 0o755)
    (parent / "e").mkdir()
    d = engines.start(parent / "e", ("-G", "nogroup"))
    try:
        st = os.stat(d.socket)
        assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o660, 0, NOGROUP)
        st = os.stat(d.exec_root)
        assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o710, NOGROUP)
        r = as_nobody(d.socket, "version", "--format", "{{.Server.Os}}")
        assert (r.returncode, r.stdout) == (0, "linux\n"), r.stderr
        r = as_nobody(d.socket, "ps", "-a")
        assert r.returncode == 0 and r.stdout.startswith("CONTAINER ID"), r.stderr
    finally:
        engines.stop(d)
        shutil.rmtree(parent, ignore_errors=True)


def test_without_the_group_the_cli_says_why_and_what_to_do(daemon):
    r = as_nobody(daemon.socket, "ps")
    assert r.returncode == 1
    assert r.stderr == (
        f"permission denied while trying to connect to the berth daemon socket at "
        f"unix://{daemon.socket}: connect: permission denied\n"
        "Run it as root, or as a member of the socket's group (berthd -G GROUP names it)\n")


def test_an_unknown_group_is_refused(tmp_path):
    r = subprocess.run([*BERTHD, "-G", "no-such-group-here", "--host",
                        f"unix://{tmp_path}/d.sock", "--data-root", str(tmp_path / "data"),
                        "--exec-root", str(tmp_path / "run")],
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (
        1, "berthd: failed to start daemon: group no-such-group-here not found\n")
    assert not (tmp_path / "data").exists()


if __name__ == "__main__":
    sys.exit("run with pytest")
