"""Run one more process in a running container (``docker exec``): runc's setns init.

Forked from the single-threaded supervisor like a container's PID 1
(``berth.runtime.spawn``). The first child opens the namespaces of the
container's init (``/proc/<pid>/ns/*``, only those the container has of its
own: a shared host namespace is already ours), joins its cgroup while the
host's ``/sys`` is still visible, enters the namespaces (mount last) and
forks, since a pid namespace applies to children only. The grandchild is the
exec'd process: no rootfs work, just the process attributes of section E of
``shared/ref/container-init-sequence.md`` (stdio, no_new_privs, seccomp at its
first or second chance, user and capabilities, cwd, fds) and ``execve``.
The supervisor, a child subreaper, adopts and reaps it.
"""

import os
import socket
import stat
from collections.abc import Callable
from typing import Any

from berth.runtime import process, terminal, users
from berth.runtime.cgroups import Cgroup, for_spec
from berth.runtime.linux import sys as lx
from berth.runtime.spawn import (
    NAMESPACE_FLAGS,
    NULL_STDIN,
    Launch,
    isolate,
    launch,
    report,
    setup_stdio,
)

_PROC_NS = {"ipc": "ipc", "uts": "uts", "network": "net", "pid": "pid", "cgroup": "cgroup",
            "mount": "mnt"}
_ORDER = ("ipc", "uts", "network", "pid", "cgroup", "mount")


def start(init_pid: int, spec: dict[str, Any], proc: dict[str, Any], program: bytes | None,
          stdio: tuple[int, int, int], console: socket.socket | None = None) -> Launch:
    """Start ``proc`` (an OCI ``process``) inside the container whose init is
    ``init_pid`` and whose bundle spec is ``spec``. The caller waits on its own loop
    for the ``execve`` (the error pipe's EOF; ``spawn.outcome`` gives the pid or raises
    ``CommandNotFound``, ``CommandNotInvokable`` or ``FailedPrecondition``).

    With ``console`` (``process.terminal``), the pty is made inside the container,
    on its own devpts as runc does (so ``tty`` names it there), and its master is
    sent over that socket before the exec; ``stdio`` is then unused.
    """
    return launch(_middle_of(init_pid, spec, proc, program, stdio, console), "exec")


def _middle_of(init_pid: int, spec: dict[str, Any], proc: dict[str, Any],
               program: bytes | None, stdio: tuple[int, int, int],
               console: socket.socket | None) -> Callable[[int, int], None]:
    kinds = {ns["type"] for ns in (spec.get("linux") or {}).get("namespaces", [])}
    namespaces = [k for k in _ORDER if k in kinds]
    return lambda err_w, pid_w: _middle(init_pid, namespaces, for_spec(spec), proc, program,
                                        stdio, console, err_w, pid_w)


def _middle(init_pid: int, kinds: list[str], cgroup: Cgroup | None, proc: dict[str, Any],
            program: bytes | None, stdio: tuple[int, int, int],
            console: socket.socket | None, err_w: int, pid_w: int) -> None:
    code = 1
    try:
        isolate((err_w, pid_w, *stdio, -1 if console is None else console.fileno()))
        fds = [(os.open(f"/proc/{init_pid}/ns/{_PROC_NS[k]}", os.O_RDONLY | os.O_CLOEXEC),
                NAMESPACE_FLAGS[k]) for k in kinds]
        if cgroup is not None:
            cgroup.enter()
        for fd, nstype in fds:
            lx.setns(fd, nstype)
            os.close(fd)
        child = os.fork()
        if child == 0:
            os.close(pid_w)
            if console is not None:
                stdio = _console(console)
            _exec(proc, program, stdio, err_w)
        os.write(pid_w, str(child).encode())
        code = 0
    except BaseException as e:
        report(err_w, e)
    finally:
        os._exit(code)


def _console(console: socket.socket) -> tuple[int, int, int]:
    """A pty of the container's devpts; its master goes to the supervisor."""
    master, slave = terminal.open_pty()
    terminal.send_master(console, master)
    return slave, slave, slave


def _null() -> int:
    """The container's /dev/null for a stdin not kept open (never the supervisor's fd 0);
    opened without blocking and checked, since the container may have replaced it."""
    try:
        fd = os.open("/dev/null", os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW
                     | os.O_CLOEXEC)
    except OSError:
        fd = -1
    if fd >= 0:
        st = os.fstat(fd)
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3):
            os.set_blocking(fd, True)
            return fd
        os.close(fd)
    read, write = os.pipe2(os.O_CLOEXEC)  # an empty stdin all the same
    os.close(write)
    return read


def _exec(proc: dict[str, Any], program: bytes | None, stdio: tuple[int, int, int],
          err_w: int) -> None:
    code = 1
    try:
        os.setsid()
        if stdio[0] == NULL_STDIN:
            stdio = (_null(), stdio[1], stdio[2])
        setup_stdio(stdio, bool(proc.get("terminal")), proc.get("consoleSize"))
        users.apply(proc)
        umask = (proc.get("user") or {}).get("umask")
        os.umask(0o022 if umask is None else int(umask))
        no_new_privileges = bool(proc.get("noNewPrivileges"))
        if no_new_privileges:
            lx.prctl(lx.PR_SET_NO_NEW_PRIVS, 1)
        elif program is not None:
            lx.seccomp_load(program)
        user = proc.get("user") or {}
        if int(user.get("uid", 0)) != 0:
            terminal.own_stdio(int(user.get("uid", 0)))
        process.become_user(user, proc.get("capabilities") or {})
        os.chdir(proc.get("cwd") or "/")
        args = list(proc["args"])
        env = list(proc.get("env", []))
        path = process.find_program(args[0], env)
        if no_new_privileges and program is not None:
            lx.seccomp_load(program)
        process.reset_signals()
        if err_w > 3:
            lx.close_range(3, err_w - 1)
        lx.close_range(err_w + 1)
        process.exec_program(path, args, env)
    except BaseException as e:
        report(err_w, e)
    finally:
        os._exit(code)
