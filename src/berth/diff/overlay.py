"""How an overlayfs upper or lower dir records deletions, read from user space.

A deleted entry is a whiteout: a character device 0:0 with the entry's name.
A directory that hides everything below it (deleted, then made again) carries
``trusted.overlay.opaque=y``. Every other ``trusted.overlay.*`` attribute
(origin, impure, uuid, redirect...) is overlayfs's own bookkeeping and never
part of a layer. berthd reads these dirs in place: no overlay is mounted on
the host for a diff, an export or a commit. The helpers here go by path: they
are for berthd's own read-only layer dirs; a container's upper dir is walked by
fd (``berth.diff.dirfd``).
"""

import os
import stat

OVERLAY_XATTR_PREFIX = "trusted.overlay."
OPAQUE_XATTR = "trusted.overlay.opaque"


def is_whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque(path: str) -> bool:
    try:
        return os.getxattr(path, OPAQUE_XATTR, follow_symlinks=False) == b"y"
    except OSError:
        return False


def sorted_names(directory: str) -> list[str]:
    """The names in a directory in byte order (Go's filepath.Walk order, as docker)."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(names, key=os.fsencode)


def lstat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def child_sources(sources: list[str], name: str) -> list[str]:
    """The dirs that make up ``name`` in the merged view of ``sources`` (topmost first):
    the topmost entry when it is a directory, and the lower directories of that name
    down to the first opaque one, whiteout or non-directory. [] when ``name`` is no
    directory there."""
    out: list[str] = []
    for source in sources:
        path = os.path.join(source, name)
        st = lstat_or_none(path)
        if st is None:
            continue
        if not stat.S_ISDIR(st.st_mode):
            break
        out.append(path)
        if is_opaque(path):
            break
    return out


class LayerStack:
    """Read-only layer dirs (topmost first) resolved as overlayfs resolves them."""

    def __init__(self, layers: list[str]) -> None:
        self._dirs: dict[str, list[str]] = {"": list(layers)}

    def sources(self, rel: str) -> list[str]:
        """The dirs that make up the directory ``rel`` ("" for the root, "a/b")."""
        found = self._dirs.get(rel)
        if found is None:
            parent, _, name = rel.rpartition("/")
            found = self._dirs[rel] = child_sources(self.sources(parent), name)
        return found

    def lookup(self, rel: str) -> os.stat_result | None:
        """What ``rel`` is in the merged view of the stack, or None when absent."""
        parent, _, name = rel.rpartition("/")
        for source in self.sources(parent):
            st = lstat_or_none(os.path.join(source, name))
            if st is not None:
                return None if is_whiteout(st) else st
        return None
