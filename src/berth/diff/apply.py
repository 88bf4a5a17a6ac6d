"""Apply a layer tar to a directory, never writing outside it.

The layer is a stream (uncompressed or gzip). Names are cleaned and kept
inside the target: absolute names are taken relative to it and a name that
climbs out with ``..`` is refused. No parent directory may be a symlink (the
tar could have planted one pointing at ``/etc``), regular files are opened
with ``O_NOFOLLOW``, hard links must name a file inside the target. Whiteouts
become overlayfs whiteouts (a 0:0 character device) and opaque directories
get ``trusted.overlay.opaque=y``, so each layer can be a lower dir as is.
"""

import os
import stat
import tarfile
from pathlib import Path
from typing import IO

from berth.errors import InvalidArgument

WHITEOUT_PREFIX = ".wh."
OPAQUE = ".wh..wh..opq"


def clean_name(name: str) -> str:
    """The member's path relative to the root, or raise when it leaves it."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise InvalidArgument(f"layer contains an unsafe path: {name!r} leaves the root")
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _check_parents(root: str, rel: str) -> str:
    """Create missing parents; refuse a parent that is not a real directory."""
    path = root
    parts = rel.split("/")
    for part in parts[:-1]:
        path = os.path.join(path, part)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            os.mkdir(path, 0o755)
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise InvalidArgument(
                f"layer contains an unsafe path: a parent of {rel!r} is not a directory")
    return os.path.join(root, rel)


def _remove(path: str) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        import shutil

        shutil.rmtree(path)
    else:
        os.unlink(path)


def apply_layer(stream: IO[bytes], target: Path) -> int:
    """Unpack the layer into ``target``; returns the bytes of file content written."""
    root = str(target)
    dir_times: list[tuple[str, float]] = []
    written = 0
    try:
        tar = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115 - closed below
    except (tarfile.TarError, EOFError, OSError) as e:
        raise InvalidArgument(f"not a valid layer tar: {e}") from None
    try:
        for member in tar:
            written += _apply_member(tar, member, root, dir_times)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise InvalidArgument(f"not a valid layer tar: {e}") from None
    finally:
        tar.close()
    for path, mtime in reversed(dir_times):
        os.utime(path, (mtime, mtime), follow_symlinks=False)
    return written


def _apply_member(tar: tarfile.TarFile, m: tarfile.TarInfo, root: str,
                  dir_times: list[tuple[str, float]]) -> int:
    rel = clean_name(m.name)
    if not rel:
        return 0  # the root itself: keep the target's own mode
    base = os.path.basename(rel)
    if base == OPAQUE:
        parent = _check_parents(root, rel)
        directory = os.path.dirname(parent)
        for entry in os.listdir(directory):
            _remove(os.path.join(directory, entry))
        os.setxattr(directory, "trusted.overlay.opaque", b"y")
        return 0
    if base.startswith(WHITEOUT_PREFIX):
        hidden = base[len(WHITEOUT_PREFIX):]
        if hidden in ("", ".", ".."):
            raise InvalidArgument(f"layer contains an invalid whiteout: {m.name!r}")
        path = _check_parents(root, os.path.join(os.path.dirname(rel), hidden))
        _remove(path)
        os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        return 0
    path = _check_parents(root, rel)
    written = 0
    if m.isdir():
        try:
            st = os.lstat(path)
            if not stat.S_ISDIR(st.st_mode):
                _remove(path)
                os.mkdir(path, 0o700)
        except FileNotFoundError:
            os.mkdir(path, 0o700)
        dir_times.append((path, m.mtime))
    else:
        _remove(path)
        if m.isreg():
            src = tar.extractfile(m)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                assert src is not None
                while chunk := src.read(1 << 20):
                    out.write(chunk)
                    written += len(chunk)
        elif m.issym():
            os.symlink(m.linkname, path)
        elif m.islnk():
            link_rel = clean_name(m.linkname)
            source = _check_parents(root, link_rel)
            if not os.path.lexists(source):
                raise InvalidArgument(f"layer contains a hard link to a missing file: {m.name!r}")
            os.link(source, path, follow_symlinks=False)
            return 0
        elif m.ischr() or m.isblk():
            kind = stat.S_IFCHR if m.ischr() else stat.S_IFBLK
            os.mknod(path, kind | (m.mode & 0o7777), os.makedev(m.devmajor, m.devminor))
        elif m.isfifo():
            os.mkfifo(path, m.mode & 0o7777)
        else:
            return 0
    os.lchown(path, m.uid, m.gid)
    if not m.issym():
        os.chmod(path, m.mode & 0o7777)
    for key, value in (m.pax_headers or {}).items():
        if key.startswith("SCHILY.xattr."):
            try:
                raw = value.encode("utf-8", "surrogateescape")
                os.setxattr(path, key[len("SCHILY.xattr."):], raw, follow_symlinks=False)
            except OSError:
                pass
    if not m.isdir():
        os.utime(path, (m.mtime, m.mtime), follow_symlinks=False)
    return written
