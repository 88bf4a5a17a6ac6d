"""Fork a container's PID 1 from a single-threaded process and exec its program.

The caller (the supervisor) is single-threaded with every module imported,
so ``fork`` is safe and cheap: no fresh interpreter per container. The first
child ("middle") joins the namespaces given by path, unshares the new ones
and forks again: a new pid namespace applies only to children, so the
grandchild is PID 1. The middle process reports that pid and exits; the
caller, a child subreaper, adopts PID 1.

Moving a process into a v1 cgroup waits for an RCU grace period (5-8 ms here,
most of a start). So, unless PID 1 gets a cgroup namespace of its own (which must
be made inside the cgroup), the middle process moves PID 1 in while PID 1
assembles its root, and PID 1 waits for that before it drops its privileges and
runs anything of the container's: the program and all it forks still start inside.

A CLOEXEC pipe reports the outcome: EOF with nothing written means the
user's program was exec'd; otherwise one JSON object ``{"kind", "message"}``
comes back, ``kind`` being ``not_found``, ``not_invokable`` or ``failed``.
"""

import fcntl
import gc
import json
import os
import signal
import socket
import struct
import termios
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from berth.errors import BerthError, CommandNotFound, CommandNotInvokable, FailedPrecondition
from berth.runtime import init, process, rootfs, seccomp, terminal, users
from berth.runtime.cgroups import Cgroup, for_spec
from berth.runtime.linux import sys as lx

NAMESPACE_FLAGS = {
    "mount": lx.CLONE_NEWNS, "network": lx.CLONE_NEWNET, "uts": lx.CLONE_NEWUTS,
    "pid": lx.CLONE_NEWPID, "ipc": lx.CLONE_NEWIPC, "cgroup": lx.CLONE_NEWCGROUP,
}

INIT_ANNOTATION = "org.berth.init"
"""``"true"`` in ``annotations``: PID 1 is a reaper that runs the program as its child."""

NULL_STDIN = -1
"""Pass as ``stdin`` to give the program the container's own ``/dev/null``."""

KINDS: dict[str, type[BerthError]] = {
    "not_found": CommandNotFound, "not_invokable": CommandNotInvokable,
}


def validate(spec: dict[str, Any]) -> None:
    """Refuse a spec the init cannot run safely, before anything is forked."""
    proc = spec.get("process") or {}
    if not proc.get("args"):
        raise FailedPrecondition("invalid spec: process.args is empty")
    root = (spec.get("root") or {}).get("path", "")
    if not os.path.isabs(root):
        raise FailedPrecondition(f"invalid spec: root.path {root!r} is not absolute")
    types = {ns.get("type") for ns in (spec.get("linux") or {}).get("namespaces", [])}
    # Without its own mount namespace, pivot_root would move the host's root.
    if "mount" not in types:
        raise FailedPrecondition("invalid spec: a mount namespace is required")
    unknown = types - set(NAMESPACE_FLAGS)
    if unknown:
        raise FailedPrecondition(f"invalid spec: unsupported namespaces {sorted(unknown)}")
    if (spec.get("hostname") or spec.get("domainname")) and "uts" not in types:
        raise FailedPrecondition("invalid spec: a hostname needs a uts namespace")
    for key in (spec.get("linux") or {}).get("sysctl") or {}:
        if not _namespaced_sysctl(key, types):
            raise FailedPrecondition(f"sysctl {key!r} is not allowed in the container")


_IPC_SYSCTLS = frozenset({
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
})


def _namespaced_sysctl(key: str, namespaces: set[str]) -> bool:
    """Only sysctls of the container's own namespaces (never kernel.hostname: a field)."""
    if key in _IPC_SYSCTLS or key.startswith("fs.mqueue."):
        return "ipc" in namespaces
    return key.startswith("net.") and "network" in namespaces


def namespace_flags(spec: dict[str, Any]) -> int:
    """The ``unshare`` flags for the namespaces to create (those without a path)."""
    flags = 0
    for ns in (spec.get("linux") or {}).get("namespaces", []):
        if not ns.get("path"):
            flags |= NAMESPACE_FLAGS[ns["type"]]
    return flags


