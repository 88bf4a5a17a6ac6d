"""Start ``berthd`` when nothing answers on its unix socket.

Only reached after a connect failed with ENOENT or ECONNREFUSED, so none of
this (nor ``subprocess``) is imported on the fast path. The daemon runs in its
own session with its output in ``berthd.log`` next to the socket, and
inherits the environment (``BERTH_DATA_ROOT``, ``BERTH_EXEC_ROOT``). A lock
file beside the socket keeps two clients from starting two daemons.
"""

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from berth.client.errors import DaemonUnreachable
from berth.client.http import Connection

DAEMON_MODULE = "berth.api.main"
"""The module that runs berthd (the ``berthd`` console script's entry)."""

WAIT_SECONDS = 10.0


def ping(socket_path: str) -> bool:
    try:
        conn = Connection(("unix", socket_path), timeout=2.0)
    except OSError:
        return False
    try:
        return conn.request("GET", "/_ping").status == 200
    except OSError:
        return False
    finally:
        conn.close()


def daemon_command(socket_path: str) -> list[str]:
    return [sys.executable, "-m", DAEMON_MODULE, "--host", f"unix://{socket_path}"]


def start_daemon(socket_path: str, host: str, timeout: float = WAIT_SECONDS,
                 command: Sequence[str] | None = None) -> int | None:
    """Start berthd on ``socket_path`` unless one answers, and wait for its ``/_ping``.
    Returns the new daemon's pid (None when one was already there)."""
    import fcntl
    import subprocess

    run_dir = Path(socket_path).parent
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = open(run_dir / "berthd.start.lock", "a")  # noqa: SIM115 - held until return
    except OSError as e:
        raise DaemonUnreachable(host, f"cannot start berthd: {e.strerror}: {e.filename}") from e
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ping(socket_path):
            return None
        log_path = run_dir / "berthd.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                list(command or daemon_command(socket_path)),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, env=dict(os.environ),
            )
        deadline = time.monotonic() + timeout
        delay = 0.01
        while time.monotonic() < deadline:
            if os.path.exists(socket_path) and ping(socket_path):
                return proc.pid
            if proc.poll() is not None:
                raise DaemonUnreachable(
                    host, f"berthd exited with status {proc.returncode}, see {log_path}")
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        raise DaemonUnreachable(host, f"berthd did not answer within {timeout:g}s, see {log_path}")
