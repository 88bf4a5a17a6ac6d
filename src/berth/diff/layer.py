"""A layer tar from a container's upper dir (``docker commit``), and the same layer as
an overlay lower dir in the same pass.

The upper dir is walked in byte order. A whiteout (char device 0:0) becomes an
empty ``.wh.<name>`` file, an opaque directory its entry followed by
``<dir>/.wh..wh..opq`` (moby's overlay whiteout converter); everything else
is written as it is: directories, files (a second name of an inode as a hard
link), symlinks, device nodes, fifos, with ids, modes, mtimes (whole seconds)
and xattrs but overlayfs's own. Sockets are left out, as docker does. The
upper dir is walked by fd (``berth.diff.dirfd``): a container not paused cannot
swap one of its directories for a symlink to the host under the walk.

With ``copy_to`` the entries are also made there exactly as ``apply_layer``
would unpack the tar (same modes, owners, mtimes, xattrs, whiteouts as 0:0
devices, ``trusted.overlay.opaque``), from the bytes read once: the new
layer's snapshot without reading the tar back.
"""

import contextlib
import itertools
import os
import queue
import shutil
import stat
import tarfile
import tempfile
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from berth.diff import dirfd
from berth.diff.apply import OPAQUE, WHITEOUT_PREFIX
from berth.diff.overlay import OPAQUE_XATTR, is_whiteout
from berth.diff.tarstream import Sink, TarWriter, Written, mtime_of, tar_type

