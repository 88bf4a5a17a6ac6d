"""One engine per data root, exec root and socket (DESIGN.md invariant 8).

Two berthds on one data root would write one database and one set of container
directories as if each were alone; two on one exec root would share (and each
replace) the supervisor; a second one on a socket would unlink the first's and
take its clients. So berthd, before it touches anything, locks a file in its
data root, one in its exec root and one beside its socket (``berth.util.lockfile``:
the kernel drops them when it dies, however it dies), and a second berthd on any
of them exits at once naming the first's pid, as dockerd's pid file check does.
The socket lock is also how the CLI's autostart sees a berthd that is starting
but not listening yet (``berth.client.autostart``).

Then the socket path itself: a socket left by a berthd that died is removed, but
never one on which a daemon answers (a dockerd, or anything not berth's).
"""

import contextlib
import os
import stat
from pathlib import Path

from berth.daemon.config import DaemonConfig
from berth.daemon.data_root import EXEC_ROOT, PRIVATE_DIR
from berth.errors import FailedPrecondition
from berth.paths import socket_lock
from berth.util.lockfile import Lock, LockHeld, acquire
from berth.util.sockets import answers


def claim(config: DaemonConfig) -> list[Lock]:
    """Lock the socket, the exec root and the data root for this berthd, or fail naming
    the berthd that holds one. Keep the locks for the life of the process. The socket's
    first: a berthd the CLI started beside one that is starting then leaves the least."""
    paths = config.paths
    held: list[Lock] = []
    try:
        paths.exec_root.mkdir(parents=True, exist_ok=True, mode=EXEC_ROOT)
        config.socket.parent.mkdir(parents=True, exist_ok=True)
        held.append(_lock(socket_lock(config.socket), f"on unix://{config.socket}", "--host",
                          0o644))  # read by the CLI's autostart: a pid, nothing more
        held.append(_lock(paths.exec_root_lock, f"on the exec root {paths.exec_root}",
                          "--exec-root"))
        paths.data_root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        held.append(_lock(paths.data_root_lock, f"on the data root {paths.data_root}",
                          "--data-root"))
    except BaseException:
        for lock in held:
            lock.close()
        raise
    return held


def _lock(path: Path, where: str, flag: str, mode: int = 0o600) -> Lock:
    try:
        return acquire(path, mode)
    except LockHeld as e:
        who = f"berthd (pid {e.pid})" if e.pid else "another berthd"
        raise FailedPrecondition(f"{who} is already running {where} (lock {path}): stop it "
                                 f"first, or give this one another {flag}") from None
    except OSError as e:
        raise FailedPrecondition(f"cannot lock {path}: {e.strerror}") from None


def clear_socket(path: Path) -> None:
    """Remove what a dead daemon left at ``path``; refuse when a daemon answers there
    or when it is not a socket (a file we must not delete)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise FailedPrecondition(f"{path} exists and is not a socket: remove it first, "
                                 "or give another --host")
    if answers(path):
        raise FailedPrecondition(f"a daemon already answers on unix://{path}: stop it first, "
                                 "or give another --host")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def share_socket(config: DaemonConfig) -> None:
    """The socket 0660, owned by root and the socket group (``-G``); when it is in the
    exec root (0710), that directory's group too, so the group passes to it, no further."""
    gid = config.socket_gid
    os.chown(config.socket, 0, gid)
    os.chmod(config.socket, 0o660)
    if config.socket.parent == config.paths.exec_root:
        os.chown(config.paths.exec_root, 0, gid)
