"""One engine per data root, exec root and socket (DESIGN.md invariant 8): a second
berthd on any of them exits at once naming the first's pid; a socket on which a
daemon answers is never taken; the CLI's autostart never runs a berthd beside one
that is coming up, however many clients race it."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BERTH = [sys.executable, "-m", "berth.cli.main"]
BERTHD = [sys.executable, "-m", "berth.api.main"]
ENV = {**os.environ, "BERTH_BRIDGE": "none"}  # no default bridge: engines run side by side


def second_berthd(sock: Path, data: Path, run: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BERTHD, "--host", f"unix://{sock}", "--data-root", str(data),
                           "--exec-root", str(run)], capture_output=True, text=True, timeout=60,
                          env=ENV)


def berthd_pids(sock: Path) -> list[int]:
    """berthds serving ``sock`` (the CLI starts them with ``--host unix://SOCK``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"berth.api.main" in argv and f"unix://{sock}".encode() in argv:
            pids.append(int(entry.name))
    return pids


def info(env: dict[str, str]) -> dict:
    r = subprocess.run([*BERTH, "info", "--format", "{{json .}}"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_second_berthd_on_the_data_root_exec_root_or_socket_is_refused(own_daemon, tmp_path):
    d = own_daemon
    pid = d.process.pid
    cases = [  # (socket, data root, exec root): one of them the running berthd's
        (tmp_path / "a.sock", d.data_root, tmp_path / "run-a"),
        (tmp_path / "b.sock", tmp_path / "data-b", d.exec_root),
        (d.socket, tmp_path / "data-c", tmp_path / "run-c"),
    ]
    for (sock, data, run), what in zip(cases, ("data root", "exec root", "unix://"),
                                       strict=True):
        r = second_berthd(sock, data, run)
        assert r.returncode == 1, r.stderr
        assert r.stderr.startswith(f"berthd: failed to start daemon: berthd (pid {pid}) is "
                                   "already running on "), r.stderr
        assert what in r.stderr
        assert not sock.exists() or sock == d.socket
    assert not (tmp_path / "data-c").exists()  # refused before it touched anything
    # the first one is untouched, and still answers on its socket
    assert info(d.env)["DockerRootDir"] == str(d.data_root)
    assert d.cli("run", "--rm", "busybox", "echo", "still here").stdout == "still here\n"


def _listening(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(8)
    return server


def test_a_socket_on_which_a_daemon_answers_is_never_taken(tmp_path):
    sock = tmp_path / "foreign.sock"
    server = _listening(sock)  # a daemon that is not berth's (a dockerd, say)
    try:
        r = second_berthd(sock, tmp_path / "data", tmp_path / "run")
        assert r.returncode == 1
        assert r.stderr == (f"berthd: failed to start daemon: a daemon already answers on "
                            f"unix://{sock}: stop it first, or give another --host\n")
        client = socket.socket(socket.AF_UNIX)
        client.connect(str(sock))  # still the foreign daemon's
        client.close()
    finally:
        server.close()
    not_a_socket = tmp_path / "file.sock"
    not_a_socket.write_text("keep me")
    r = second_berthd(not_a_socket, tmp_path / "data", tmp_path / "run")
    assert r.returncode == 1 and "exists and is not a socket" in r.stderr
    assert not_a_socket.read_text() == "keep me"


def test_a_dead_berthds_socket_is_replaced(tmp_path, engines):
    """A socket file nothing listens on (its berthd was killed) is removed and taken."""
    root = tmp_path / "e"
    root.mkdir()
    (root / "run").mkdir(mode=0o710)
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(root / "run" / "berthd.sock"))  # bound, never listening: refuses
    dead.close()
    d = engines.start(root)
    try:
        assert info(d.env)["DockerRootDir"] == str(d.data_root)
    finally:
        engines.stop(d)


def _cold_env(root: Path, data: str = "data") -> dict[str, str]:
    env = dict(ENV)
    env.pop("DOCKER_HOST", None)
    env.update(BERTH_HOST=f"unix://{root}/run/berthd.sock", BERTH_DATA_ROOT=str(root / data),
               BERTH_EXEC_ROOT=str(root / "run"))
    return env


def _stop_all(sock: Path, root: Path) -> None:
    """SIGTERM every berthd of ``sock`` and check the engine left nothing."""
    for pid in berthd_pids(sock):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while berthd_pids(sock) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = berthd_pids(sock)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def _many_clis(env: dict[str, str], n: int) -> list[subprocess.CompletedProcess[str]]:
    results: list[subprocess.CompletedProcess[str]] = []

    def one() -> None:
        results.append(subprocess.run([*BERTH, "version", "--format", "{{.Server.Version}}"],
                                      env=env, capture_output=True, text=True, timeout=90))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_many_clis_at_once_against_a_cold_socket_start_one_berthd(tmp_path):
    root = tmp_path / "cold"
    env = _cold_env(root)
    sock = root / "run" / "berthd.sock"
    try:
        results = _many_clis(env, 8)
        assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
        assert len(berthd_pids(sock)) == 1
    finally:
        _stop_all(sock, root)


def test_an_autostart_never_runs_beside_a_berthd_that_is_starting(tmp_path):
    """berthd started by hand on a socket (its own data root), and at the same moment
    clients whose environment names another data root. Whichever takes the socket
    first serves it (the one by hand, unless the host is slow to start it): the other
    exits at once, and every client is answered by the one that stays."""
    for attempt in range(3):  # the race at a few phases of the first one's start-up
        root = tmp_path / f"race{attempt}"
        sock = root / "run" / "berthd.sock"
        first = subprocess.Popen(
            [*BERTHD, "--host", f"unix://{sock}", "--data-root", str(root / "by-hand"),
             "--exec-root", str(root / "run")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True, env=ENV)
        try:
            time.sleep(0.2 * attempt)
            results = _many_clis(_cold_env(root, data="autostarted"), 4)
            assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
            served = info(_cold_env(root))["DockerRootDir"]
            deadline = time.monotonic() + 30
            while len(berthd_pids(sock)) > 1 and time.monotonic() < deadline:
                time.sleep(0.1)  # a berthd that lost is on its way out
            assert len(berthd_pids(sock)) == 1
            if served == str(root / "by-hand"):
                assert berthd_pids(sock) == [first.pid]
                assert not (root / "autostarted" / "berth.db").exists()
            else:  # the CLI's came first: the one by hand was refused
                assert served == str(root / "autostarted")
                assert first.wait(30) == 1
                assert "is already running on unix://" in first.stderr.read()
        finally:
            _stop_all(sock, root)
            first.wait(20)


def test_the_socket_lock_names_the_berthd_that_holds_it(own_daemon):
    lock = Path(f"{own_daemon.socket}.lock")
    assert lock.read_text() == f"{own_daemon.process.pid}\n"
    assert oct(lock.stat().st_mode & 0o777) == "0o644"
    for held in (own_daemon.data_root / "berthd.lock", own_daemon.exec_root / "berthd.lock"):
        assert held.read_text() == f"{own_daemon.process.pid}\n"
        assert oct(held.stat().st_mode & 0o777) == "0o600"


if __name__ == "__main__":
    sys.exit("run with pytest")
