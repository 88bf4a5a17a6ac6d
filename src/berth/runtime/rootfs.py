"""Assemble and enter a container's root: mounts, /dev, pivot_root, masks.

Runs inside the container's fresh mount namespace, as PID 1 of its pid
namespace, before the user's program. Order follows
shared/ref/container-init-sequence.md, steps 19 to 26.
"""

import contextlib
import errno
import os
import stat
from typing import Any

from berth.runtime import inroot
from berth.runtime.linux import sys as lx

_FLAG_OPTIONS = {
    "ro": lx.MS_RDONLY, "nosuid": lx.MS_NOSUID, "nodev": lx.MS_NODEV, "noexec": lx.MS_NOEXEC,
    "bind": lx.MS_BIND, "rbind": lx.MS_BIND | lx.MS_REC, "strictatime": lx.MS_STRICTATIME,
    "relatime": lx.MS_RELATIME, "noatime": lx.MS_NOATIME, "nodiratime": lx.MS_NODIRATIME,
    "rw": 0, "suid": 0, "dev": 0, "exec": 0,
}

_PROPAGATION = {
    "private": lx.MS_PRIVATE, "rprivate": lx.MS_PRIVATE | lx.MS_REC,
    "slave": lx.MS_SLAVE, "rslave": lx.MS_SLAVE | lx.MS_REC,
    "shared": lx.MS_SHARED, "rshared": lx.MS_SHARED | lx.MS_REC,
}


def parse_options(options: list[str]) -> tuple[int, str]:
    """Split OCI mount options into mount(2) flags and the data string."""
    flags, data = 0, []
    for opt in options:
        if opt in _FLAG_OPTIONS:
            flags |= _FLAG_OPTIONS[opt]
        elif opt not in _PROPAGATION:
            data.append(opt)
    return flags, ",".join(data)


def propagation(options: list[str]) -> int:
    flags = 0
    for opt in options:
        flags |= _PROPAGATION.get(opt, 0)
    return flags


def secure_join(root: str, path: str) -> str:
    """``root/path`` with every symlink resolved as if root were ``/``.

    A symlink in the image that points at ``/etc`` or ``../../..`` must name
    something inside the container, never the host (the runc CVE-2021-30465
    family).
    """
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            resolved.append(part)
            continue
        if stat.S_ISLNK(st.st_mode):
            hops += 1
            if hops > 40:
                raise OSError(40, "too many levels of symbolic links", path)
            try:
                target = os.readlink(candidate)
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                parts.insert(0, part)  # no symlink any more: look again
                continue
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


def mount_rootfs(root: str, rootfs_mounts: list[dict[str, Any]]) -> None:
    # Nothing mounted from here on may propagate back to the host.
    lx.mount(None, "/", None, lx.MS_SLAVE | lx.MS_REC)
    os.makedirs(root, exist_ok=True)
    for m in rootfs_mounts:
        flags, data = parse_options(list(m.get("options", [])))
        lx.mount(m.get("source", m["type"]), root, m["type"], flags, data or None)
    # pivot_root needs the new root to be a mount point of its own.
    lx.mount(root, root, None, lx.MS_BIND | lx.MS_REC)


def mount_spec_mounts(root: str, mounts: list[dict[str, Any]],
                      view: list[tuple[str, str]] | None = None) -> None:
    """Step 19.4: each spec mount at its destination resolved inside ``root``, mounted
    onto an fd of it (``berth.runtime.inroot``); ``view``: what ``/sys/fs/cgroup``
    shows (``cgroup_view()``) when the process is not in its cgroup yet."""
    root_fd = inroot.open_dir(root)
    try:
        base = inroot.fd_path(root_fd).rstrip("/")
        for m in mounts:
            _mount(root_fd, root, base, m, view)
    finally:
        os.close(root_fd)


# What runc lets a bind cover inside /proc (lxcfs's files); nothing else but a proc.
_PROC_BINDS = frozenset({"proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat",
                         "proc/swaps", "proc/uptime", "proc/loadavg", "proc/slabinfo",
                         "proc/net/dev", "proc/sys/kernel/ns_last_pid"})


def in_root(root: str, path: str) -> str:
    """``path`` resolved inside ``root`` (``secure_join``), relative to it."""
    return os.path.relpath(secure_join(root, path), root)


def _target(root_fd: int, root: str, base: str, path: str,
            directory: bool = True) -> inroot.Target:
    """``path`` inside the root, by fd: at once when it exists with no symlink on the
    way, else resolved with the image's symlinks (``secure_join``) and walked."""
    return (inroot.existing(root_fd, base, path, directory)
            or inroot.walk(root_fd, in_root(root, path), directory))