def start(spec: dict[str, Any], rootfs_mounts: list[dict[str, Any]], stdin: int, stdout: int,
          stderr: int, console: socket.socket | None = None) -> tuple["Launch", Cgroup | None]:
    """Fork the container's PID 1, which execs its program; the caller waits for that
    on its own loop (the error pipe's EOF, then ``outcome``), never blocking on it: how
    long it takes is up to the image and the container.

    With ``process.terminal``, ``console`` is required and stdio is unused: PID 1
    makes the pty in the container (``berth.runtime.terminal``) and sends its
    master over ``console`` before the exec, for ``terminal.receive_master``.

    The caller must be a child subreaper (it inherits PID 1 from the middle process)
    and reaps PID 1. With ``linux.cgroupsPath`` in the spec, the container runs in
    that cgroup (``berth.runtime.cgroups``), which is returned: the caller removes it
    after the exit, or after a failed start once PID 1 is reaped. Raises
    ``FailedPrecondition`` for a spec the init cannot run.
    """
    validate(spec)
    if (spec.get("process") or {}).get("terminal") and console is None:
        raise FailedPrecondition("invalid spec: process.terminal needs a console socket")
    seccomp_spec = (spec.get("linux") or {}).get("seccomp")
    program = seccomp.compile_filter(seccomp_spec) if seccomp_spec else None
    cgroup = for_spec(spec)
    if cgroup is not None:
        cgroup.create((spec.get("linux") or {}).get("resources"))
    try:
        return launch(lambda err_w, pid_w: _middle(
            spec, rootfs_mounts, (stdin, stdout, stderr), console, cgroup, program, err_w,
            pid_w), "container init"), cgroup
    except BaseException:
        if cgroup is not None:
            cgroup.remove()
        raise


@dataclass(frozen=True, slots=True)
class Launch:
    """A process forked to run a program in a container, not yet known to have run it:
    its pid (0: it was never forked) and the read end of its error pipe."""

    pid: int
    err: int  # EOF with nothing read: the program was exec'd
    what: str
    status: int  # the middle process's wait status


def launch(middle: Callable[[int, int], None], what: str) -> Launch:
    """Fork ``middle(err_w, pid_w)``, which forks the process that execs and writes its
    pid, and wait for the middle only: it runs nothing of the container's."""
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    pid_r, pid_w = os.pipe2(os.O_CLOEXEC)
    try:
        child = os.fork()
        if child == 0:
            middle(err_w, pid_w)
        os.close(err_w)
        os.close(pid_w)
        err_w = pid_w = -1
        _, status = os.waitpid(child, 0)
        # What the middle wrote is in the pipe now; no wait for EOF: the new process
        # shares pid_w until it closes it, and the container can stop it before that.
        os.set_blocking(pid_r, False)
        try:
            raw_pid = os.read(pid_r, 64)
        except BlockingIOError:
            raw_pid = b""
    except BaseException:
        os.close(err_r)
        raise
    finally:
        for fd in (err_w, pid_r, pid_w):
            if fd >= 0:
                os.close(fd)
    return Launch(int(raw_pid) if raw_pid else 0, err_r, what, status)


def outcome(started: Launch, raw_err: bytes) -> int:
    """The pid, once the error pipe has given ``raw_err`` and EOF; or raise what the
    process reported (``CommandNotFound``, ``CommandNotInvokable``, ...)."""
    if raw_err:
        try:
            error = json.loads(raw_err)
        except ValueError:
            error = {"kind": "failed", "message": raw_err.decode(errors="replace")}
        cls = KINDS.get(error.get("kind", ""), FailedPrecondition)
        raise cls(error.get("message", f"{started.what} failed"))
    if not started.pid:
        raise FailedPrecondition(
            f"{started.what} failed before it started (status {started.status})")
    return started.pid


def report(fd: int, error: BaseException) -> None:
    kind = "failed"
    if isinstance(error, CommandNotFound):
        kind = "not_found"
    elif isinstance(error, CommandNotInvokable):
        kind = "not_invokable"
    if isinstance(error, BerthError):
        message = error.message
    elif isinstance(error, OSError):
        where = f" {error.filename}" if error.filename else ""
        message = f"container init:{where}: {error.strerror or error}"
    else:
        message = f"container init: {type(error).__name__}: {error}"
    try:
        os.write(fd, json.dumps({"kind": kind, "message": message}).encode())
    except OSError:
        pass


