"""COPY and ADD: which files go where, their cache digest, and the tar that carries them.

docker's rules (the legacy builder's): sources are globbed in their tree; a
directory source copies its *contents*; a file goes to ``dest/<name>`` when
``dest`` ends in ``/`` or is a directory in the image, else to ``dest`` itself;
several sources need a ``dest`` ending in ``/``. Files keep their mode and
mtime, and belong to 0:0 unless ``--chown`` names an owner (resolved in the
image's own /etc/passwd and /etc/group, read from its layers, never through the
host's NSS); ``--chmod`` sets the mode of every file and directory copied.

The digest covers what a copy makes (names, types, modes, owners, sizes, link
targets and file contents; not mtimes, as docker's does not): it is the COPY's
part of the cache key. The tar is written to the step's root by the executor,
which resolves every name inside that root.
"""

import hashlib
import os
import stat
import tarfile
import time
from dataclasses import dataclass
from typing import BinaryIO

from berth.builder.sources import Entry, Tree
from berth.errors import InvalidArgument, NotFound

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Item:
    name: str  # where it goes in the step's root, no leading "/"
    entry: Entry | None  # None: a directory the copy makes (dest or a missing parent)
    tree: Tree | None = None


@dataclass(frozen=True, slots=True)
class CopyPlan:
    items: tuple[Item, ...]
    owner: tuple[int, int] | None  # --chown; 0:0 without
    mode: int | None  # --chmod

    def digest(self) -> str:
        """The cache digest of what the copy makes (mtimes left out, as docker does)."""
        h = hashlib.sha256()
        uid, gid = self.owner or (0, 0)
        for item in self.items:
            if item.entry is None:
                h.update(f"D {item.name} {uid}:{gid}\n".encode())
                continue
            st = item.entry.st
            mode = self._mode(st)
            line = f"{_kind(st)} {item.name} {mode:o} {uid}:{gid} {st.st_size}"
            if stat.S_ISLNK(st.st_mode):
                line += " -> " + os.readlink(item.entry.path)
            h.update(line.encode() + b"\n")
            if stat.S_ISREG(st.st_mode) and item.tree is not None:
                fd = item.tree.open(item.entry)
                try:
                    while data := os.read(fd, _CHUNK):
                        h.update(data)
                finally:
                    os.close(fd)
        return "sha256:" + h.hexdigest()

    def _mode(self, st: os.stat_result) -> int:
        if self.mode is not None and not stat.S_ISLNK(st.st_mode):
            return self.mode
        return stat.S_IMODE(st.st_mode)

    def write_tar(self, out: BinaryIO) -> None:
        uid, gid = self.owner or (0, 0)
        now = int(time.time())
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for item in self.items:
                info = tarfile.TarInfo(item.name)
                info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
                if item.entry is None:
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, self.mode or 0o755, now
                    tar.addfile(info)
                    continue
                st = item.entry.st
                info.mode, info.mtime = self._mode(st), int(st.st_mtime)
                if stat.S_ISDIR(st.st_mode):
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                elif stat.S_ISLNK(st.st_mode):
                    info.type, info.linkname = tarfile.SYMTYPE, os.readlink(item.entry.path)
                    tar.addfile(info)
                elif stat.S_ISREG(st.st_mode) and item.tree is not None:
                    info.size = st.st_size
                    with os.fdopen(item.tree.open(item.entry), "rb") as f:
                        tar.addfile(info, f)
                # fifos, sockets and devices of a context are not copied


def _kind(st: os.stat_result) -> str:
    if stat.S_ISDIR(st.st_mode):
        return "d"
    if stat.S_ISLNK(st.st_mode):
        return "l"
    return "f" if stat.S_ISREG(st.st_mode) else "o"


@dataclass(frozen=True, slots=True)
class Source:
    """One source after globbing: its clean path in its tree, resolved."""

    tree: Tree
    rel: str
    entry: Entry


def find_sources(tree: Tree, patterns: list[str], ignored: "Ignored", keyword: str,
                 from_context: bool) -> list[Source]:
    """Every source the patterns name (docker's errors when one names nothing)."""
    out: list[Source] = []
    for pattern in patterns:
        matches = [m for m in tree.glob(pattern) if not (from_context and ignored(m))]
        wildcard = matches != [pattern.strip("/").removeprefix("./")] or "*" in pattern
        found = 0
        for rel in matches:
            try:
                resolved = tree.resolve(rel)
            except NotFound:
                continue
            entry = tree.entry(resolved)
            if entry is None:
                continue
            out.append(Source(tree, resolved, entry))
            found += 1
        if not found and not wildcard:
            where = "build context or excluded by .dockerignore" if from_context \
                else "from stage or image"
            raise NotFound(f"{keyword} failed: file not found in {where}: stat {pattern}: "
                           "file does not exist")
    if not out:
        raise NotFound(f"{keyword} failed: no source files were specified")
    return out


