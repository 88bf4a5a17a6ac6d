"""Shared fixtures: an isolated berthd (temp socket, data root and exec root).

A test that needs root or a kernel feature fails, never skips, when
BERTH_REQUIRE_PRIVILEGES=1 (as `make test` and CI set it).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from busybox_rootfs import write_rootfs_tar  # noqa: E402

BERTH = [sys.executable, "-m", "berth.cli.main"]
BERTHD = [sys.executable, "-m", "berth.api.main"]


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("this test needs root (run the suite as root, as CI does)")


@dataclass
class Daemon:
    root: Path
    socket: Path
    data_root: Path
    exec_root: Path
    process: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DOCKER_HOST", None)
        env["BERTH_HOST"] = f"unix://{self.socket}"
        env["BERTH_DATA_ROOT"] = str(self.data_root)
        env["BERTH_EXEC_ROOT"] = str(self.exec_root)
        # No default bridge unless a test asks for its own (--bridge NAME --bip CIDR):
        # parallel berthds would otherwise fight over berth0 and its subnet.
        env["BERTH_BRIDGE"] = "none"
        return env

    def cli(self, *args: str, input: bytes | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        r = subprocess.run([*BERTH, *args], env=self.env, capture_output=True, input=input,
                           timeout=timeout)
        return subprocess.CompletedProcess(r.args, r.returncode,
                                           r.stdout.decode(errors="replace"),
                                           r.stderr.decode(errors="replace"))


def _wait_for_socket(path: Path, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"berthd exited with {proc.returncode}")
        if path.exists():
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(str(path))
                s.sendall(b"GET /_ping HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.05)
    raise RuntimeError("berthd did not answer in time")


def start_daemon(root: Path, args: tuple[str, ...] = ()) -> Daemon:
    """berthd on ``root``'s socket and dirs; ``args``: more flags for it."""
    require_root()
    data_root, exec_root = root / "data", root / "run"
    socket = exec_root / "berthd.sock"
    log = (root / "berthd.log").open("wb")
    proc = subprocess.Popen(
        [*BERTHD, "--host", f"unix://{socket}", "--data-root", str(data_root),
         "--exec-root", str(exec_root), *args],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "BERTH_BRIDGE": "none"},
    )
    d = Daemon(root, socket, data_root, exec_root, proc)
    _wait_for_socket(socket, proc)
    return d


def _pids_with_arg(arg: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if arg.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _terminate(pid: int, timeout: float = 20) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)


def stop_daemon(d: Daemon) -> None:
    """Remove every container, stop berthd and its supervisor, check nothing is left."""
    ids = d.cli("ps", "-aq").stdout.split() if d.process.poll() is None else []
    if ids:
        d.cli("rm", "-f", *ids)
    if d.process.poll() is None:
        d.process.send_signal(signal.SIGTERM)
        try:
            d.process.wait(20)
        except subprocess.TimeoutExpired:
            d.process.kill()
            d.process.wait()
    for pid in _pids_with_arg(f"unix://{d.socket}"):  # a berthd the CLI auto-started
        _terminate(pid)
    pid_file = d.exec_root / "supervisor.pid"
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text())
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.05)
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
        except (ValueError, ProcessLookupError):
            pass
    for pid in _pids_with_arg(str(d.exec_root)):  # any supervisor of this exec root left
        _terminate(pid, timeout=5)
    mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
              if str(d.root) in line]
    for line in reversed(mounts):
        subprocess.run(["umount", "-l", line.split()[4]], check=False)
    shutil.rmtree(d.root, ignore_errors=True)
    assert not mounts, f"mounts left behind: {mounts}"


@contextmanager
def daemon_with_busybox(root: Path, busybox_tar: Path,
                        args: tuple[str, ...] = ()) -> Iterator[Daemon]:
    d = start_daemon(root, args)
    try:
        r = d.cli("import", "-c", 'CMD ["sh"]', str(busybox_tar), "busybox:latest")
        assert r.returncode == 0, r.stderr
        yield d
    finally:
        stop_daemon(d)


@pytest.fixture(scope="session")
def busybox_tar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rootfs") / "busybox.tar"
    write_rootfs_tar(path)
    return path


@pytest.fixture(scope="session")
def daemon(tmp_path_factory: pytest.TempPathFactory, busybox_tar: Path) -> Iterator[Daemon]:
    """One berthd for the session, with busybox:latest imported."""
    with daemon_with_busybox(tmp_path_factory.mktemp("berthd"), busybox_tar) as d:
        yield d


@pytest.fixture
def berth_cli(daemon: Daemon) -> Callable[..., tuple[int, str, str]]:
    """Run the berth CLI against the session's daemon: (exit code, stdout, stderr)."""

    def run(*args: str, input: bytes | None = None, timeout: float = 60) -> tuple[int, str, str]:
        r = daemon.cli(*args, input=input, timeout=timeout)
        return r.returncode, r.stdout, r.stderr

    return run


@pytest.fixture(scope="module")
def daemon_factory(tmp_path_factory: pytest.TempPathFactory,
                   busybox_tar: Path) -> Iterator[Callable[..., Daemon]]:
    """``start(*flags)``: a berthd started with more flags (``--insecure-registry ...``),
    busybox:latest imported; every one is stopped after the module."""
    with ExitStack() as stack:
        def start(*args: str) -> Daemon:
            root = tmp_path_factory.mktemp("flags")
            return stack.enter_context(daemon_with_busybox(root, busybox_tar, args))

        yield start


@pytest.fixture(scope="session")
def engines() -> SimpleNamespace:
    """``start(root, flags)`` and ``stop(daemon)`` for tests that run berthds of their own
    (a test module cannot import this conftest by name: tests/unit has others)."""
    return SimpleNamespace(start=start_daemon, stop=stop_daemon)


@pytest.fixture
def own_daemon(tmp_path_factory: pytest.TempPathFactory,
               busybox_tar: Path) -> Iterator[Daemon]:
    """A berthd of the test's own, for tests that stop or kill it."""
    with daemon_with_busybox(tmp_path_factory.mktemp("own"), busybox_tar) as d:
        yield d
