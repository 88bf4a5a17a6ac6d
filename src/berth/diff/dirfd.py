"""Reading a tree a container can change: by directory fd, never by path.

A running container changes its upper dir while berthd reads it. Walked by path
string, ``upper/a/b`` is looked up afresh at every step, and the container can
swap ``a`` for a symlink to ``/`` between berthd's check and its open: a host
file came out in an export and in a committed image, a host directory's names in
a diff. Here each step opens one name under its parent's fd with ``O_NOFOLLOW``
(``O_PATH`` first, so neither a fifo nor a device node is ever opened for I/O),
and the entry's type is the ``fstat`` of that fd: what is read is what was
checked, and a swapped name is read as the symlink it now is. moby's export and
commit walk by path (filepath.Walk over the mounted root); berth's archive helper
resolves inside the container's root instead (``berth.runtime.archive``).
"""

import contextlib
import os
from collections.abc import Iterator

from berth.diff.overlay import OPAQUE_XATTR, OVERLAY_XATTR_PREFIX

_PATH = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
_GONE = (FileNotFoundError, NotADirectoryError)


def open_root(path: str | os.PathLike[str]) -> int:
    """The top of a walk (a directory berthd made: its path is trusted)."""
    return os.open(path, _DIR)


@contextlib.contextmanager
def entry(parent: int, name: str) -> Iterator[tuple[int, os.stat_result] | None]:
    """``name`` under the directory fd ``parent`` as an ``O_PATH`` fd and its stat, or
    None when it is gone; the fd is closed after the block."""
    try:
        fd = os.open(name, _PATH, dir_fd=parent)
    except _GONE:
        yield None
        return
    try:
        yield fd, os.fstat(fd)
    finally:
        os.close(fd)


def open_dir(fd: int) -> int:
    """A directory's ``O_PATH`` fd as one to list and walk."""
    return os.open(".", _DIR, dir_fd=fd)


def open_file(fd: int) -> int:
    """A regular file's ``O_PATH`` fd reopened to read (the same inode, never a path)."""
    return os.open(f"/proc/self/fd/{fd}", _READ)


def readlink(fd: int) -> str:
    """The target of the symlink whose ``O_PATH`` fd this is."""
    return os.readlink("", dir_fd=fd)


def names(fd: int) -> list[str]:
    """The names in a directory fd, in byte order (Go's filepath.Walk order, as docker)."""
    return sorted(os.listdir(fd), key=os.fsencode)


def lstat_at(parent: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=parent, follow_symlinks=False)
    except _GONE:
        return None


def is_opaque(dir_fd: int) -> bool:
    try:
        return os.getxattr(dir_fd, OPAQUE_XATTR) == b"y"
    except OSError:
        return False


def xattrs(fd: int) -> dict[str, bytes]:
    """The extended attributes of the entry whose ``O_PATH`` fd this is (through its
    /proc magic link: the entry itself, a symlink too), but overlayfs's own."""
    path = f"/proc/self/fd/{fd}"
    try:
        found = os.listxattr(path)
    except OSError:
        return {}
    out = {}
    for name in sorted(found):
        if name.startswith(OVERLAY_XATTR_PREFIX):
            continue
        try:
            out[name] = os.getxattr(path, name)
        except OSError:
            continue  # removed meanwhile, or not readable here
    return out
