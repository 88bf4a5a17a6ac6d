"""The one seam for privileged system calls (ctypes over the C library).

libc is loaded once at import with ``CDLL(None)``: the container init runs
these after ``pivot_root``, when no library can be found by name any more.
Every function raises ``OSError`` with the errno on failure.
"""

import ctypes
import fcntl
import os
import socket
import struct
from dataclasses import dataclass

from berth.errors import FailedPrecondition

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True, slots=True)
class Syscalls:
    """The numbers of the system calls made raw (libc has no wrapper, or a refusing one);
    they differ by machine."""

    rt_sigaction: int
    bpf: int
    # Since 5.1 (424 on) every machine numbers new system calls alike.
    open_tree: int = 428
    move_mount: int = 429
    openat2: int = 437
    mount_setattr: int = 442


SYSCALLS = {
    "x86_64": Syscalls(rt_sigaction=13, bpf=321),  # arch/x86/entry/syscalls/syscall_64.tbl
    "aarch64": Syscalls(rt_sigaction=134, bpf=280),  # include/uapi/asm-generic/unistd.h
}


def syscalls_for(machine: str) -> Syscalls:
    """The numbers for ``machine`` (``os.uname().machine``); an unknown one is refused."""
    try:
        return SYSCALLS[machine]
    except KeyError:
        raise FailedPrecondition(
            f"unsupported machine {machine!r}: berth knows the system call numbers of "
            f"{', '.join(SYSCALLS)} only") from None


def check_machine(machine: str | None = None) -> None:
    """Refuse to start on a machine (this one by default) whose system call numbers
    are not in the table: berthd and the supervisor call this first."""
    syscalls_for(os.uname().machine if machine is None else machine)


_NR = SYSCALLS.get(os.uname().machine)


def _nr() -> Syscalls:
    return _NR if _NR is not None else syscalls_for(os.uname().machine)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_SLAVE = 0x80000
MS_SHARED = 0x100000
MS_RELATIME = 0x200000
MS_STRICTATIME = 0x1000000

MNT_DETACH = 0x2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_KEEPCAPS = 8
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _check(result: int, what: str, path: str | None = None) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}", path)
    return result


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0,
          data: str | None = None) -> None:
    _check(_libc.mount(
        None if source is None else source.encode(),
        target.encode(),
        None if fstype is None else fstype.encode(),
        ctypes.c_ulong(flags),
        None if data is None else data.encode(),
    ), f"mount {target}", target)


RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_IN_ROOT = 0x10
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
OPEN_TREE_CLONE = 1
OPEN_TREE_CLOEXEC = os.O_CLOEXEC
MOVE_MOUNT_F_EMPTY_PATH = 0x04
MOVE_MOUNT_T_EMPTY_PATH = 0x40
MOUNT_ATTR_RDONLY = 0x01
MOUNT_ATTR_NOSUID = 0x02
MOUNT_ATTR_NODEV = 0x04
MOUNT_ATTR_NOEXEC = 0x08
MOUNT_ATTR__ATIME = 0x70
MOUNT_ATTR_RELATIME = 0x00
MOUNT_ATTR_NOATIME = 0x10
MOUNT_ATTR_STRICTATIME = 0x20
MOUNT_ATTR_NODIRATIME = 0x80


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64)]


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


_libc_syscall = _libc.syscall  # looked up once, before any fork: not in every init


def _syscall(number: int, *args: object) -> int:
    return int(_libc_syscall(ctypes.c_long(number), *args))


def openat2(dirfd: int, path: str, flags: int, resolve: int) -> int:
    """``openat2(2)``: ``path`` resolved by the kernel under ``resolve``'s rules
    (``RESOLVE_IN_ROOT``: as if ``dirfd`` were ``/``, with no way above it)."""
    how = _OpenHow(flags, 0, resolve)
    return _check(_syscall(_nr().openat2, ctypes.c_int(dirfd), path.encode(),
                           ctypes.byref(how), ctypes.c_size_t(ctypes.sizeof(how))),
                  f"openat2 {path}", path)