_THREADS = 8
_SMALL = 1 << 20  # a file up to this size is handed to a thread whole
_IN_FLIGHT = 64  # chunks of file data (at most 1 MiB each) handed to the threads, not written
_OPEN_DST = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class _Mirror:
    """Makes each entry in the copy as ``berth.diff.apply`` unpacks it (overlay mode).

    Directories are made in place; every other entry is made in a scratch dir of the
    thread making it, then renamed into place: creating many inodes in one directory
    is serialized by that directory (about a millisecond each on a busy ext4), while
    threads creating in directories of their own and renaming do not wait on each
    other nearly as much.
    """

    def __init__(self, root: str, scratch: str) -> None:
        self.root = root
        self._scratch = scratch
        self._dir_times: list[tuple[str, int]] = []
        self._open: dict[str, tuple[int, str]] = {}  # files being written: fd, scratch path
        self._local = threading.local()
        self._stages: list[str] = []
        self._names = itertools.count()

    def path(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def _staged(self) -> str:
        stage = getattr(self._local, "stage", None)
        if stage is None:
            stage = self._local.stage = tempfile.mkdtemp(prefix=".stage-", dir=self._scratch)
            self._stages.append(stage)
        return os.path.join(stage, str(next(self._names)))

    def whiteout(self, rel: str, st: os.stat_result) -> None:
        tmp = self._staged()
        os.mknod(tmp, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        os.lchown(tmp, st.st_uid, st.st_gid)
        os.rename(tmp, self.path(rel))

    def directory(self, rel: str, st: os.stat_result, attrs: dict[str, bytes],
                  opaque: bool) -> None:
        path = self.path(rel)
        os.mkdir(path, 0o700)
        self._metadata(path, st, attrs)
        if opaque:
            os.setxattr(path, OPAQUE_XATTR, b"y", follow_symlinks=False)
        self._dir_times.append((path, mtime_of(st)))

    def create(self, rel: str) -> None:
        tmp = self._staged()
        self._open[rel] = (os.open(tmp, _OPEN_DST, 0o600), tmp)

    def write(self, rel: str, data: bytes) -> None:
        view = memoryview(data)
        fd = self._open[rel][0]
        while view:
            view = view[os.write(fd, view):]

    def finish_file(self, rel: str, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        fd, tmp = self._open.pop(rel)
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
            os.fchmod(fd, stat.S_IMODE(st.st_mode))  # after chown, which clears setuid bits
            _set_xattrs(fd, attrs)
            mtime = mtime_of(st)
            os.utime(fd, (mtime, mtime))
        finally:
            os.close(fd)
        os.rename(tmp, self.path(rel))

    def whole_file(self, rel: str, data: bytes, st: os.stat_result,
                   attrs: dict[str, bytes]) -> None:
        """A small file in one step (one hand-over to a thread instead of three)."""
        self.create(rel)
        self.write(rel, data)
        self.finish_file(rel, st, attrs)

    def hardlink(self, rel: str, first: str) -> None:
        os.link(self.path(first), self.path(rel), follow_symlinks=False)

    def symlink(self, rel: str, target: str, st: os.stat_result,
                attrs: dict[str, bytes]) -> None:
        tmp = self._staged()
        os.symlink(target, tmp)
        self._metadata(tmp, st, attrs)
        os.rename(tmp, self.path(rel))

    def node(self, rel: str, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        tmp = self._staged()
        kind = stat.S_IFMT(st.st_mode)
        os.mknod(tmp, kind | 0o600, st.st_rdev if kind != stat.S_IFIFO else 0)
        self._metadata(tmp, st, attrs)
        os.rename(tmp, self.path(rel))

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

    def close_all(self) -> None:
        """Close the files left open by a failure; remove the scratch dirs."""
        for fd, _ in self._open.values():
            os.close(fd)
        self._open.clear()
        for stage in self._stages:
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()


def _set_xattrs(target: int | str, attrs: dict[str, bytes]) -> None:
    for name, value in attrs.items():
        try:
            if isinstance(target, int):
                os.setxattr(target, name, value)
            else:
                os.setxattr(target, name, value, follow_symlinks=False)
        except OSError:
            pass  # as apply_layer: e.g. user.* on a symlink


class _Workers:
    """Run the copy's steps in a few threads of their own, so that creating the
    snapshot's files overlaps writing and hashing the tar, and file creations that
    wait on the filesystem's journal wait together (syscalls and hashing release the
    GIL). The steps of one key (a file's name; a hard link goes by its first name's)
    run in order in one thread; directories are made by the walk itself before
    anything inside them. The first error stops them and is raised in the walk."""

    def __init__(self, n: int = _THREADS) -> None:
        self._queues: list[queue.Queue[tuple[Callable[..., None], tuple[Any, ...]] | None]] = \
            [queue.Queue() for _ in range(n)]
        self._data = threading.BoundedSemaphore(_IN_FLIGHT)  # bounds the memory held
        self._error: BaseException | None = None
        self._threads = [threading.Thread(target=self._run, args=(q,), name="layer-copy",
                                          daemon=True) for q in self._queues]
        for t in self._threads:
            t.start()

    def submit(self, key: str, fn: Callable[..., None], *args: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queues[zlib.crc32(key.encode(errors="surrogateescape")) % len(self._queues)].put(
            (fn, args))

    def submit_data(self, key: str, fn: Callable[..., None], *args: Any) -> None:
        """A step that holds a chunk of data: waits while too many are in flight."""
        self._data.acquire()
        self.submit(key, self._releasing, fn, *args)

    def _releasing(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        finally:
            self._data.release()

    def _run(self, q: "queue.Queue[tuple[Callable[..., None], tuple[Any, ...]] | None]") -> None:
        while (item := q.get()) is not None:
            if self._error is None:
                try:
                    item[0](*item[1])
                except BaseException as e:
                    self._error = e
            elif item[0] == self._releasing:
                self._data.release()  # not run: its chunk is dropped

    def close(self) -> None:
        """Wait for every step; raise the first error."""
        for q in self._queues:
            q.put(None)
        for t in self._threads:
            t.join()
        if self._error is not None:
            raise self._error


class _LayerWalk:
    def __init__(self, tar: TarWriter, mirror: _Mirror | None,
                 workers: _Workers | None) -> None:
        self.tar = tar
        self.mirror = mirror
        self._workers = workers

    def copy(self, key: str, fn: Callable[..., None], *args: Any) -> None:
        if self._workers is not None:
            self._workers.submit(key, fn, *args)

    def copy_data(self, key: str, fn: Callable[..., None], *args: Any) -> None:
        if self._workers is not None:
            self._workers.submit_data(key, fn, *args)

    def walk(self, directory: int, rel: str) -> None:
        for name in dirfd.names(directory):
            path = f"{rel}/{name}" if rel else name
            with dirfd.entry(directory, name) as found:
                if found is None:
                    continue  # gone meanwhile (a container not paused)
                inside = self.entry(*found, path)
            if inside is not None:  # walked once its entry's fd is closed: one fd a level
                try:
                    self.walk(inside, path)
                finally:
                    os.close(inside)

    def entry(self, fd: int, st: os.stat_result, rel: str) -> int | None:
        """Write the entry; for a directory, its fd to walk."""
        tar, mirror = self.tar, self.mirror
        if is_whiteout(st):
            parent, _, name = rel.rpartition("/")
            wh = f"{parent}/{WHITEOUT_PREFIX}{name}" if parent else WHITEOUT_PREFIX + name
            tar.header(wh, st, tarfile.REGTYPE, mode=0o600)
            if mirror:
                self.copy(rel, mirror.whiteout, rel, st)
            return None
        kind = tar_type(st)
        if kind is None:
            return None  # a socket
        attrs = dirfd.xattrs(fd)
        if kind == tarfile.DIRTYPE:
            inside = dirfd.open_dir(fd)
            try:
                opaque = dirfd.is_opaque(inside)
                tar.header(rel, st, kind, xattrs=attrs)
                if opaque:
                    tar.header(f"{rel}/{OPAQUE}", st, tarfile.REGTYPE,
                               mode=stat.S_IMODE(st.st_mode) & 0o777)
                if mirror:
                    mirror.directory(rel, st, attrs, opaque)  # before what is inside
            except BaseException:
                os.close(inside)
                raise
            return inside
        if kind == tarfile.REGTYPE:
            self.regular(fd, rel, st, attrs)
        elif kind == tarfile.SYMTYPE:
            target = dirfd.readlink(fd)
            tar.symlink(rel, st, target, attrs)
            if mirror:
                self.copy(rel, mirror.symlink, rel, target, st, attrs)
        else:
            tar.header(rel, st, kind, xattrs=attrs)
            if mirror:
                self.copy(rel, mirror.node, rel, st, attrs)
        return None

    def regular(self, fd: int, rel: str, st: os.stat_result, attrs: dict[str, bytes]) -> None:
        first = self.tar.hardlink_target(rel, st)
        if first is not None:
            self.tar.header(rel, st, tarfile.LNKTYPE, linkname=first, xattrs=attrs)
            if self.mirror:
                self.copy(first, self.mirror.hardlink, rel, first)  # after first's steps
            return
        src = dirfd.open_file(fd)
        try:
            mirror = self.mirror
            if mirror is None:
                self.tar.file(rel, st, src, attrs)
                return
            if st.st_size <= _SMALL:
                parts: list[bytes] = []
                self.tar.file(rel, st, src, attrs, lambda chunk: parts.append(bytes(chunk)))
                self.copy_data(rel, mirror.whole_file, rel, b"".join(parts), st, attrs)
                return
            self.copy(rel, mirror.create, rel)
            self.tar.file(rel, st, src, attrs,
                          lambda chunk: self.copy_data(rel, mirror.write, rel, bytes(chunk)))
            self.copy(rel, mirror.finish_file, rel, st, attrs)
        finally:
            os.close(src)


def write_layer(upper: Path, out: Sink, copy_to: Path | None = None) -> Written:
    """Write the layer tar of ``upper`` to ``out``; with ``copy_to`` (an empty dir) make
    the same layer there as an overlay lower dir (scratch dirs are made, and removed,
    beside it: its parent must be writable)."""
    tar = TarWriter(out)
    root = dirfd.open_root(upper)
    try:
        if copy_to is None:
            _LayerWalk(tar, None, None).walk(root, "")
            return tar.close()
        return _write_copying(tar, root, copy_to)
    finally:
        os.close(root)


def _write_copying(tar: TarWriter, root: int, copy_to: Path) -> Written:
    mirror, workers = _Mirror(str(copy_to), str(copy_to.parent)), _Workers()
    try:
        try:
            _LayerWalk(tar, mirror, workers).walk(root, "")
            written = tar.close()
        except BaseException:
            with contextlib.suppress(BaseException):
                workers.close()  # they stop; the walk's error is the one to report
            raise
        workers.close()
        mirror.finish()  # directory mtimes, once everything inside is made
    finally:
        mirror.close_all()  # the threads are done with them
    return written
