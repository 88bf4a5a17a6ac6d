"""Paths inside a container's root, walked by fd: what berth mounts, makes or binds
there cannot be led out of it by a change the container (or another one) makes meanwhile.

``rootfs.secure_join`` says where a path leads with the image's symlinks resolved
inside the root; ``walk`` then follows that symlink-free path one name at a time
from an fd of the root, with ``O_NOFOLLOW``, making what is missing with
``mkdirat`` (an empty file with ``O_EXCL``). A symlink slipped in since fails the
walk instead of being followed. A mount goes onto the fd it ends with
(``move_mount``, or ``/proc/self/fd/N``), never onto a path string the kernel
would resolve again, and ``Target.check`` then compares where the fd is with where
it should be, so that a rename in between fails the start (CVE-2021-30465).
"""

import errno
import os
import stat
from dataclasses import dataclass

from berth.runtime.linux import sys as lx

_PATH = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC

_ATTRS = ((lx.MS_RDONLY, lx.MOUNT_ATTR_RDONLY), (lx.MS_NOSUID, lx.MOUNT_ATTR_NOSUID),
          (lx.MS_NODEV, lx.MOUNT_ATTR_NODEV), (lx.MS_NOEXEC, lx.MOUNT_ATTR_NOEXEC),
          (lx.MS_NODIRATIME, lx.MOUNT_ATTR_NODIRATIME))
_ATIME = ((lx.MS_NOATIME, lx.MOUNT_ATTR_NOATIME), (lx.MS_STRICTATIME, lx.MOUNT_ATTR_STRICTATIME),
          (lx.MS_RELATIME, lx.MOUNT_ATTR_RELATIME))


@dataclass(frozen=True, slots=True)
class Target:
    """Where a path inside the root ends: its directory and itself, as ``O_PATH`` fds."""

    parent: int
    name: str
    fd: int
    path: str  # where ``fd`` must be, on the host
    rel: str  # and below the root

    @property
    def proc(self) -> str:
        """A path that is this fd (for ``mount(2)``, which takes no fd)."""
        return f"/proc/self/fd/{self.fd}"

    def top(self) -> int:
        """An fd of what is mounted on the target now (its fd is what is under it)."""
        return os.open(self.name, _PATH, dir_fd=self.parent)

    def check(self) -> None:
        where = fd_path(self.fd)
        if where != self.path:
            raise OSError(errno.EXDEV, f"{self.path} moved to {where} while it was being "
                                       "mounted on: refused, as an attack", self.path)

    def close(self) -> None:
        os.close(self.fd)
        os.close(self.parent)


def fd_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


def open_dir(path: str) -> int:
    return os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)


def walk(root_fd: int, rel: str, directory: bool = True) -> Target:
    """``rel`` (resolved already: no symlink, no ``..``) below the root ``root_fd``,
    made where missing: directories, and the last a directory or an empty file."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise OSError(errno.EINVAL, f"{rel!r} is not a path below the root", rel)
    base = fd_path(root_fd).rstrip("/")
    cur = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=root_fd)
    try:
        for part in parts[:-1]:
            nxt = step(cur, part, True)
            os.close(cur)
            cur = nxt
        fd = step(cur, parts[-1], directory)
    except BaseException:
        os.close(cur)
        raise
    return Target(cur, parts[-1], fd, base + "/" + "/".join(parts), "/".join(parts))


_NO_LINKS = lx.RESOLVE_IN_ROOT | lx.RESOLVE_NO_SYMLINKS | lx.RESOLVE_NO_MAGICLINKS


def existing(root_fd: int, base: str, path: str, directory: bool = True) -> Target | None:
    """The common case in a few system calls: ``path`` below the root ``root_fd`` (host
    path ``base``) when its directory exists with no symlink on the way (the kernel
    resolving it inside the root) and it is no symlink itself (made if missing); else
    None, for ``walk`` after ``secure_join``."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    rel = "/".join(parts)
    flags = os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        parent = lx.openat2(root_fd, "/".join(parts[:-1]) or ".", flags | os.O_DIRECTORY,
                            _NO_LINKS)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR):
            return None
        raise
    try:
        try:
            fd = os.open(parts[-1], flags, dir_fd=parent)
        except FileNotFoundError:
            fd = step(parent, parts[-1], directory)  # made here, in the directory held
    except BaseException:
        os.close(parent)
        raise
    mode = os.fstat(fd).st_mode
    if stat.S_ISLNK(mode) or (directory and not stat.S_ISDIR(mode)):
        os.close(fd)
        os.close(parent)
        return None  # a symlink to follow inside the root, or the walk's refusal
    return Target(parent, parts[-1], fd, base + "/" + rel, rel)


def step(dirfd: int, name: str, directory: bool) -> int:
    """``name`` in ``dirfd`` as an ``O_PATH`` fd, made if missing; never a symlink."""
    try:
        fd = os.open(name, _PATH, dir_fd=dirfd)
    except FileNotFoundError:
        try:
            if directory:
                os.mkdir(name, 0o777, dir_fd=dirfd)
            else:
                os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                 | os.O_NONBLOCK | os.O_CLOEXEC, 0o666, dir_fd=dirfd))
        except FileExistsError:
            pass
        fd = os.open(name, _PATH, dir_fd=dirfd)
    mode = os.fstat(fd).st_mode
    if stat.S_ISLNK(mode) or (directory and not stat.S_ISDIR(mode)):
        os.close(fd)
        what = "a symlink" if stat.S_ISLNK(mode) else "not a directory"
        raise OSError(errno.ELOOP if stat.S_ISLNK(mode) else errno.ENOTDIR,
                      f"{name} is {what} where berth resolved a directory: refused, as an "
                      "attack", name)
    return fd


def bind(source: str, dest_fd: int, flags: int, propagation: int = 0) -> None:
    """Bind ``source`` (``MS_REC``: with its submounts) onto ``dest_fd``, its mount
    flags set on the detached copy before it is attached: a read-only bind is never
    read-write, not even for an instant, and no remount can land elsewhere."""
    tree = lx.open_tree(lx.AT_FDCWD, source, lx.OPEN_TREE_CLONE | lx.OPEN_TREE_CLOEXEC
                        | (lx.AT_RECURSIVE if flags & lx.MS_REC else 0))
    try:
        attr_set = clear = 0
        for flag, attr in _ATTRS:
            if flags & flag:
                attr_set |= attr
        for flag, attr in _ATIME:
            if flags & flag:
                attr_set, clear = attr_set | attr, lx.MOUNT_ATTR__ATIME
        if attr_set or clear:
            lx.mount_setattr(tree, 0, attr_set, clear)
        lx.move_mount(tree, dest_fd)
        if propagation:
            lx.mount_setattr(tree, lx.AT_RECURSIVE if propagation & lx.MS_REC else 0,
                             propagation=propagation & ~lx.MS_REC)
    finally:
        os.close(tree)
