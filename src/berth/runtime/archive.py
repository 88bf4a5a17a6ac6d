"""Files in and out of a container (``docker cp``), seen the way the container sees them.

Forked from the single-threaded supervisor. For a running container the child
enters the mount namespace of its init, whose root is the container's root
(volumes and tmpfs included); for a stopped one it makes a private mount
namespace, mounts the container's overlay and its bind mounts, and chroots
there. Either way every path, ``..`` and symlink resolves inside the
container, so an archive cannot write outside it. The child speaks straight
over the connection it is handed: a JSON header line, then for ``get`` the
tar of the path, for ``put`` it reads a tar and extracts it.

The child runs host code as host root inside a root the image made, so it
loads nothing from there and keeps no more power than its copy needs
(CVE-2019-14271: docker's cp helper loaded the image's ``libnss_*.so``):

- no user or group name is ever resolved: glibc would read the container's
  ``/etc/nsswitch.conf`` and load its NSS modules. A tar written here carries
  numeric ids only, as docker 23+ writes them (moby's ``FileInfoHeaderNoLookups``;
  dockerd 20.10 still names the ids it resolves), and one
  extracted here is owned by its headers' numbers, as docker extracts it;
- once inside, it keeps only the capabilities of its mode (reading any file;
  writing one with any owner and mode), with an emptied bounding set and
  ``no_new_privs``: nothing it could be made to run would gain more.

Every path resolves inside the container's root, so a symlink swapped in
meanwhile (CVE-2018-15664) only ever names another file of the container.
"""

import json
import os
import socket
import stat
import tarfile
from typing import Any

from berth.oci.defaults import CAPABILITY_NUMBERS
from berth.runtime import rootfs, users
from berth.runtime.linux import sys as lx
from berth.util.timefmt import rfc3339_of

# Go's os.FileMode bits, as docker's X-Docker-Container-Path-Stat carries them
_GO_DIR, _GO_SYMLINK, _GO_DEVICE = 1 << 31, 1 << 27, 1 << 26
_GO_PIPE, _GO_SOCKET, _GO_SETUID, _GO_SETGID = 1 << 25, 1 << 24, 1 << 23, 1 << 22
_GO_CHAR, _GO_STICKY = 1 << 21, 1 << 20
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_TAR_TYPES = {stat.S_IFREG: tarfile.REGTYPE, stat.S_IFDIR: tarfile.DIRTYPE,
              stat.S_IFLNK: tarfile.SYMTYPE, stat.S_IFCHR: tarfile.CHRTYPE,
              stat.S_IFBLK: tarfile.BLKTYPE, stat.S_IFIFO: tarfile.FIFOTYPE}
# What each mode needs once inside: stat and get read any file, put makes files of
# any owner and mode (device nodes included) and sets their times.
_READ = ("CAP_DAC_READ_SEARCH",)
_CAPS = {"stat": _READ, "get": _READ,
         "put": (*_READ, "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
                 "CAP_MKNOD")}


def go_mode(st_mode: int) -> int:
    mode = st_mode & 0o777
    kind = stat.S_IFMT(st_mode)
    mode |= {stat.S_IFDIR: _GO_DIR, stat.S_IFLNK: _GO_SYMLINK, stat.S_IFIFO: _GO_PIPE,
             stat.S_IFSOCK: _GO_SOCKET, stat.S_IFBLK: _GO_DEVICE,
             stat.S_IFCHR: _GO_DEVICE | _GO_CHAR}.get(kind, 0)
    if st_mode & stat.S_ISUID:
        mode |= _GO_SETUID
    if st_mode & stat.S_ISGID:
        mode |= _GO_SETGID
    if st_mode & stat.S_ISVTX:
        mode |= _GO_STICKY
    return mode


def path_stat(path: str) -> dict[str, Any]:
    """docker's ContainerPathStat of ``path`` (a symlink described, not followed)."""
    st = os.lstat(path)
    link = ""
    if stat.S_ISLNK(st.st_mode):
        link = os.readlink(path)
    return {"name": os.path.basename(path.rstrip("/")) or "/", "size": st.st_size,
            "mode": go_mode(st.st_mode), "mtime": rfc3339_of(st.st_mtime), "linkTarget": link}