def open_tree(dirfd: int, path: str, flags: int) -> int:
    """A detached copy (``OPEN_TREE_CLONE``) of the mount at ``path``, as an fd."""
    return _check(_syscall(_nr().open_tree, ctypes.c_int(dirfd), path.encode(),
                           ctypes.c_uint(flags)), f"open_tree {path}", path)


def move_mount(from_fd: int, to_fd: int) -> None:
    """Attach the mount ``from_fd`` onto the object ``to_fd`` is open on: no path."""
    _check(_syscall(_nr().move_mount, ctypes.c_int(from_fd), b"", ctypes.c_int(to_fd), b"",
                    ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)),
           "move_mount")


def mount_setattr(fd: int, flags: int, attr_set: int = 0, attr_clr: int = 0,
                  propagation: int = 0) -> None:
    """Change the mount ``fd`` is open on (``AT_RECURSIVE``: and all below it)."""
    attr = _MountAttr(attr_set, attr_clr, propagation, 0)
    _check(_syscall(_nr().mount_setattr, ctypes.c_int(fd), b"",
                    ctypes.c_uint(flags | AT_EMPTY_PATH), ctypes.byref(attr),
                    ctypes.c_size_t(ctypes.sizeof(attr))), "mount_setattr")


def umount2(target: str, flags: int = 0) -> None:
    _check(_libc.umount2(target.encode(), flags), f"umount {target}", target)


def pivot_root(new_root: str, put_old: str) -> None:
    _check(_libc.pivot_root(new_root.encode(), put_old.encode()), "pivot_root", new_root)


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def setns(fd: int, nstype: int = 0) -> None:
    _check(_libc.setns(fd, nstype), "setns")


def setdomainname(name: str) -> None:
    raw = name.encode()
    _check(_libc.setdomainname(raw, len(raw)), "setdomainname")


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(_libc.sethostname(raw, len(raw)), "sethostname")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    return _check(_libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                              ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)), "prctl")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def capset(effective: int, permitted: int, inheritable: int) -> None:
    """Set this thread's capability sets (64-bit masks)."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    for i, shift in ((0, 0), (1, 32)):
        data[i].effective = (effective >> shift) & 0xFFFFFFFF
        data[i].permitted = (permitted >> shift) & 0xFFFFFFFF
        data[i].inheritable = (inheritable >> shift) & 0xFFFFFFFF
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def capbset_drop(cap: int) -> None:
    prctl(PR_CAPBSET_DROP, cap)


def capget() -> tuple[int, int, int]:
    """This thread's (effective, permitted, inheritable) capability masks."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capget(ctypes.byref(header), data), "capget")
    return (data[0].effective | data[1].effective << 32,
            data[0].permitted | data[1].permitted << 32,
            data[0].inheritable | data[1].inheritable << 32)


_last_cap: int | None = None


def last_cap() -> int:
    """The highest capability number the kernel knows (read once, before any pivot)."""
    global _last_cap
    if _last_cap is None:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            _last_cap = int(f.read())
    return _last_cap


def setgroups(groups: list[int]) -> None:
    os.setgroups(groups)


def setgid(gid: int) -> None:
    """Real, effective and saved gid (we run as root)."""
    os.setresgid(gid, gid, gid)


def setuid(uid: int) -> None:
    """Real, effective and saved uid: the capability rules of capabilities(7) apply."""
    os.setresuid(uid, uid, uid)


def close_range(first: int, last: int = 0xFFFFFFFF) -> None:
    _check(_libc.close_range(ctypes.c_uint(first), ctypes.c_uint(last), 0), "close_range")


class _KernelSigaction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("flags", ctypes.c_ulong),
                ("restorer", ctypes.c_void_p), ("mask", ctypes.c_uint64)]