def isolate(keep: Iterable[int]) -> None:
    """First thing in a process forked from the supervisor to start something in a
    container: from here until the ``execve``, nothing in the container may reach it
    (runc's answer to CVE-2016-9962 and CVE-2019-5736).

    Non-dumpable, so no process of the container can ptrace it or open its
    ``/proc/<pid>/fd``, ``exe``, ``mem`` or ``environ`` while it joins (``--pid
    container:`` and ``exec`` make it visible to the container's processes); the
    ``execve`` makes the program dumpable again, as it is under docker. Every fd of
    the supervisor's above stdio is closed except ``keep``: a connection, another
    container's log or pipe, the listening socket. 0-2 are replaced before the exec.
    """
    lx.prctl(lx.PR_SET_DUMPABLE, 0)
    signal.set_wakeup_fd(-1)  # the supervisor's wakeup fd and handlers are not ours
    gc.disable()  # no finalizer of the supervisor's objects closes a reused fd number
    low = 3
    for fd in sorted({fd for fd in keep if fd >= 3}):
        if fd > low:
            lx.close_range(low, fd - 1)
        low = fd + 1
    lx.close_range(low)


def _join_namespaces(spec: dict[str, Any]) -> None:
    """setns into every namespace given by path (e.g. a netns the engine prepared)."""
    fds = []
    try:
        for ns in (spec.get("linux") or {}).get("namespaces", []):
            if ns.get("path"):
                fds.append((os.open(ns["path"], os.O_RDONLY | os.O_CLOEXEC),
                            NAMESPACE_FLAGS[ns["type"]]))
        for fd, nstype in fds:
            lx.setns(fd, nstype)
    finally:
        for fd, _ in fds:
            os.close(fd)


def _middle(spec: dict[str, Any], rootfs_mounts: list[dict[str, Any]],
            stdio: tuple[int, int, int], console: socket.socket | None, cgroup: Cgroup | None,
            program: bytes | None, err_w: int, pid_w: int) -> None:
    """The first child: never returns into the caller's code."""
    code = 1
    try:
        isolate((err_w, pid_w, *stdio, -1 if console is None else console.fileno()))
        flags = namespace_flags(spec)
        # A cgroup namespace is rooted where its creator is: enter first, then unshare.
        later = None if flags & lx.CLONE_NEWCGROUP else cgroup  # moved in after the fork
        if cgroup is not None and later is None:
            cgroup.enter()
        oom_score_adj = (spec.get("process") or {}).get("oomScoreAdj")
        if oom_score_adj is not None:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write(str(int(oom_score_adj)))
        _join_namespaces(spec)
        lx.unshare(flags)
        go_r, go_w = os.pipe2(os.O_CLOEXEC) if later is not None else (-1, -1)
        # Opened before PID 1 exists: its pivot_root moves our root too (one mount ns).
        procs = later.open_procs() if later is not None else []
        view = rootfs.cgroup_view(later.dirs()) if later is not None else []
        child = os.fork()
        if child == 0:
            os.close(pid_w)
            for fd in (go_w, *procs):
                if fd >= 0:
                    os.close(fd)
            _init(spec, rootfs_mounts, stdio, console, program, err_w,
                  (go_r, view) if later is not None else None)
        os.write(pid_w, str(child).encode())
        if later is not None:
            os.close(go_r)
            for fd in procs:  # on failure PID 1 reads EOF and exits; we report why
                os.write(fd, str(child).encode())  # a PID 1 that failed is a zombie: fine
            try:
                os.write(go_w, b"1")
            except BrokenPipeError:
                pass  # PID 1 failed while it was being moved, and has reported why
        code = 0
    except BaseException as e:
        report(err_w, e)
    finally:
        os._exit(code)


def setup_stdio(stdio: tuple[int, int, int], tty: bool,
                console_size: dict[str, Any] | None = None) -> None:
    """Move the program's stdio to 0, 1, 2 (inheritable, unlike Python's fds); a
    terminal becomes the controlling one, sized by OCI ``process.consoleSize`` before
    the program can ask (a resize after the start would race with it)."""
    # dup everything above 2 first, so no source is overwritten by another's dup2.
    high = [fd if fd < 0 else fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3) for fd in stdio]
    for target, fd in enumerate(high):
        if fd >= 0:
            os.dup2(fd, target)
            os.close(fd)
    if tty:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if console_size and console_size.get("height") and console_size.get("width"):
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack(
                "HHHH", int(console_size["height"]), int(console_size["width"]), 0, 0))


