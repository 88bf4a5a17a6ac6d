"""A layer tar from a container's upper dir (``docker commit``), and the same layer as
an overlay lower dir in the same pass.

The upper dir is walked in byte order. A whiteout (char device 0:0) becomes an
empty ``.wh.<name>`` file, an opaque directory its entry followed by
``<dir>/.wh..wh..opq`` (moby's overlay whiteout converter); everything else
is written as it is: directories, files (a second name of an inode as a hard
link), symlinks, device nodes, fifos, with ids, modes, mtimes (whole seconds)
and xattrs but overlayfs's own. Sockets are left out, as docker does.

With ``copy_to`` the entries are also made there exactly as ``apply_layer``
would unpack the tar (same modes, owners, mtimes, xattrs, whiteouts as 0:0
devices, ``trusted.overlay.opaque``), from the bytes read once: the new
layer's snapshot without reading the tar back.
"""

import os
import stat
import tarfile
from pathlib import Path

from berth.diff.apply import OPAQUE, WHITEOUT_PREFIX
from berth.diff.overlay import OPAQUE_XATTR, is_opaque, is_whiteout, sorted_names, xattrs
from berth.diff.tarstream import Sink, TarWriter, Written, mtime_of, tar_type

_OPEN_SRC = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_DST = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class _Mirror:
    """Makes each entry in the copy as ``berth.diff.apply`` unpacks it (overlay mode)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._dir_times: list[tuple[str, int]] = []

    def path(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def whiteout(self, rel: str, st: os.stat_result) -> None:
        path = self.path(rel)
        os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        os.lchown(path, st.st_uid, st.st_gid)

    def directory(self, rel: str, st: os.stat_result, attrs: dict[str, bytes],
                  opaque: bool) -> None:
        path = self.path(rel)
        os.mkdir(path, 0o700)
        self._metadata(path, st, attrs)
        if opaque:
            os.setxattr(path, OPAQUE_XATTR, b"y", follow_symlinks=False)
        self._dir_times.append((path, mtime_of(st)))

    def create(self, rel: str) -> int:
        return os.open(self.path(rel), _OPEN_DST, 0o600)

    def finish_file(self, fd: int, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
            os.fchmod(fd, stat.S_IMODE(st.st_mode))  # after chown, which clears setuid bits
            _set_xattrs(fd, attrs)
            mtime = mtime_of(st)
            os.utime(fd, (mtime, mtime))
        finally:
            os.close(fd)

    def hardlink(self, rel: str, first: str) -> None:
        os.link(self.path(first), self.path(rel), follow_symlinks=False)

    def symlink(self, rel: str, target: str, st: os.stat_result,
                attrs: dict[str, bytes]) -> None:
        path = self.path(rel)
        os.symlink(target, path)
        self._metadata(path, st, attrs)

    def node(self, rel: str, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        path = self.path(rel)
        kind = stat.S_IFMT(st.st_mode)
        os.mknod(path, kind | 0o600, st.st_rdev if kind != stat.S_IFIFO else 0)
        self._metadata(path, st, attrs)

    def _metadata(self, path: str, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        os.lchown(path, st.st_uid, st.st_gid)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(path, stat.S_IMODE(st.st_mode))
        _set_xattrs(path, attrs)
        if not stat.S_ISDIR(st.st_mode):
            mtime = mtime_of(st)
            os.utime(path, (mtime, mtime), follow_symlinks=False)

    def finish(self) -> None:
        for path, mtime in reversed(self._dir_times):
            os.utime(path, (mtime, mtime), follow_symlinks=False)


def _set_xattrs(target: int | str, attrs: dict[str, bytes]) -> None:
    for name, value in attrs.items():
        try:
            if isinstance(target, int):
                os.setxattr(target, name, value)
            else:
                os.setxattr(target, name, value, follow_symlinks=False)
        except OSError:
            pass  # as apply_layer: e.g. user.* on a symlink


class _LayerWalk:
    def __init__(self, tar: TarWriter, mirror: _Mirror | None) -> None:
        self.tar = tar
        self.mirror = mirror

    def walk(self, directory: str, rel: str) -> None:
        for name in sorted_names(directory):
            try:
                self.entry(os.path.join(directory, name), f"{rel}/{name}" if rel else name)
            except FileNotFoundError:
                continue  # gone meanwhile (a container not paused)

    def entry(self, path: str, rel: str) -> None:
        st = os.lstat(path)
        tar, mirror = self.tar, self.mirror
        if is_whiteout(st):
            parent, _, name = rel.rpartition("/")
            wh = f"{parent}/{WHITEOUT_PREFIX}{name}" if parent else WHITEOUT_PREFIX + name
            tar.header(wh, st, tarfile.REGTYPE, mode=0o600)
            if mirror:
                mirror.whiteout(rel, st)
            return
        kind = tar_type(st)
        if kind is None:
            return  # a socket
        attrs = xattrs(path)
        if kind == tarfile.DIRTYPE:
            opaque = is_opaque(path)
            tar.header(rel, st, kind, xattrs=attrs)
            if opaque:
                tar.header(f"{rel}/{OPAQUE}", st, tarfile.REGTYPE,
                           mode=stat.S_IMODE(st.st_mode) & 0o777)
            if mirror:
                mirror.directory(rel, st, attrs, opaque)
            self.walk(path, rel)
        elif kind == tarfile.REGTYPE:
            self.regular(path, rel, st, attrs)
        elif kind == tarfile.SYMTYPE:
            target = os.readlink(path)
            tar.symlink(rel, st, target, attrs)
            if mirror:
                mirror.symlink(rel, target, st, attrs)
        else:
            tar.header(rel, st, kind, xattrs=attrs)
            if mirror:
                mirror.node(rel, st, attrs)

    def regular(self, path: str, rel: str, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        src = os.open(path, _OPEN_SRC)
        try:
            first = self.tar.hardlink_target(rel, st)
            if first is not None:
                self.tar.header(rel, st, tarfile.LNKTYPE, linkname=first, xattrs=attrs)
                if self.mirror:
                    self.mirror.hardlink(rel, first)
                return
            dst = self.mirror.create(rel) if self.mirror else None
            try:
                self.tar.file(rel, st, src, attrs, dst)
            except BaseException:
                if dst is not None:
                    os.close(dst)
                raise
            if self.mirror and dst is not None:
                self.mirror.finish_file(dst, st, attrs)
        finally:
            os.close(src)


def write_layer(upper: Path, out: Sink, copy_to: Path | None = None) -> Written:
    """Write the layer tar of ``upper`` to ``out``; with ``copy_to`` (an empty dir) make
    the same layer there as an overlay lower dir."""
    mirror = _Mirror(str(copy_to)) if copy_to is not None else None
    tar = TarWriter(out)
    _LayerWalk(tar, mirror).walk(str(upper), "")
    if mirror:
        mirror.finish()
    return tar.close()
