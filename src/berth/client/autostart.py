"""Start ``berthd`` when nothing answers on its unix socket.

Only reached after a connect failed with ENOENT or ECONNREFUSED, so none of
this (nor ``subprocess``) is imported on the fast path. The daemon runs in its
own session with its output in ``berthd.log`` next to the socket, and
inherits the environment (``BERTH_DATA_ROOT``, ``BERTH_EXEC_ROOT``). Never
beside another: clients take turns, and a berthd that is starting is waited for
(``start_daemon``).
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
    """Start berthd on ``socket_path`` unless one answers or is starting there, and wait
    for its ``/_ping``. Returns the new daemon's pid (None when one was already there).

    A berthd holds ``<socket>.lock`` from its first moment (``berth.daemon.instance``),
    long before it listens: while someone holds it, this waits for that daemon instead
    of starting another beside it. Clients of one socket take turns here (a lock file
    beside it), so many at once against a cold socket start one daemon."""
    import fcntl

    run_dir = Path(socket_path).parent
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        turn = open(run_dir / "berthd.start.lock", "a")  # noqa: SIM115 - held until return
    except OSError as e:
        raise DaemonUnreachable(host, f"cannot start berthd: {e.strerror}: {e.filename}") from e
    with turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        return _start_or_wait(socket_path, host, timeout, command)


def _start_or_wait(socket_path: str, host: str, timeout: float,
                   command: Sequence[str] | None) -> int | None:
    import subprocess

    from berth.paths import socket_lock
    from berth.util.lockfile import holder

    lock_path = socket_lock(Path(socket_path))
    log_path = Path(socket_path).parent / "berthd.log"
    proc: subprocess.Popen[bytes] | None = None
    other: int | None = None
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        if ping(socket_path):
            return proc.pid if proc is not None and proc.poll() is None else None
        other = holder(lock_path)  # a berthd that is starting (ours, or one beside us)
        if other is None and proc is None:
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(
                    list(command or daemon_command(socket_path)),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, close_fds=True, env=dict(os.environ),
                )
        elif other is None and proc is not None and proc.poll() is not None:
            raise DaemonUnreachable(
                host, f"berthd exited with status {proc.returncode}, see {log_path}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    who = f"berthd (pid {other})" if other else "berthd"
    raise DaemonUnreachable(host, f"{who} did not answer within {timeout:g}s, see {log_path}")
