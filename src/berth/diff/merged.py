"""The merged view of a stack of layer dirs as a tar: what a container sees (``docker export``).

The dirs are an overlay's, topmost first (a container's upper dir, then its
image's layers): for each name the topmost entry wins, a whiteout hides the
name, and a directory is the union of that directory in every dir down to the
first opaque one. Neither whiteouts nor opaque markers appear in the tar:
they are applied. Entries are written as ``berth.diff.layer`` writes them
(byte order, docker's tar format, hard links within a layer kept).
"""

import os
import tarfile
from pathlib import Path

from berth.diff.overlay import child_sources, is_whiteout, lstat_or_none, xattrs
from berth.diff.tarstream import Sink, TarWriter, Written, tar_type

_OPEN_SRC = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC


def _entries(sources: list[str]) -> list[tuple[str, str, os.stat_result]]:
    """(name, path, stat) of the merged directory made of ``sources``, in byte order."""
    seen: set[str] = set()
    found: list[tuple[str, str, os.stat_result]] = []
    for source in sources:
        try:
            names = os.listdir(source)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            path = os.path.join(source, name)
            st = lstat_or_none(path)
            if st is not None and not is_whiteout(st):
                found.append((name, path, st))
    found.sort(key=lambda e: os.fsencode(e[0]))
    return found


class _MergedWalk:
    def __init__(self, tar: TarWriter) -> None:
        self.tar = tar

    def walk(self, sources: list[str], rel: str) -> None:
        for name, path, st in _entries(sources):
            try:
                self.entry(sources, name, path, f"{rel}/{name}" if rel else name, st)
            except FileNotFoundError:
                continue  # gone meanwhile (a running container)

    def entry(self, sources: list[str], name: str, path: str, rel: str,
              st: os.stat_result) -> None:
        kind = tar_type(st)
        if kind is None:
            return
        attrs = xattrs(path)
        if kind == tarfile.DIRTYPE:
            self.tar.header(rel, st, kind, xattrs=attrs)
            self.walk(child_sources(sources, name), rel)
        elif kind == tarfile.REGTYPE:
            src = os.open(path, _OPEN_SRC)
            try:
                first = self.tar.hardlink_target(rel, st)
                if first is not None:
                    self.tar.header(rel, st, tarfile.LNKTYPE, linkname=first, xattrs=attrs)
                else:
                    self.tar.file(rel, st, src, attrs)
            finally:
                os.close(src)
        elif kind == tarfile.SYMTYPE:
            self.tar.symlink(rel, st, os.readlink(path), attrs)
        else:
            self.tar.header(rel, st, kind, xattrs=attrs)


def write_merged(layers: list[Path], out: Sink) -> Written:
    """Write the merged view of ``layers`` (topmost first) to ``out`` as a tar."""
    tar = TarWriter(out)
    _MergedWalk(tar).walk([str(p) for p in layers], "")
    return tar.close()
