"""Apply a layer tar to a directory, never writing outside it.

The layer is a stream, uncompressed or gzip (sniffed). Its diff_id (the sha256
of the uncompressed tar) is computed on the way, in the same single pass.

Safety (CVE-2014-6407, CVE-2014-9356, CVE-2018-15664 and their kin):

- names are cleaned like Go's ``filepath.Clean`` and taken relative to the
  target; a name that climbs out with ``..`` is refused;
- every parent of an entry must be a real directory (``lstat``), so a symlink
  planted by the tar (``a -> /etc``) is never followed to write ``a/passwd``;
- an entry is created fresh (the old one removed first, ``O_EXCL|O_NOFOLLOW``
  for files) and its metadata set through its own fd or without following;
- hard links must name an existing entry inside the target through real
  directories; the link is made to the entry itself, never through a symlink;
- ``trusted.overlay.*`` xattrs from the tar are dropped (they would forge
  whiteouts, opaque dirs or redirects);
- a layer cannot make more disk use than the bytes it carries: a sparse
  member (GNU or PAX) is written as its map says, data at its offsets and holes
  left holes, and a whole chunk of zeros in any file is left a hole too (as
  ``cp --sparse=always``), so neither a 2 MB tar with a sparse 1 GB file nor a
  small gzip of zeros fills the disk (dockerd writes both out in full). A
  sparse member whose size is past ``sparse_limit`` is refused before anything
  of it is written: every later reader of it (export, commit, cp) reads it in
  full.

Whiteouts: with ``whiteouts="overlay"`` (the default: each layer unpacked on
its own is an overlayfs lower dir) ``.wh.name`` becomes a 0:0 character
device and ``.wh..wh..opq`` sets ``trusted.overlay.opaque=y`` on its dir. With
``whiteouts="delete"`` (applying onto a copy of the lower layers) they remove
what they name; an opaque dir keeps only what this layer put in it.
"""

import os
import shutil
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, cast

from berth.diff.compression import HashingReader, Reader, decompressed
from berth.errors import InvalidArgument

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."
OPAQUE = ".wh..wh..opq"
_CHUNK = 1 << 20
_ZEROS = bytes(_CHUNK)
SPARSE_LIMIT = 16 << 30  # the largest sparse file a layer may make (its apparent size)
_TAR_BUFSIZE = 1 << 16
_TAR_ERRORS = (tarfile.TarError, EOFError, zlib.error)


@dataclass(frozen=True, slots=True)
class Applied:
    diff_id: str  # sha256 of the uncompressed tar
    tar_size: int  # bytes of the uncompressed tar
    size: int  # bytes unpacked: regular files (hard links once) and symlink targets
    compression: str  # "", "gzip" or "zstd"


