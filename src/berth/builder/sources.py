"""Where COPY and ADD read: the context dir, or a stage's or image's layer stack.

A ``Tree`` is a read-only merged view of dirs (topmost first, resolved as overlayfs
does: whiteouts hide, opaque dirs stop the lookup): the context is a tree of one
dir, a stage the stack of its layers. Paths are resolved inside the tree, symlinks
followed as if the tree were ``/`` (docker's FollowSymlinkInScope): nothing a
hostile context or image holds makes the builder read outside it. Files are
opened with ``O_NOFOLLOW`` at the resolved place.
"""

import fnmatch
import os
import posixpath
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from berth.diff.overlay import LayerStack, is_whiteout, lstat_or_none, sorted_names
from berth.errors import InvalidArgument, NotFound

_MAX_LINKS = 255
_MAGIC = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class Entry:
    rel: str  # clean, relative to the tree's root ("" is the root)
    st: os.stat_result
    path: str  # where it is on disk (in the layer that holds it)


class Tree:
    def __init__(self, dirs: list[str]) -> None:
        self._stack = LayerStack(dirs)
        self._top = dirs
        self.dirs = list(dirs)

    def entry(self, rel: str) -> Entry | None:
        """The entry at the clean path ``rel`` (not followed), None when absent."""
        if not rel:
            if not self._top:
                return None
            return Entry("", os.lstat(self._top[0]), self._top[0])
        parent, _, name = rel.rpartition("/")
        for source in self._stack.sources(parent):
            path = os.path.join(source, name)
            st = lstat_or_none(path)
            if st is not None:
                return None if is_whiteout(st) else Entry(rel, st, path)
        return None

    def names(self, rel: str) -> list[str]:
        """The names in the directory ``rel`` of the merged view, in byte order."""
        seen: set[str] = set()
        hidden: set[str] = set()
        for source in self._stack.sources(rel):
            for name in sorted_names(source):
                if name in seen or name in hidden:
                    continue
                st = lstat_or_none(os.path.join(source, name))
                if st is None:
                    continue
                (hidden if is_whiteout(st) else seen).add(name)
        return sorted(seen, key=os.fsencode)

    def resolve(self, rel: str, follow_last: bool = True, missing_ok: bool = False) -> str:
        """``rel`` as a clean path inside the tree, symlinks followed inside it.
        NotFound when a component is missing; with ``missing_ok`` the missing rest is
        kept as it is written (where a copy would make it)."""
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        done: list[str] = []
        links = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if done:
                    done.pop()
                continue
            here = "/".join([*done, part])
            found = self.entry(here)
            if found is None:
                if missing_ok:
                    rest = posixpath.normpath("/".join([part, *parts])).lstrip("/")
                    return "/".join([*done, *(p for p in rest.split("/") if p != "..")])
                raise NotFound(f"{rel}: no such file or directory")
            if stat.S_ISLNK(found.st.st_mode) and (parts or follow_last):
                links += 1
                if links > _MAX_LINKS:
                    raise InvalidArgument(f"{rel}: too many levels of symbolic links")
                target = os.readlink(found.path)
                if target.startswith("/"):
                    done = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            if parts and not stat.S_ISDIR(found.st.st_mode):
                raise NotFound(f"{rel}: not a directory")
            done.append(part)
        return "/".join(done)

    def walk(self, rel: str) -> Iterator[Entry]:
        """Every entry below the directory ``rel`` (not itself), depth first, byte order,
        symlinks not followed."""
        for name in self.names(rel):
            child = f"{rel}/{name}" if rel else name
            found = self.entry(child)
            if found is None:
                continue
            yield found
            if stat.S_ISDIR(found.st.st_mode):
                yield from self.walk(child)

    def glob(self, pattern: str) -> list[str]:
        """The clean paths matching ``pattern`` (Go's filepath.Match per component,
        dotfiles included), sorted; a pattern without wildcards is itself, unchecked."""
        parts = [p for p in pattern.split("/") if p not in ("", ".")]
        if not any(_MAGIC.search(p) for p in parts):
            return ["/".join(parts)]
        found = [""]
        for part in parts:
            nxt: list[str] = []
            for base in found:
                if not _MAGIC.search(part):
                    nxt.append(f"{base}/{part}" if base else part)
                    continue
                try:
                    where = self.resolve(base)
                except NotFound:
                    continue
                entry = self.entry(where)
                if entry is None or not stat.S_ISDIR(entry.st.st_mode):
                    continue
                nxt += [f"{base}/{n}" if base else n for n in self.names(where)
                        if fnmatch.fnmatchcase(n, part)]
            found = nxt
        return sorted(p for p in found if self._exists(p))

    def _exists(self, rel: str) -> bool:
        try:
            self.resolve(rel, follow_last=False)
        except NotFound:
            return False
        return True

    def open(self, entry: Entry) -> int:
        """A read-only fd of the regular file ``entry``, never following a link."""
        return os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
