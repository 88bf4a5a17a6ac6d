"""The merged view of a stack of layer dirs as a tar: what a container sees (``docker export``).

The dirs are an overlay's, topmost first (a container's upper dir, then its
image's layers): for each name the topmost entry wins, a whiteout hides the
name, and a directory is the union of that directory in every dir down to the
first opaque one. Neither whiteouts nor opaque markers appear in the tar:
they are applied. Entries are written as ``berth.diff.layer`` writes them
(byte order, docker's tar format, hard links within a layer kept).

The dirs are walked by fd (``berth.diff.dirfd``): a running container cannot
swap one of its directories for a symlink to the host under the walk.
"""

import os
import stat
import tarfile
from pathlib import Path

from berth.diff import dirfd
from berth.diff.overlay import is_whiteout
from berth.diff.tarstream import Sink, TarWriter, Written, tar_type
from berth.util.disk import open_dir_at


def _entries(sources: list[int]) -> list[tuple[str, int]]:
    """(name, index of the topmost source that has it) of the merged directory made of
    the directory fds ``sources``, in byte order."""
    seen: set[str] = set()
    found: list[tuple[str, int]] = []
    for i, source in enumerate(sources):
        for name in dirfd.names(source):
            if name in seen:
                continue
            seen.add(name)
            st = dirfd.lstat_at(source, name)
            if st is not None and not is_whiteout(st):
                found.append((name, i))
    found.sort(key=lambda e: os.fsencode(e[0]))
    return found


def _lower_dirs(sources: list[int], name: str) -> list[int]:
    """The directory fds of ``name`` in ``sources`` (the dirs below the topmost), down to
    the first opaque one, whiteout or non-directory."""
    out: list[int] = []
    for source in sources:
        st = dirfd.lstat_at(source, name)
        if st is None:
            continue
        fd = open_dir_at(source, name) if stat.S_ISDIR(st.st_mode) else None
        if fd is None:
            break
        out.append(fd)
        if dirfd.is_opaque(fd):
            break
    return out


class _MergedWalk:
    def __init__(self, tar: TarWriter) -> None:
        self.tar = tar

    def walk(self, sources: list[int], rel: str) -> None:
        for name, i in _entries(sources):
            path = f"{rel}/{name}" if rel else name
            with dirfd.entry(sources[i], name) as found:
                if found is None:
                    continue  # gone meanwhile (a running container)
                top = self.entry(found, path)
            if top is None:
                continue
            # a directory, walked once its entry's fd is closed: one fd a level (and layer)
            dirs = [top]
            try:
                if not dirfd.is_opaque(top):
                    dirs += _lower_dirs(sources[i + 1:], name)
                self.walk(dirs, path)
            finally:
                for d in dirs:
                    os.close(d)

    def entry(self, found: tuple[int, os.stat_result], rel: str) -> int | None:
        """Write the entry; for a directory, its fd to walk."""
        fd, st = found
        kind = tar_type(st)
        if kind is None or is_whiteout(st):
            return None
        attrs = dirfd.xattrs(fd)
        if kind == tarfile.DIRTYPE:
            self.tar.header(rel, st, kind, xattrs=attrs)
            return dirfd.open_dir(fd)
        if kind == tarfile.REGTYPE:
            first = self.tar.hardlink_target(rel, st)
            if first is not None:
                self.tar.header(rel, st, tarfile.LNKTYPE, linkname=first, xattrs=attrs)
                return None
            src = dirfd.open_file(fd)
            try:
                self.tar.file(rel, st, src, attrs)
            finally:
                os.close(src)
        elif kind == tarfile.SYMTYPE:
            self.tar.symlink(rel, st, dirfd.readlink(fd), attrs)
        else:
            self.tar.header(rel, st, kind, xattrs=attrs)
        return None


def write_merged(layers: list[Path], out: Sink) -> Written:
    """Write the merged view of ``layers`` (topmost first) to ``out`` as a tar."""
    tar = TarWriter(out)
    roots = [dirfd.open_root(p) for p in layers]
    try:
        _MergedWalk(tar).walk(roots, "")
    finally:
        for fd in roots:
            os.close(fd)
    return tar.close()
