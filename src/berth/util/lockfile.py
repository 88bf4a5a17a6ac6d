"""Lock files that say who holds them: one engine per data root, exec root and socket.

berthd holds an exclusive open-file-description lock (``F_OFD_SETLK``) on each of
its lock files for as long as it runs, with its pid written inside. The kernel
drops the lock when berthd dies, however it dies, so a stale file never blocks
a start (dockerd's pid file can: its pid may have been reused). OFD locks rather
than ``flock``: ``F_OFD_GETLK`` lets the CLI's autostart ask whether a daemon is
there without taking the lock itself (a probe that took it, even for a moment,
could make a starting berthd believe another one runs). The files are never
removed: unlinking a lock file lets two processes each lock a different inode.
"""

import contextlib
import fcntl
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

# struct flock on Linux (x86_64 and aarch64): l_type, l_whence, l_start, l_len, l_pid
_FLOCK = struct.Struct("hhqqi4x")


class LockHeld(Exception):
    """Another process holds the lock; ``pid`` when it could be read."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        who = f"pid {pid}" if pid else "another process"
        super().__init__(f"{path} is held by {who}")


@dataclass(frozen=True, slots=True)
class Lock:
    """A held lock: close it (or exit) to release it."""

    path: Path
    fd: int

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def acquire(path: Path, mode: int = 0o600) -> Lock:
    """Lock ``path`` (made if missing, never through a symlink) and write our pid in it.
    LockHeld when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        except (BlockingIOError, PermissionError):
            raise LockHeld(path, _read_pid(path)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return Lock(path, fd)


def holder(path: Path) -> int | None:
    """The pid written in a held lock file (0 if unreadable yet), None when nobody
    holds it (or it does not exist). Takes no lock."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        got = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    except OSError:
        return None
    finally:
        os.close(fd)
    if _FLOCK.unpack(got)[0] == fcntl.F_UNLCK:
        return None
    return _read_pid(path) or 0


def _read_pid(path: Path) -> int | None:
    """The holder writes its pid right after it takes the lock: wait a moment for it."""
    for _ in range(20):
        try:
            text = path.read_text().strip()
        except OSError:
            return None
        if text.isdigit():
            return int(text)
        time.sleep(0.01)
    return None
