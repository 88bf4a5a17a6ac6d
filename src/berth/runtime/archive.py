"""Files in and out of a container (``docker cp``), seen the way the container sees them.

Forked from the single-threaded supervisor. For a running container the child
enters the mount namespace of its init, whose root is the container's root
(volumes and tmpfs included); for a stopped one it makes a private mount
namespace, mounts the container's overlay and its bind mounts, and chroots
there. Either way every path, ``..`` and symlink resolves inside the
container, so an archive cannot write outside it. The child speaks straight
over the connection it is handed: a JSON header line, then for ``get`` the
tar of the path, for ``put`` it reads a tar and extracts it.
"""

import json
import os
import socket
import stat
import tarfile
from typing import Any

from berth.runtime import rootfs
from berth.runtime.linux import sys as lx
from berth.util.timefmt import rfc3339_of

# Go's os.FileMode bits, as docker's X-Docker-Container-Path-Stat carries them
_GO_DIR, _GO_SYMLINK, _GO_DEVICE = 1 << 31, 1 << 27, 1 << 26
_GO_PIPE, _GO_SOCKET, _GO_SETUID, _GO_SETGID = 1 << 25, 1 << 24, 1 << 23, 1 << 22
_GO_CHAR, _GO_STICKY = 1 << 21, 1 << 20


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


def _header(sock: socket.socket, value: dict[str, Any]) -> None:
    sock.sendall(json.dumps(value).encode() + b"\n")


def serve(sock: socket.socket, mode: str, path: str, no_overwrite_dir_non_dir: bool) -> None:
    """Inside the container's root: answer one stat/get/put on ``sock``."""
    try:
        if mode == "put":
            try:
                _put(sock, path, no_overwrite_dir_non_dir)
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
            tar.add(path, arcname=base, recursive=True)


def _put(sock: socket.socket, path: str, no_overwrite_dir_non_dir: bool) -> None:
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
            # the root is the container's: nothing in the tar can reach the host
            tar.extract(member, path, set_attrs=True, filter="fully_trusted")
    _header(sock, {"done": True})