def _make_console(console: socket.socket, size: dict[str, Any] | None) -> None:
    """After the pivot: a pty of the container's devpts, its master to the supervisor,
    its slave on /dev/console and as the controlling terminal and stdio."""
    master, slave = terminal.open_pty()
    terminal.send_master(console, master)
    terminal.bind_console(slave)
    setup_stdio((slave, slave, slave), True, size)
    os.close(slave)


def _wait_for_cgroup(go_r: int) -> None:
    """Until the middle process has moved us into the container's cgroup; EOF means it
    failed, and it reports why."""
    moved = os.read(go_r, 1)
    os.close(go_r)
    if moved != b"1":
        os._exit(1)


def _init(spec: dict[str, Any], rootfs_mounts: list[dict[str, Any]],
          stdio: tuple[int, int, int], console: socket.socket | None, program: bytes | None,
          err_w: int, moving: tuple[int, list[tuple[str, str]]] | None = None) -> None:
    """PID 1 of the container: set everything up, then exec the program.

    Order: shared/ref/container-init-sequence.md, sections C (19 to 39). ``moving``
    (a pipe, and what ``/sys/fs/cgroup`` is to show) when PID 1 is being moved into its
    cgroup meanwhile: the wait for the move comes before anything of the container's runs.
    """
    code = 1
    try:
        os.setsid()
        proc = spec["process"]
        setup_stdio(stdio, False)  # a terminal's comes after the mounts
        root = spec["root"]["path"]
        linux = spec.get("linux") or {}
        rootfs.mount_rootfs(root, rootfs_mounts)
        rootfs.mount_spec_mounts(root, spec.get("mounts", []), moving[1] if moving else None)
        rootfs.create_devices(root, linux.get("devices", []))
        rootfs.pivot(root)
        if console is not None:
            _make_console(console, proc.get("consoleSize"))
        elif stdio[0] == NULL_STDIN:
            null = os.open("/dev/null", os.O_RDONLY)
            if null != 0:
                os.dup2(null, 0)
                os.close(null)
        cwd = proc.get("cwd") or "/"
        os.makedirs(cwd, exist_ok=True)  # like docker; inside the root now, before any ro
        if spec["root"].get("readonly"):
            rootfs.remount_root_readonly()
        umask = (proc.get("user") or {}).get("umask")
        os.umask(0o022 if umask is None else int(umask))
        if any(ns["type"] == "network" and not ns.get("path")
               for ns in linux.get("namespaces", [])):
            lx.link_up("lo")  # a new network namespace: loopback works, as under docker
        if spec.get("hostname"):
            lx.sethostname(spec["hostname"])
        if spec.get("domainname"):
            lx.setdomainname(spec["domainname"])
        process.write_sysctls(linux.get("sysctl") or {})
        rootfs.readonly_paths(linux.get("readonlyPaths", []))
        rootfs.masked_paths(linux.get("maskedPaths", []))
        if moving:
            _wait_for_cgroup(moving[0])
        process.set_rlimits(proc.get("rlimits") or [])
        users.apply(proc)  # the container's /etc/passwd and /etc/group, after the pivot
        no_new_privileges = bool(proc.get("noNewPrivileges"))
        if no_new_privileges:
            lx.prctl(lx.PR_SET_NO_NEW_PRIVS, 1)
        elif program is not None:  # first chance: CAP_SYS_ADMIN is still held
            lx.seccomp_load(program)
        user = proc.get("user") or {}
        if int(user.get("uid", 0)) != 0:
            terminal.own_stdio(int(user.get("uid", 0)))
        process.become_user(user, proc.get("capabilities") or {})
        os.chdir(cwd)
        args = list(proc["args"])
        env = list(proc.get("env", []))
        path = process.find_program(args[0], env)
        if no_new_privileges and program is not None:  # second chance: as late as can be
            lx.seccomp_load(program)
        # Only 0-2 and the (CLOEXEC) error pipe survive into the program: a
        # leaked host fd can give it the host's filesystem (CVE-2024-21626).
        if err_w > 3:
            lx.close_range(3, err_w - 1)
        lx.close_range(err_w + 1)
        if (spec.get("annotations") or {}).get(INIT_ANNOTATION) == "true":
            init.block_signals()
            child = os.fork()
            if child:  # PID 1 stays: it reaps and forwards (--init)
                os.close(err_w)
                init.rename(args)
                init.supervise(child)
        process.reset_signals()
        process.exec_program(path, args, env)
    except BaseException as e:
        report(err_w, e)
    finally:
        os._exit(code)