def enter(init_pid: int | None, rootfs_mounts: list[dict[str, Any]], root: str,
          binds: list[dict[str, Any]]) -> None:
    """Make ``/`` the container's root for this (forked) process."""
    if init_pid:
        fd = os.open(f"/proc/{init_pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        try:
            lx.setns(fd, lx.CLONE_NEWNS)
        finally:
            os.close(fd)
        os.chdir("/")
        return
    lx.unshare(lx.CLONE_NEWNS)
    rootfs.mount_rootfs(root, rootfs_mounts)
    rootfs.mount_spec_mounts(root, binds)
    os.chroot(root)
    os.chdir("/")


class _SocketWriter:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> int:
        self.sock.sendall(data)
        return len(data)


class _SocketReader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def read(self, size: int = -1) -> bytes:
        return self.sock.recv(size if size > 0 else 1 << 16)


def confine(mode: str) -> None:
    """Keep only the capabilities ``mode`` needs, for good (bounding set, no_new_privs)."""
    keep = 0
    for name in _CAPS.get(mode, ()):
        keep |= 1 << CAPABILITY_NUMBERS[name]
    for cap in range(lx.last_cap() + 1):
        if not keep & (1 << cap):
            lx.capbset_drop(cap)
    lx.prctl(lx.PR_SET_NO_NEW_PRIVS, 1)
    lx.capset(keep, keep, 0)


def _tarinfo(path: str, arcname: str, st: os.stat_result,
             links: dict[tuple[int, int], str]) -> tarfile.TarInfo | None:
    """The entry's header with ids only (``TarFile.gettarinfo`` would look their names
    up: NSS in the container's root); None for what a tar cannot hold (a socket)."""
    kind = _TAR_TYPES.get(stat.S_IFMT(st.st_mode))
    if kind is None:
        return None
    info = tarfile.TarInfo(arcname)
    info.type = kind
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.uname = info.gname = ""
    info.mtime = int(st.st_mtime)
    if kind == tarfile.REGTYPE:
        first = links.setdefault((st.st_dev, st.st_ino), arcname) if st.st_nlink > 1 else None
        if first is not None and first != arcname:
            info.type, info.linkname = tarfile.LNKTYPE, first
        else:
            info.size = st.st_size
    elif kind == tarfile.SYMTYPE:
        info.linkname = os.readlink(path)
    elif kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    return info


def _add(tar: tarfile.TarFile, path: str, arcname: str,
         links: dict[tuple[int, int], str]) -> None:
    """``path`` and, for a directory, what is inside, in byte order (docker's order)."""
    st = os.lstat(path)
    info = _tarinfo(path, arcname, st, links)
    if info is None:
        return
    if info.type == tarfile.REGTYPE:
        with open(os.open(path, _OPEN_FILE), "rb") as f:
            tar.addfile(info, f)
        return
    tar.addfile(info)
    if info.type == tarfile.DIRTYPE:
        for name in sorted(os.listdir(path), key=os.fsencode):
            _add(tar, os.path.join(path, name), f"{arcname}/{name}", links)


def _header(sock: socket.socket, value: dict[str, Any]) -> None:
    sock.sendall(json.dumps(value).encode() + b"\n")


def serve(sock: socket.socket, mode: str, path: str, no_overwrite_dir_non_dir: bool,
          owner: str = "") -> None:
    """Inside the container's root: answer one stat/get/put on ``sock``; ``owner`` (a put
    of ``cp -a`` to a container with a user): who owns what is extracted."""
    confine(mode)
    try:
        if mode == "put":
            try:
                _put(sock, path, no_overwrite_dir_non_dir, owner)
            except (OSError, tarfile.TarError, EOFError) as e:
                detail = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                _header(sock, {"error": "invalid", "message": f"extracting to {path}: {detail}"})
            return
        info = path_stat(path)
    except FileNotFoundError:
        _header(sock, {"error": "not_found", "message": f"Could not find the file {path} in "
                       "container"})
        return
    except (NotADirectoryError, PermissionError, OSError) as e:
        _header(sock, {"error": "invalid", "message": f"{path}: {e.strerror or e}"})
        return
    _header(sock, {"stat": info})
    if mode == "get":
        base = os.path.basename(os.path.normpath(path)) or "."
        with tarfile.open(fileobj=_SocketWriter(sock), mode="w|",  # type: ignore[call-overload]
                          format=tarfile.GNU_FORMAT) as tar:
            _add(tar, path, base, {})


def _put(sock: socket.socket, path: str, no_overwrite_dir_non_dir: bool,
         owner: str = "") -> None:
    ids = None
    if owner:  # the container's /etc/passwd and /etc/group, read as files
        user = users.resolve(owner)
        ids = (user.uid, user.gid)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        _header(sock, {"error": "not_found", "message": f"Could not find the file {path} in "
                       "container"})
        return
    if not stat.S_ISDIR(st.st_mode):
        _header(sock, {"error": "invalid", "message": "extraction point is not a directory"})
        return
    _header(sock, {"ready": True})
    with tarfile.open(fileobj=_SocketReader(sock), mode="r|*") as tar:  # type: ignore[call-overload]
        for member in tar:
            target = os.path.join(path, member.name)
            if no_overwrite_dir_non_dir and os.path.lexists(target):
                existing_dir = os.path.isdir(target) and not os.path.islink(target)
                if existing_dir != member.isdir():
                    raise IsADirectoryError(
                        f"cannot overwrite {'directory' if existing_dir else 'non-directory'} "
                        f"{target} with {'directory' if member.isdir() else 'non-directory'}")
            if ids is not None:
                member.uid, member.gid = ids
            # the root is the container's: nothing in the tar can reach the host; the
            # owners are the headers' numbers, never names looked up in the container
            tar.extract(member, path, set_attrs=True, numeric_owner=True,
                        filter="fully_trusted")
    _header(sock, {"done": True})