def _mount(root_fd: int, root: str, base: str, m: dict[str, Any],
           view: list[tuple[str, str]] | None) -> None:
    kind = m.get("type") or "bind"
    options = list(m.get("options", []))
    flags, data = parse_options(options)
    source = m.get("source") or kind
    is_bind = kind == "bind" or bool(flags & lx.MS_BIND)
    target = _target(root_fd, root, base, m["destination"],
                     not is_bind or os.path.isdir(source))
    try:
        rel = target.rel
        if (rel == "proc" and kind != "proc") or (rel.startswith("proc/") and (
                not is_bind or rel not in _PROC_BINDS)):
            raise OSError(errno.EPERM, f"{m['destination']} cannot be mounted: it resolves "
                                       f"to /{rel}, and only a proc filesystem may go there",
                          rel)
        if is_bind:
            inroot.bind(source, target.fd, flags | lx.MS_BIND, propagation(options))
        elif kind == "cgroup":
            mount_cgroup(target, flags, view)
        else:
            lx.mount(source, target.proc, kind, flags, data or None)
            if prop := propagation(options):
                top = target.top()
                try:
                    lx.mount(None, f"/proc/self/fd/{top}", None, prop)
                finally:
                    os.close(top)
        target.check()
    finally:
        target.close()


def cgroup_v1_hierarchies(mountinfo: str = "/proc/self/mountinfo",
                          proc_cgroup: str = "/proc/self/cgroup") -> list[tuple[str, str]]:
    """(host mount point, this process's cgroup dir in it) for each v1 hierarchy."""
    own: dict[str, str] = {}
    with open(proc_cgroup) as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            if names:
                own[names] = path
    out = []
    with open(mountinfo) as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[sep + 1] != "cgroup":
                continue
            options = fields[sep + 3].split(",")
            key = ",".join(o for o in options if o not in ("rw", "ro") and (
                o.startswith("name=") or "=" not in o))
            for names, path in own.items():
                if set(names.split(",")) == set(key.split(",")):
                    out.append((fields[4], path))
    return out


def cgroup_view(dirs: list[str] | None = None) -> list[tuple[str, str]]:
    """(host mount point, the directory to show of it) for each v1 hierarchy: the one of
    ``dirs`` (a cgroup the process is about to enter) inside it, else this process's own.

    Read before the move: reading ``/proc/self/cgroup`` waits for ``cgroup_mutex``,
    which a move into a v1 cgroup holds across an RCU grace period.
    """
    out = []
    for mountpoint, path in cgroup_v1_hierarchies():
        real = os.path.realpath(mountpoint)
        inside = [d for d in dirs or [] if os.path.realpath(d).startswith(real + "/")]
        out.append((mountpoint, inside[0] if inside else mountpoint + path))
    return out


def mount_cgroup(target: inroot.Target, flags: int,
                 view: list[tuple[str, str]] | None = None) -> None:
    """Docker's /sys/fs/cgroup. On a v1 host (the host's cgroup namespace): a tmpfs
    with, per hierarchy, the container's own cgroup bound read-only, as runc does.
    On a v2 host: a cgroup2 mount (meant for a private cgroup namespace).
    """
    hierarchies = cgroup_view() if view is None else view
    if not hierarchies:
        lx.mount("cgroup2", target.proc, "cgroup2",
                 flags | lx.MS_NOSUID | lx.MS_NODEV | lx.MS_NOEXEC)
        return
    lx.mount("tmpfs", target.proc, "tmpfs", lx.MS_NOSUID | lx.MS_NODEV | lx.MS_NOEXEC,
             "mode=755")
    top = target.top()  # the tmpfs just made: nothing of the container's is in it
    try:
        sub_flags = lx.MS_NOSUID | lx.MS_NODEV | lx.MS_NOEXEC | (flags & lx.MS_RDONLY)
        for mountpoint, source in hierarchies:
            sub = inroot.step(top, os.path.basename(mountpoint), True)
            try:
                inroot.bind(source, sub, lx.MS_BIND | lx.MS_REC | sub_flags)
            finally:
                os.close(sub)
        if flags & lx.MS_RDONLY:
            lx.mount(None, f"/proc/self/fd/{top}", None, lx.MS_REMOUNT | lx.MS_RDONLY
                     | lx.MS_NOSUID | lx.MS_NODEV | lx.MS_NOEXEC, "mode=755")
    finally:
        os.close(top)


