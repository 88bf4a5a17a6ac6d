"""Real overlay-style dirs for the diff tests (root: 0:0 char devices, trusted xattrs)."""

import os
import stat
from pathlib import Path

import pytest

T0 = 1_600_000_000


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("these tests make whiteouts and trusted.* xattrs: run them as root")


def mkdir(path: Path, mode: int = 0o755, mtime: int = T0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    os.utime(path, (mtime, mtime))
    return path


def write(path: Path, data: bytes = b"x", mode: int = 0o644, mtime: int = T0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, mode)
    os.utime(path, (mtime, mtime))
    return path


def whiteout(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
    return path


def opaque(path: Path) -> Path:
    os.setxattr(path, "trusted.overlay.opaque", b"y")
    return path


def touch_times(root: Path, mtime: int = T0) -> None:
    """Fix every directory's mtime (making entries changed them)."""
    for d, _, _ in os.walk(root):
        os.utime(d, (mtime, mtime))


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Everything apply_layer sets, per entry: type, mode, ids, mtime (not for whiteouts),
    size, content, link target, device, xattrs and hard link groups."""
    out: dict[str, tuple[object, ...]] = {}
    inodes: dict[int, str] = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            xattrs = tuple(sorted((k, os.getxattr(path, k, follow_symlinks=False))
                                  for k in os.listxattr(path, follow_symlinks=False)))
            white = stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
            content: object = None
            if stat.S_ISREG(st.st_mode):
                content = Path(path).read_bytes()
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(path)
            link = inodes.setdefault(st.st_ino, rel) if stat.S_ISREG(st.st_mode) else rel
            out[rel] = (st.st_mode, st.st_uid, st.st_gid,
                        None if white else st.st_mtime, st.st_rdev, content, xattrs, link)
    return out
