"""``docker diff``: what a container's upper dir changed against its image's layers.

The upper dir is walked in byte order, as dockerd's overlay2 driver walks it
(moby's ``OverlayChanges``), and each entry is

- ``D`` (deleted) for a whiteout, and for an opaque directory that hides one
  of the layers below (docker reports a directory deleted and made again as
  deleted, then its new entries as added);
- ``C`` (modified) when the lower layers have that path, except a directory
  whose mode, size and mtime are unchanged (it is only there because
  something inside it changed);
- ``A`` (added) otherwise; everything inside an added or opaque directory is
  added.

The parent of an added or deleted entry is reported modified, before it, when
it was not reported already (docker's rule, moby#13590).
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from berth.diff import dirfd
from berth.diff.overlay import LayerStack, is_whiteout
from berth.util.disk import open_dir_at

MODIFIED, ADDED, DELETED = 0, 1, 2
_LETTERS = "CAD"


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # absolute inside the container: "/etc/passwd"
    kind: int  # MODIFIED, ADDED or DELETED (the API's 0, 1, 2)

    def to_api(self) -> dict[str, object]:
        return {"Path": self.path, "Kind": self.kind}

    def __str__(self) -> str:
        return f"{_LETTERS[self.kind]} {self.path}"


def _same_time(a: int, b: int) -> bool:
    """Equal mtimes in ns; tar keeps whole seconds, so a whole second matches its second."""
    return a == b or (a // 10**9 == b // 10**9 and (a % 10**9 == 0 or b % 10**9 == 0))


def _unchanged_dir(st: os.stat_result, old: os.stat_result) -> bool:
    return (stat.S_ISDIR(old.st_mode) and st.st_mode == old.st_mode
            and st.st_size == old.st_size and _same_time(st.st_mtime_ns, old.st_mtime_ns))


class _Walk:
    def __init__(self, lowers: list[Path]) -> None:
        self.lower = LayerStack([str(p) for p in lowers])
        self.out: list[Change] = []
        self.changed_dirs: set[str] = set()

    def walk(self, directory: int, rel: str, all_new: bool) -> None:
        for name in dirfd.names(directory):
            st = dirfd.lstat_at(directory, name)
            if st is not None:
                self.entry(directory, name, f"{rel}/{name}" if rel else name, st, all_new)

    def entry(self, parent: int, name: str, rel: str, st: os.stat_result,
              all_new: bool) -> None:
        # a directory is walked through its own fd: swapped for a symlink meanwhile, it
        # is not a directory any more, and nothing of the host is listed
        inside = open_dir_at(parent, name) if stat.S_ISDIR(st.st_mode) else None
        try:
            self._entry(inside, rel, st, all_new)
        finally:
            if inside is not None:
                os.close(inside)

    def _entry(self, inside: int | None, rel: str, st: os.stat_result, all_new: bool) -> None:
        new_inside = all_new
        if is_whiteout(st):
            kind = DELETED
        else:
            old = None if all_new else self.lower.lookup(rel)
            if old is None:
                kind, new_inside = ADDED, True
            elif inside is not None and dirfd.is_opaque(inside):
                kind, new_inside = DELETED, True
            elif inside is not None and _unchanged_dir(st, old):
                self.walk(inside, rel, False)
                return
            else:
                kind = MODIFIED
        if inside is not None:
            self.changed_dirs.add(rel)
        parent = rel.rpartition("/")[0]
        if kind != MODIFIED and parent and parent not in self.changed_dirs:
            self.out.append(Change("/" + parent, MODIFIED))
            self.changed_dirs.add(parent)
        self.out.append(Change("/" + rel, kind))
        if inside is not None:
            self.walk(inside, rel, new_inside)


def changes(upper: Path, lowers: list[Path]) -> list[Change]:
    """The changes of ``upper`` over ``lowers`` (the image's layer dirs, topmost first).
    The upper dir is walked by fd (``berth.diff.dirfd``); the lowers, berthd's own
    read-only snapshots, by path."""
    w = _Walk(lowers)
    root = dirfd.open_root(upper)
    try:
        w.walk(root, "", not lowers)
    finally:
        os.close(root)
    return w.out
