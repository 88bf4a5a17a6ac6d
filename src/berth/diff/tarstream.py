"""Tar streams written from directory entries, hashed in the same pass.

The format is docker's (moby's ``archive`` package): USTAR headers, PAX
records only where USTAR cannot hold a value (long or non-ASCII names, big
sizes, xattrs as ``SCHILY.xattr.<name>``), whole-second mtimes, no user or
group names (ids only), directories named with a trailing ``/``, hard links
to the first name of an inode seen, and two zero blocks at the end (no
padding to a record size). The sha256 of the bytes written is the tar's
diff_id.

A file that changes while it is read (a container not paused) still makes a
well-formed tar: exactly the size in its header is written, zero-padded when
the file shrank.
"""

import hashlib
import os
import stat
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

BLOCK = 512
_CHUNK = 1 << 20
_TYPES = {stat.S_IFREG: tarfile.REGTYPE, stat.S_IFDIR: tarfile.DIRTYPE,
          stat.S_IFLNK: tarfile.SYMTYPE, stat.S_IFCHR: tarfile.CHRTYPE,
          stat.S_IFBLK: tarfile.BLKTYPE, stat.S_IFIFO: tarfile.FIFOTYPE}


class Sink(Protocol):
    def write(self, data: bytes | bytearray | memoryview, /) -> object: ...


@dataclass(frozen=True, slots=True)
class Written:
    diff_id: str  # sha256 of the tar
    tar_size: int  # bytes of the tar
    size: int  # bytes of its content: regular files (hard links once) and symlink targets
    entries: int  # tar entries (0: nothing changed, an empty layer)


def mtime_of(st: os.stat_result) -> int:
    """docker's tar mtime: the second, truncated."""
    return st.st_mtime_ns // 1_000_000_000


def tar_type(st: os.stat_result) -> bytes | None:
    """The tar type of an entry; None for what a tar cannot hold (sockets)."""
    return _TYPES.get(stat.S_IFMT(st.st_mode))


class TarWriter:
    def __init__(self, out: Sink) -> None:
        self._out = out
        self._hash = hashlib.sha256()
        self._tar_size = 0
        self._size = 0
        self._entries = 0
        self._links: dict[tuple[int, int], str] = {}
        self._buf = bytearray(_CHUNK)

    def _write(self, data: bytes | bytearray | memoryview) -> None:
        self._out.write(data)
        self._hash.update(data)
        self._tar_size += len(data)

    # -- headers ----------------------------------------------------------

    def header(self, name: str, st: os.stat_result, kind: bytes, *, size: int = 0,
               linkname: str = "", xattrs: dict[str, bytes] | None = None,
               mode: int | None = None) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = stat.S_IMODE(st.st_mode) if mode is None else mode
        info.uid, info.gid = st.st_uid, st.st_gid
        info.uname = info.gname = ""
        info.mtime = mtime_of(st)
        info.size = size
        info.linkname = linkname
        if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        if xattrs:
            info.pax_headers = {f"SCHILY.xattr.{k}": v.decode("utf-8", "surrogateescape")
                                for k, v in xattrs.items()}
        self._write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        self._entries += 1

    def hardlink_target(self, name: str, st: os.stat_result) -> str | None:
        """For a regular file with other names: the name it was first written under
        (write a hard link to it), else None (write it, it is now that first name)."""
        if st.st_nlink < 2:
            return None
        key = (st.st_dev, st.st_ino)
        first = self._links.get(key)
        if first is None:
            self._links[key] = name
        return first

    def symlink(self, name: str, st: os.stat_result, target: str,
                xattrs: dict[str, bytes] | None = None) -> None:
        self.header(name, st, tarfile.SYMTYPE, linkname=target, xattrs=xattrs)
        self._size += len(os.fsencode(target))

    # -- data -------------------------------------------------------------

    def file(self, name: str, st: os.stat_result, src: int, xattrs: dict[str, bytes] | None,
             also: Callable[[memoryview], None] | None = None) -> None:
        """A regular file's header and ``st.st_size`` bytes read from the fd ``src``, each
        piece also given to ``also`` (valid during the call only) when set."""
        size = st.st_size
        self.header(name, st, tarfile.REGTYPE, size=size, xattrs=xattrs)
        view = memoryview(self._buf)
        left = size
        while left:
            n = os.readv(src, [view[:min(left, _CHUNK)]])
            if n == 0:  # the file shrank meanwhile
                n = min(left, _CHUNK)
                view[:n] = bytes(n)
            chunk = view[:n]
            self._write(chunk)
            if also is not None:
                also(chunk)
            left -= n
        self._size += size
        if size % BLOCK:
            self._write(bytes(BLOCK - size % BLOCK))

    def close(self) -> Written:
        """The end of the archive (two zero blocks); what was written."""
        self._write(bytes(2 * BLOCK))
        return Written("sha256:" + self._hash.hexdigest(), self._tar_size, self._size,
                       self._entries)