def create_devices(root: str, devices: list[dict[str, Any]]) -> None:
    """OCI ``linux.devices`` at their paths in the root (a ``--device`` may name one
    outside /dev, or in a directory of it), and /dev's links: each path resolved inside
    the root (the image's symlinks too) and made by fd (``berth.runtime.inroot``), so
    an image whose /dev is a symlink to a host directory gets them in its own tree."""
    root_fd = inroot.open_dir(root)
    try:
        base = inroot.fd_path(root_fd).rstrip("/")
        dirs: dict[str, int] = {}  # each directory opened once: most devices are in /dev
        try:
            for d in devices:
                rel = in_root(root, d["path"])
                parent = os.path.dirname(rel)
                if parent not in dirs:
                    dirs[parent] = _dir_fd(root_fd, root, base, parent)
                _make_device(dirs[parent], os.path.basename(rel), d)
        finally:
            for fd in dirs.values():
                os.close(fd)
        dev = _dir_fd(root_fd, root, base, "/dev")
        try:
            links = [("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"),
                     ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                     ("stderr", "/proc/self/fd/2")]
            if os.path.exists("/proc/kcore"):
                links.append(("core", "/proc/kcore"))
            for name, link_target in links:
                with contextlib.suppress(FileExistsError):
                    os.symlink(link_target, name, dir_fd=dev)
        finally:
            os.close(dev)
    finally:
        os.close(root_fd)


def _dir_fd(root_fd: int, root: str, base: str, path: str) -> int:
    """An fd of the directory ``path`` in the root (made if missing; the root for "/")."""
    if path.strip("/.") == "":
        return os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=root_fd)
    target = _target(root_fd, root, base, path)
    os.close(target.parent)
    return target.fd


def _make_device(parent: int, name: str, d: dict[str, Any]) -> None:
    kind = stat.S_IFCHR if d.get("type", "c") == "c" else stat.S_IFBLK
    node = kind | d.get("fileMode", 0o666)
    old = os.umask(0)
    try:
        try:
            os.mknod(name, node, os.makedev(d["major"], d["minor"]), dir_fd=parent)
        except FileExistsError:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                raise
            os.unlink(name, dir_fd=parent)  # the image's file gives way, as under runc
            os.mknod(name, node, os.makedev(d["major"], d["minor"]), dir_fd=parent)
    finally:
        os.umask(old)
    os.chown(name, d.get("uid", 0), d.get("gid", 0), dir_fd=parent, follow_symlinks=False)


def pivot(root: str) -> None:
    """Switch to the new root and drop the old one (runc's pivot_root(".", "."))."""
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY)
    new_root = os.open(root, os.O_DIRECTORY | os.O_RDONLY)
    try:
        os.fchdir(new_root)
        lx.pivot_root(".", ".")
        os.fchdir(old_root)
        # The old root is stacked on "." now; detach it without telling the host.
        lx.mount(None, ".", None, lx.MS_SLAVE | lx.MS_REC)
        lx.umount2(".", lx.MNT_DETACH)
    finally:
        os.close(old_root)
        os.close(new_root)
    os.chdir("/")


def readonly_paths(paths: list[str]) -> None:
    for path in paths:
        if not os.path.exists(path):
            continue
        lx.mount(path, path, None, lx.MS_BIND | lx.MS_REC)
        flags = lx.MS_BIND | lx.MS_REMOUNT | lx.MS_RDONLY | _mount_flags(path)
        lx.mount(None, path, None, flags)


def masked_paths(paths: list[str]) -> None:
    """A directory gets an empty read-only tmpfs, a file the null device."""
    null = os.stat("/dev/null")
    # Bind only the real null device: an image could have put anything there.
    if not stat.S_ISCHR(null.st_mode) or null.st_rdev != os.makedev(1, 3):
        raise OSError(0, "/dev/null is not the null device", "/dev/null")
    for path in dict.fromkeys(paths):
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISDIR(st.st_mode):
            lx.mount("tmpfs", path, "tmpfs", lx.MS_RDONLY, None)
        else:
            lx.mount("/dev/null", path, None, lx.MS_BIND)


def remount_root_readonly() -> None:
    lx.mount(None, "/", None, lx.MS_BIND | lx.MS_REMOUNT | lx.MS_RDONLY | _mount_flags("/"))


def _mount_flags(path: str) -> int:
    st = os.statvfs(path)
    flags = 0
    for bit, flag in ((os.ST_NOSUID, lx.MS_NOSUID), (os.ST_NODEV, lx.MS_NODEV),
                      (os.ST_NOEXEC, lx.MS_NOEXEC)):
        if st.f_flag & bit:
            flags |= flag
    return flags
