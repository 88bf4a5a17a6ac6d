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
        fd = dirfd.open_dir_at(source, name) if stat.S_ISDIR(st.st_mode) else None
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
            with dirfd.entry(sources[i], name) as found:
                if found is not None:  # else gone meanwhile (a running container)
                    self.entry(sources[i + 1:], found, f"{rel}/{name}" if rel else name)

    def entry(self, below: list[int], found: tuple[int, os.stat_result], rel: str) -> None:
        fd, st = found
        kind = tar_type(st)
        if kind is None or is_whiteout(st):
            return
        attrs = dirfd.xattrs(fd)
        if kind == tarfile.DIRTYPE:
            self.tar.header(rel, st, kind, xattrs=attrs)
            top = dirfd.open_dir(fd)
            dirs = [top] if dirfd.is_opaque(top) else \
                [top, *_lower_dirs(below, rel.rpartition("/")[2])]
            try:
                self.walk(dirs, rel)
            finally:
                for d in dirs:
                    os.close(d)
        elif kind == tarfile.REGTYPE:
            first = self.tar.hardlink_target(rel, st)
            if first is not None:
                self.tar.header(rel, st, tarfile.LNKTYPE, linkname=first, xattrs=attrs)
                return
            src = dirfd.open_file(fd)
            try:
                self.tar.file(rel, st, src, attrs)
            finally:
                os.close(src)
        elif kind == tarfile.SYMTYPE:
            self.tar.symlink(rel, st, dirfd.readlink(fd), attrs)
        else:
            self.tar.header(rel, st, kind, xattrs=attrs)


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