class Ignored:
    """Whether a context path is excluded by .dockerignore (``berth.builder.dockerignore``)."""

    def __call__(self, rel: str) -> bool:
        return False


def dest_items(image: Tree, dest: str) -> list[Item]:
    """The directories a copy to ``dest`` (a directory, clean, no leading "/") makes:
    each component not already in the image."""
    items: list[Item] = []
    parts = [p for p in image.resolve(dest, missing_ok=True).split("/") if p]
    for i in range(1, len(parts) + 1):
        rel = "/".join(parts[:i])
        try:
            resolved = image.resolve(rel)
        except NotFound:
            items.append(Item(rel, None))
            continue
        entry = image.entry(resolved)
        if entry is not None and not stat.S_ISDIR(entry.st.st_mode):
            raise InvalidArgument(f"cannot copy to {'/' + rel}: not a directory")
    return items


def plan(sources: list[Source], dest: str, image: Tree, keyword: str,
         owner: tuple[int, int] | None, mode: int | None) -> CopyPlan:
    """What the copy writes (``dest`` absolute, its trailing slash kept)."""
    dir_dest = dest.endswith("/") or dest.endswith("/.") or dest == "/"
    # where the copy lands: the image's symlinks followed inside it (docker's
    # FollowSymlinkInScope), the missing rest made there
    clean = image.resolve(dest, missing_ok=True)
    if len(sources) > 1 and not dir_dest:
        raise InvalidArgument(f"When using {keyword} with more than one source file, the "
                              "destination must be a directory and end with a /")
    if not dir_dest and clean:
        try:
            found = image.entry(image.resolve(clean))
            dir_dest = found is not None and stat.S_ISDIR(found.st.st_mode)
        except NotFound:
            pass
    items: list[Item] = []
    made: set[str] = set()

    def mkdirs(rel: str) -> None:
        for item in dest_items(image, rel):
            if item.name not in made:
                made.add(item.name)
                items.append(item)

    for src in sources:
        if stat.S_ISDIR(src.entry.st.st_mode):
            mkdirs(clean)
            for entry in src.tree.walk(src.rel):
                tail = entry.rel[len(src.rel):].lstrip("/") if src.rel else entry.rel
                items.append(Item(f"{clean}/{tail}" if clean else tail, entry, src.tree))
            continue
        name = os.path.basename(src.rel) if src.rel else ""
        target = (f"{clean}/{name}" if clean else name) if dir_dest else clean
        if not target:
            raise InvalidArgument(f"{keyword}: cannot copy a file to /")
        parent = target.rpartition("/")[0]
        if parent:
            mkdirs(parent)
        items.append(Item(target, src.entry, src.tree))
    return CopyPlan(tuple(items), owner, mode)


def parse_chmod(text: str) -> int:
    try:
        value = int(text, 8)
    except ValueError:
        raise InvalidArgument(f"invalid chmod parameter: {text}") from None
    if value < 0 or value > 0o7777:
        raise InvalidArgument(f"invalid chmod parameter: {text}")
    return value


def _lookup(image: Tree, path: str, name: str, field: int) -> int | None:
    """The id of ``name`` in the image's passwd or group file, None when absent."""
    try:
        entry = image.entry(image.resolve(path))
    except NotFound:
        return None
    if entry is None or not stat.S_ISREG(entry.st.st_mode) or entry.st.st_size > 16 << 20:
        return None
    with os.fdopen(image.open(entry), "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            fields = line.split(":")
            if len(fields) > field and fields[0] == name:
                try:
                    return int(fields[field])
                except ValueError:
                    return None
    return None


def parse_chown(text: str, image: Tree) -> tuple[int, int]:
    """``--chown=user[:group]``, names resolved in the image; without a group, the
    group id is the user id (the Dockerfile reference's rule)."""
    user, _, group = text.partition(":")
    uid = int(user) if user.isdigit() else _lookup(image, "etc/passwd", user, 2)
    if uid is None:
        raise InvalidArgument("unable to convert uid/gid chown string to host mapping: "
                              f"can't find uid for user {user}: no such user: {user}")
    if not group:
        return uid, uid
    gid = int(group) if group.isdigit() else _lookup(image, "etc/group", group, 2)
    if gid is None:
        raise InvalidArgument("unable to convert uid/gid chown string to host mapping: "
                              f"can't find gid for group {group}: no such group: {group}")
    return uid, gid
