"""The data root and the exec root are root's alone (DESIGN.md invariant 7,
docs/security.md): a local user who is neither root nor in the socket's group
reads nothing there and runs nothing from there. berthd's root was 0711 and its
container dirs 0755: the WAL (every container's environment), the json logs and
a setuid-root file made in a container's ``upper/`` were open to every user.

The engine here lives under a directory every user may pass through (pytest's
own temp dirs are 0700, which would hide the mistake), and starts on roots left
with an older berth's loose modes, which it must tighten."""

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

Daemon = Any  # tests/conftest.py's, reached through pytest (``conftest`` names several)

# runuser drops root's capabilities before its exec; setpriv keeps them through its own
# execve, which then finds a path root could reach
NOBODY = ["runuser", "-u", "nobody", "--"]
SECRET = "s3cret-in-the-environment"
# Walks both roots as whoever runs it; prints every path it could list or read.
WALKER = """
import os, sys
for top in sys.argv[1:]:
    for dirpath, dirs, files in os.walk(top, onerror=lambda e: None):
        print("listed", dirpath)
        for name in files:
            try:
                with open(os.path.join(dirpath, name), "rb") as f:
                    f.read(1)
                print("read", os.path.join(dirpath, name))
            except OSError:
                pass
"""


def as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NOBODY, *argv], capture_output=True, text=True, timeout=60,
                          cwd="/")


def _root_conftest(config: pytest.Config) -> Any:
    path = str(Path(__file__).resolve().parents[1] / "conftest.py")
    for plugin in config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == path:
            return plugin
    raise AssertionError(f"{path} is not loaded")


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest, busybox_tar: Path) -> Iterator[Daemon]:
    daemon_with_busybox = _root_conftest(request.config).daemon_with_busybox
    parent = Path(tempfile.mkdtemp(prefix="berth-modes-", dir="/tmp"))
    try:
        os.chmod(parent, 0o755)
        # what an older berth left: a root others may pass, open dirs, an open log
        data, run = parent / "data", parent / "run"
        stale = data / "containers" / ("0" * 64)
        stale.mkdir(parents=True)
        (stale / f"{'0' * 64}-json.log").write_text('{"log":"old secret\\n"}\n')
        for path, mode in ((data, 0o711), (data / "containers", 0o755), (stale, 0o755),
                           (stale / f"{'0' * 64}-json.log", 0o644)):
            os.chmod(path, mode)
        run.mkdir(mode=0o755)
        os.chmod(run, 0o755)
        with daemon_with_busybox(parent, busybox_tar) as d:
            yield d
    finally:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="module")
def suid_container(engine: Daemon) -> Iterator[str]:
    """A container that made a setuid-root shell in its root and logged its secret."""
    r = engine.cli("run", "-d", "--name", "suid-maker", "-e", f"SECRET={SECRET}", "busybox",
                   "sh", "-c", "cp /bin/busybox /suid && chmod 4755 /suid && "
                   "echo $SECRET && sleep 300")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    upper = engine.data_root / "containers" / cid / "upper"
    for _ in range(100):
        if (upper / "suid").exists() and os.stat(upper / "suid").st_mode & stat.S_ISUID:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    yield cid
    engine.cli("rm", "-f", cid)


def test_roots_are_root_s_alone(engine: Daemon, suid_container: str) -> None:
    data, run = engine.data_root, engine.exec_root
    cdir = data / "containers" / suid_container
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(run).st_mode) == 0o710  # the socket's group may pass
    for d in ("containers", "snapshots", "content", "tmp"):
        assert stat.S_IMODE(os.stat(data / d).st_mode) == 0o700, d
    assert stat.S_IMODE(os.stat(cdir).st_mode) == 0o700
    for f in (data / "berth.db", data / "berth.db-wal", cdir / f"{suid_container}-json.log"):
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
    # the container's own root keeps its image's mode: its non-root users need it
    assert stat.S_IMODE(os.stat(cdir / "upper").st_mode) == 0o755


def test_an_older_root_is_tightened_at_start(engine: Daemon) -> None:
    stale = engine.data_root / "containers" / ("0" * 64)
    assert stat.S_IMODE(os.stat(stale).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(stale / f"{'0' * 64}-json.log").st_mode) == 0o600


def test_another_user_reads_and_runs_nothing(engine: Daemon, suid_container: str) -> None:
    data = engine.data_root
    cdir = data / "containers" / suid_container
    suid, log, wal = cdir / "upper" / "suid", cdir / f"{suid_container}-json.log", \
        data / "berth.db-wal"
    # what is there to steal: root sees it all
    assert os.stat(suid).st_mode & stat.S_ISUID and os.stat(suid).st_uid == 0
    assert SECRET in log.read_text()
    stored = wal.read_bytes() + (data / "berth.db").read_bytes()
    assert SECRET.encode() in stored
    walked = as_nobody("/usr/bin/python3", "-c", WALKER, str(data), str(engine.exec_root))
    assert walked.returncode == 0, walked.stderr
    assert walked.stdout == "", f"nobody reached: {walked.stdout}"
    for path in (wal, data / "berth.db", log):
        r = as_nobody("/bin/busybox", "cat", str(path))
        assert r.returncode != 0 and "Permission denied" in r.stderr, (path, r)
    r = as_nobody(str(suid), "id", "-u")  # a root shell, were the dirs open
    assert r.returncode != 0 and "Permission denied" in r.stderr, r
    r = as_nobody("/bin/busybox", "ls", str(cdir / "upper"))
    assert r.returncode != 0 and "Permission denied" in r.stderr


def test_containers_still_work(engine: Daemon, suid_container: str, tmp_path: Path) -> None:
    """A non-root user in a container reaches its root through its mount; exec, cp of a
    running and a stopped container (the overlay mounted by the helper), and root's socket
    work as before."""
    r = engine.cli("run", "--rm", "--user", "65534:65534", "busybox", "sh", "-c",
                   "id -u && ls / >/dev/null && echo ok > /tmp/x && cat /tmp/x")
    assert (r.returncode, r.stdout) == (0, "65534\nok\n"), r.stderr
    r = engine.cli("run", "--rm", "--init", "--user", "65534", "busybox", "true")
    assert r.returncode == 0, r.stderr
    r = engine.cli("exec", "--user", "65534", suid_container, "cat", "/etc/passwd")
    assert r.returncode == 0 and "nobody" in r.stdout, r.stderr
    assert engine.cli("cp", f"{suid_container}:/etc/group", str(tmp_path / "g")).returncode == 0
    r = engine.cli("create", "--name", "stopped-one", "busybox", "true")
    assert r.returncode == 0, r.stderr
    try:
        r = engine.cli("cp", "stopped-one:/etc/passwd", str(tmp_path / "p"))
        assert r.returncode == 0, r.stderr
        assert "nobody" in (tmp_path / "p").read_text()
    finally:
        engine.cli("rm", "-f", "stopped-one")