def default_signal(sig: int) -> None:
    """SIG_DFL for ``sig`` by the raw syscall.

    glibc's sigaction refuses its reserved signals 32 and 33, but a parent may
    have left them ignored, and an ignored signal survives execve.
    """
    act = _KernelSigaction(None, 0, None, 0)
    _check(_libc.syscall(ctypes.c_long(_nr().rt_sigaction), ctypes.c_int(sig), ctypes.byref(act),
                         None, ctypes.c_size_t(8)), f"rt_sigaction {sig}")


PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp_load(program: bytes) -> None:
    """Install a BPF program (8-byte ``sock_filter`` entries) as this thread's filter.
    Needs no_new_privs or CAP_SYS_ADMIN."""
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(_libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER),
                       ctypes.byref(prog), ctypes.c_ulong(0), ctypes.c_ulong(0)),
           "prctl(PR_SET_SECCOMP)")


SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def link_up(name: str) -> None:
    """Bring a network interface of the current network namespace up (``lo``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", name.encode(), 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14x", name.encode(),
                                                           flags | IFF_UP))


def set_name(name: str) -> None:
    """The process's ``comm`` (what ``ps`` shows), at most 15 bytes."""
    buf = ctypes.create_string_buffer(name.encode()[:15])
    _check(_libc.prctl(ctypes.c_int(PR_SET_NAME), buf, ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), "prctl(PR_SET_NAME)")


BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6
BPF_F_ALLOW_MULTI = 2


class _BpfProgLoad(ctypes.Structure):
    _fields_ = [("prog_type", ctypes.c_uint32), ("insn_cnt", ctypes.c_uint32),
                ("insns", ctypes.c_uint64), ("license", ctypes.c_uint64),
                ("log_level", ctypes.c_uint32), ("log_size", ctypes.c_uint32),
                ("log_buf", ctypes.c_uint64), ("kern_version", ctypes.c_uint32),
                ("prog_flags", ctypes.c_uint32), ("prog_name", ctypes.c_char * 16),
                ("prog_ifindex", ctypes.c_uint32), ("expected_attach_type", ctypes.c_uint32)]


class _BpfProgAttach(ctypes.Structure):
    _fields_ = [("target_fd", ctypes.c_uint32), ("attach_bpf_fd", ctypes.c_uint32),
                ("attach_type", ctypes.c_uint32), ("attach_flags", ctypes.c_uint32),
                ("replace_bpf_fd", ctypes.c_uint32)]


def _bpf(cmd: int, attr: ctypes.Structure) -> int:
    return int(_libc.syscall(ctypes.c_long(_nr().bpf), ctypes.c_int(cmd), ctypes.byref(attr),
                             ctypes.c_uint(ctypes.sizeof(attr))))


def bpf_prog_load(prog_type: int, program: bytes, license: str, name: str = "") -> int:
    """Load a BPF program (8-byte ``bpf_insn`` entries); its fd. A program the verifier
    refuses raises with the verifier's log in the message."""
    insns = ctypes.create_string_buffer(program, len(program))
    lic = ctypes.create_string_buffer(license.encode())
    attr = _BpfProgLoad(prog_type=prog_type, insn_cnt=len(program) // 8,
                        insns=ctypes.addressof(insns), license=ctypes.addressof(lic),
                        prog_name=name.encode()[:15])
    fd = _bpf(BPF_PROG_LOAD, attr)
    if fd >= 0:
        return fd
    err = ctypes.get_errno()
    log = ctypes.create_string_buffer(1 << 16)
    attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
    _bpf(BPF_PROG_LOAD, attr)  # again, for the verifier's words
    raise OSError(err, f"bpf(BPF_PROG_LOAD): {os.strerror(err)}: "
                       f"{log.value.decode(errors='replace').strip()}")


def bpf_prog_attach(target_fd: int, prog_fd: int, attach_type: int, flags: int = 0) -> None:
    """Attach a loaded program to ``target_fd`` (a cgroup directory for cgroup programs)."""
    attr = _BpfProgAttach(target_fd=target_fd, attach_bpf_fd=prog_fd, attach_type=attach_type,
                          attach_flags=flags)
    _check(_bpf(BPF_PROG_ATTACH, attr), "bpf(BPF_PROG_ATTACH)")
