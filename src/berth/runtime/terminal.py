"""The container's terminal, made as runc makes it.

A pty of the container's own devpts instance (``/dev/pts``, mounted
``newinstance,ptmxmode=0666``), allocated inside the container after its
mounts (PID 1: after ``pivot_root``; an exec: after it joined the mount
namespace), so its slave is ``/dev/pts/N`` there and programs that look their
terminal up by name (``tty``, ``ssh``, ``sudo``, ``script``) find it. The
master goes back to the supervisor over a unix socket (SCM_RIGHTS), which
holds it for attach, resize and live restore; for PID 1 the slave is also
bound on ``/dev/console``, as under Docker.

Everything here runs in the container's mount namespace, so no path is looked
up in the host's tree; what the container could have planted (a symlink or
another device at ``/dev/pts/ptmx`` for an exec) is refused by checking the
opened file itself.
"""

import fcntl
import os
import socket
import stat
import struct

from berth.runtime.linux import sys as lx

PTMX = "/dev/pts/ptmx"
CONSOLE = "/dev/console"

# asm-generic ioctl numbers (x86_64 and aarch64 alike).
_TIOCSPTLCK = 0x40045431  # _IOW('T', 0x31, int): lock (1) or unlock (0) the slave
_TIOCGPTPEER = 0x5441  # _IO('T', 0x41): open the slave from the master (Linux 4.13)
_PTMX_RDEV = os.makedev(5, 2)
_NULL_RDEV = os.makedev(1, 3)


def open_pty() -> tuple[int, int]:
    """(master, slave) of a new pty of the devpts at ``/dev/pts``; both close-on-exec."""
    master = os.open(PTMX, os.O_RDWR | os.O_NOCTTY | os.O_NOFOLLOW | os.O_CLOEXEC
                     | os.O_NONBLOCK)
    try:
        check_master(master)
        os.set_blocking(master, True)
        fcntl.ioctl(master, _TIOCSPTLCK, struct.pack("i", 0))  # by pointer
        slave = fcntl.ioctl(master, _TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except BaseException:
        os.close(master)
        raise
    return master, int(slave)


def check_master(fd: int) -> None:
    """Refuse anything but a pty master (``/dev/pts/ptmx`` opened: char 5:2)."""
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or st.st_rdev != _PTMX_RDEV:
        raise OSError(0, "not a pty multiplexer", PTMX)


def send_master(sock: socket.socket, master: int) -> None:
    """Hand the master to the supervisor (which keeps it) and forget both."""
    try:
        socket.send_fds(sock, [b"m"], [master])
    finally:
        os.close(master)
        sock.close()


def receive_master(sock: socket.socket) -> int:
    """The master the container's init or exec sent; refused unless it is one."""
    _, fds, _, _ = socket.recv_fds(sock, 1, 1)
    if not fds:
        raise OSError(0, "no terminal came back from the container")
    try:
        check_master(fds[0])
    except BaseException:
        os.close(fds[0])
        raise
    os.set_inheritable(fds[0], False)
    return fds[0]


def bind_console(slave: int) -> None:
    """Bind the pty's slave on ``/dev/console`` (runc's mountConsole), by fd both
    ways: the mount point is made as a plain file, never followed if a link."""
    try:
        st = os.lstat(CONSOLE)
    except FileNotFoundError:
        st = None
    if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        os.unlink(CONSOLE)  # a link or anything else the image had there
        st = None
    if st is None:
        os.close(os.open(CONSOLE, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, 0o600))
    target = os.open(CONSOLE, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        lx.mount(f"/proc/self/fd/{slave}", f"/proc/self/fd/{target}", None, lx.MS_BIND)
    finally:
        os.close(target)


def own_stdio(uid: int) -> None:
    """Give stdio to the user the program runs as (runc's fixStdioPermissions), so it
    can reopen its terminal or pipes by name (``/dev/stdout``, ``/dev/pts/0``);
    ``/dev/null`` and what it already owns stay as they are. Only the owner: the
    devpts mount chose the group."""
    for fd in (0, 1, 2):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if st.st_uid == uid or (stat.S_ISCHR(st.st_mode) and st.st_rdev == _NULL_RDEV):
            continue
        try:
            os.fchown(fd, uid, -1)
        except OSError:
            continue  # EINVAL/EPERM: not ours to give (runc skips these too)