def clean_name(name: str) -> str:
    """The member's path relative to the root, or InvalidArgument when it leaves it."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise InvalidArgument(f"invalid layer: unsafe path {name!r} is outside the root")
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def apply_layer(stream: Reader, target: Path,
                whiteouts: Literal["overlay", "delete"] = "overlay",
                sparse_limit: int = SPARSE_LIMIT) -> Applied:
    """Unpack the layer into ``target`` (an existing directory)."""
    raw, compression = decompressed(stream)
    reader = HashingReader(raw, keep=_TAR_BUFSIZE * 4)
    applier = _Applier(str(target), whiteouts, sparse_limit)
    try:
        tar = tarfile.open(fileobj=reader, mode="r|", bufsize=_TAR_BUFSIZE)  # type: ignore[call-overload]  # noqa: SIM115
    except _TAR_ERRORS as e:
        raise InvalidArgument(f"invalid tar header: not a tar archive ({e})") from None
    try:
        for member in tar:
            applier.apply(tar, member)
        _check_end(reader.since(tar.offset, 1024))
        reader.drain()
    except _TAR_ERRORS as e:
        raise InvalidArgument(f"invalid layer tar: {e}") from None
    finally:
        tar.close()
    applier.finish()
    return Applied(reader.digest, reader.size, applier.size, compression)


def _write_holes(src: IO[bytes], fd: int, m: tarfile.TarInfo) -> None:
    """The member's data into the fresh file ``fd``, holes left holes: a sparse member's
    data regions at their offsets (its holes are never read), and of the rest every
    whole chunk of zeros skipped; then the file is cut to its size."""
    sparse = cast("list[tuple[int, int]] | None", m.sparse)  # typeshed has it as int
    regions = [(offset, length) for offset, length in sparse or [(0, m.size)]
               if length > 0 and offset < m.size]
    # the unbuffered member under the buffer: it seeks without asking the stream (which
    # cannot seek back: regions are read in the map's order, stored in that order)
    raw = getattr(src, "raw", src)
    for offset, length in regions:
        raw.seek(offset)
        position, end = offset, min(offset + length, m.size)
        while position < end:
            chunk = raw.read(min(end - position, _CHUNK))
            if not chunk:
                raise EOFError(f"unexpected end of data in {m.name!r}")
            if chunk != _ZEROS[:len(chunk)]:
                os.pwrite(fd, chunk, position)
            position += len(chunk)
    os.ftruncate(fd, m.size)


def _check_end(rest: bytes) -> None:
    """Where tarfile stopped, an archive ends as Go's reader wants it.

    tarfile quietly stops at a truncated or garbled header; docker does not.
    The end is the end of the stream, or a zero block and then the end of the
    stream or a second zero block.
    """
    zero = bytes(512)
    if not rest or rest == zero or (len(rest) == 1024 and rest == zero * 2):
        return
    if len(rest) < 512 or (rest[:512] == zero and len(rest) < 1024):
        raise InvalidArgument("invalid layer tar: unexpected EOF")
    raise InvalidArgument("invalid layer tar: invalid tar header")


class _Applier:
    def __init__(self, root: str, whiteouts: str, sparse_limit: int) -> None:
        self.root = root
        self.overlay = whiteouts == "overlay"
        self.sparse_limit = sparse_limit
        self.size = 0
        self._dirs: set[str] = {""}  # relative dirs known to be real directories
        self._dir_times: list[tuple[str, float]] = []
        self._unpacked: set[str] = set()  # for opaque dirs in delete mode

    # -- paths --------------------------------------------------------------

    def _parent(self, rel: str, create: bool = True) -> str:
        """Make sure every parent of ``rel`` is a real directory; the absolute path."""
        parent = rel.rpartition("/")[0]
        if parent not in self._dirs:
            path = self.root
            sofar = ""
            for part in parent.split("/"):
                sofar = f"{sofar}/{part}" if sofar else part
                path = os.path.join(path, part)
                if sofar in self._dirs:
                    continue
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    if not create:
                        raise InvalidArgument(f"invalid layer: {rel!r} has no parent") from None
                    os.mkdir(path, 0o755)
                else:
                    if not stat.S_ISDIR(st.st_mode):
                        raise InvalidArgument(
                            f"invalid layer: unsafe path {rel!r}: a parent is not a "
                            f"directory (a symlink would be followed out of the root)")
                self._dirs.add(sofar)
        return os.path.join(self.root, rel)

    def _remove(self, rel: str, path: str) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)
            prefix = rel + "/"
            self._dirs = {d for d in self._dirs if d != rel and not d.startswith(prefix)}
        else:
            os.unlink(path)

    # -- members ------------------------------------------------------------

    def apply(self, tar: tarfile.TarFile, m: tarfile.TarInfo) -> None:
        rel = clean_name(m.name)
        if not rel:
            if m.isdir():
                self._metadata(self.root, m)
                self._dir_times.append((self.root, m.mtime))
            return
        if m.sparse is not None and m.size > self.sparse_limit:
            raise InvalidArgument(
                f"invalid layer: sparse file {m.name!r} of {m.size} bytes is over the limit "
                f"of {self.sparse_limit} bytes (what it would take to read it)")
        base = rel.rpartition("/")[2]
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(rel, base, m)
            return
        path = self._parent(rel)
        self._unpacked.add(rel)
        if m.isdir():
            self._dir(rel, path, m)
        elif m.isreg():
            self._remove(rel, path)
            self._file(tar, path, m)
        elif m.issym():
            self._remove(rel, path)
            os.symlink(m.linkname, path)
            self.size += len(m.linkname.encode())
            self._metadata(path, m)
        elif m.islnk():
            self._hardlink(rel, path, m)
        elif m.ischr() or m.isblk() or m.isfifo():
            self._remove(rel, path)
            kind = stat.S_IFCHR if m.ischr() else stat.S_IFBLK if m.isblk() else stat.S_IFIFO
            os.mknod(path, kind | 0o600, os.makedev(m.devmajor, m.devminor))
            self._metadata(path, m)
        # other types (GNU volume headers...) carry no file

    def _dir(self, rel: str, path: str, m: tarfile.TarInfo) -> None:
        try:
            st = os.lstat(path)
            if not stat.S_ISDIR(st.st_mode):
                self._remove(rel, path)
                os.mkdir(path, 0o700)
        except FileNotFoundError:
            os.mkdir(path, 0o700)
        self._dirs.add(rel)
        self._metadata(path, m)
        self._dir_times.append((path, m.mtime))

    def _file(self, tar: tarfile.TarFile, path: str, m: tarfile.TarInfo) -> None:
        src = tar.extractfile(m)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        try:
            if src is not None:
                _write_holes(src, fd, m)
            os.fchown(fd, m.uid, m.gid)
            os.fchmod(fd, m.mode & 0o7777)  # after chown, which clears setuid bits
            self._xattrs(fd, m)
            os.utime(fd, (m.mtime, m.mtime))
        finally:
            os.close(fd)
        self.size += m.size

    def _hardlink(self, rel: str, path: str, m: tarfile.TarInfo) -> None:
        source_rel = clean_name(m.linkname)
        if not source_rel:
            raise InvalidArgument(f"invalid layer: hard link {m.name!r} to the root")
        source = self._parent(source_rel, create=False)
        try:
            st = os.lstat(source)
        except FileNotFoundError:
            raise InvalidArgument(
                f"invalid layer: hard link {m.name!r} to a missing {m.linkname!r}") from None
        if stat.S_ISDIR(st.st_mode):
            raise InvalidArgument(f"invalid layer: hard link {m.name!r} to a directory")
        if source_rel == rel:
            return
        self._remove(rel, path)
        os.link(source, path, follow_symlinks=False)

    def _whiteout(self, rel: str, base: str, m: tarfile.TarInfo) -> None:
        parent_rel = rel.rpartition("/")[0]
        if base == OPAQUE:
            self._parent(rel)
            directory = os.path.join(self.root, parent_rel)
            if self.overlay:
                os.setxattr(directory, "trusted.overlay.opaque", b"y")
                return
            prefix = parent_rel + "/" if parent_rel else ""
            for entry in os.listdir(directory):
                child = prefix + entry
                if child not in self._unpacked:
                    self._remove(child, os.path.join(directory, entry))
            return
        if base.startswith(WHITEOUT_META_PREFIX):
            return  # aufs metadata (.wh..wh.plnk, .wh..wh.aufs): nothing to unpack
        hidden = base[len(WHITEOUT_PREFIX):]
        if hidden in ("", ".", ".."):
            raise InvalidArgument(f"invalid layer: bad whiteout {m.name!r}")
        hidden_rel = f"{parent_rel}/{hidden}" if parent_rel else hidden
        path = self._parent(hidden_rel)
        self._remove(hidden_rel, path)
        if self.overlay:
            os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
            os.lchown(path, m.uid, m.gid)

    # -- metadata -----------------------------------------------------------

    def _metadata(self, path: str, m: tarfile.TarInfo) -> None:
        os.lchown(path, m.uid, m.gid)
        if not m.issym():
            os.chmod(path, m.mode & 0o7777)  # path is a fresh non-symlink with real parents
        self._xattrs(path, m)
        if not m.isdir():
            os.utime(path, (m.mtime, m.mtime), follow_symlinks=False)

    def _xattrs(self, target: int | str, m: tarfile.TarInfo) -> None:
        for key, value in (m.pax_headers or {}).items():
            if not key.startswith("SCHILY.xattr."):
                continue
            name = key[len("SCHILY.xattr."):]
            if name.startswith("trusted.overlay."):
                continue
            raw = value.encode("utf-8", "surrogateescape")
            try:
                if isinstance(target, int):
                    os.setxattr(target, name, raw)
                else:
                    os.setxattr(target, name, raw, follow_symlinks=False)
            except OSError:
                pass  # e.g. user.* on a symlink, or a filesystem without xattrs

    def finish(self) -> None:
        """Directory mtimes last (entries created in them changed them), deepest first."""
        for path, mtime in reversed(self._dir_times):
            os.utime(path, (mtime, mtime), follow_symlinks=False)
