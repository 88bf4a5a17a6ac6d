"""Fork a container's PID 1 from a single-threaded process.

The caller (the supervisor) is single-threaded with every module imported,
so ``fork`` is safe and cheap. The first child unshares the namespaces and
forks again: a new pid namespace applies only to children, so the grandchild
is PID 1. The middle process reports that pid and exits; the caller, a child
subreaper, adopts PID 1.

A CLOEXEC pipe reports the outcome: EOF with nothing written means the
user's program was exec'd; otherwise a JSON error comes back.
"""

import json
import os
from typing import Any

from berth.errors import BerthError, CommandNotFound, CommandNotInvokable, FailedPrecondition
from berth.runtime import process, rootfs
from berth.runtime.linux import sys as lx

_NAMESPACE_FLAGS = {
    "mount": lx.CLONE_NEWNS, "network": lx.CLONE_NEWNET, "uts": lx.CLONE_NEWUTS,
    "pid": lx.CLONE_NEWPID, "ipc": lx.CLONE_NEWIPC, "cgroup": lx.CLONE_NEWCGROUP,
}

_KINDS: dict[str, type[BerthError]] = {
    "not_found": CommandNotFound, "not_invokable": CommandNotInvokable,
}


def namespace_flags(spec: dict[str, Any]) -> int:
    flags = 0
    for ns in spec.get("linux", {}).get("namespaces", []):
        if not ns.get("path"):
            flags |= _NAMESPACE_FLAGS.get(ns["type"], 0)
    return flags


def spawn(spec: dict[str, Any], rootfs_mounts: list[dict[str, Any]], stdin: int, stdout: int,
          stderr: int) -> int:
    """Start the container's PID 1 and exec its program; return its host pid."""
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    pid_r, pid_w = os.pipe2(os.O_CLOEXEC)
    middle = os.fork()
    if middle == 0:
        _middle(spec, rootfs_mounts, (stdin, stdout, stderr), err_w, pid_w)
    os.close(err_w)
    os.close(pid_w)
    try:
        os.waitpid(middle, 0)
        raw_pid = _read_all(pid_r)
        raw_err = _read_all(err_r)
    finally:
        os.close(pid_r)
        os.close(err_r)
    pid = int(raw_pid) if raw_pid else 0
    if raw_err:
        if pid:
            os.waitpid(pid, 0)
        try:
            error = json.loads(raw_err)
        except ValueError:
            error = {"kind": "failed", "message": raw_err.decode(errors="replace")}
        cls = _KINDS.get(error.get("kind", ""), FailedPrecondition)
        raise cls(error.get("message", "container init failed"))
    if not pid:
        raise FailedPrecondition("container init failed before it started")
    return pid


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _report(fd: int, error: BaseException) -> None:
    kind = "failed"
    if isinstance(error, CommandNotFound):
        kind = "not_found"
    elif isinstance(error, CommandNotInvokable):
        kind = "not_invokable"
    message = error.message if isinstance(error, BerthError) else str(error)
    try:
        os.write(fd, json.dumps({"kind": kind, "message": message}).encode())
    except OSError:
        pass


def _middle(spec: dict[str, Any], rootfs_mounts: list[dict[str, Any]],
            stdio: tuple[int, int, int], err_w: int, pid_w: int) -> None:
    """The first child: never returns into the caller's code."""
    code = 1
    try:
        lx.unshare(namespace_flags(spec))
        child = os.fork()
        if child == 0:
            os.close(pid_w)
            _init(spec, rootfs_mounts, stdio, err_w)
        os.write(pid_w, str(child).encode())
        code = 0
    except BaseException as e:  # noqa: BLE001 - reported to the caller, then exit
        _report(err_w, e)
    finally:
        os._exit(code)


def _init(spec: dict[str, Any], rootfs_mounts: list[dict[str, Any]],
          stdio: tuple[int, int, int], err_w: int) -> None:
    """PID 1 of the container: set everything up, then exec the program."""
    code = 127
    try:
        os.setsid()
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        proc = spec["process"]
        root = spec["root"]["path"]
        linux = spec.get("linux", {})
        rootfs.mount_rootfs(root, rootfs_mounts)
        rootfs.mount_spec_mounts(root, spec.get("mounts", []))
        rootfs.create_devices(root, linux.get("devices", []))
        rootfs.pivot(root)
        rootfs.readonly_paths(linux.get("readonlyPaths", []))
        rootfs.masked_paths(linux.get("maskedPaths", []))
        if spec.get("root", {}).get("readonly"):
            rootfs.remount_root_readonly()
        if spec.get("hostname"):
            lx.sethostname(spec["hostname"])
        cwd = proc.get("cwd") or "/"
        os.makedirs(cwd, exist_ok=True)
        os.umask(0o022)
        process.become_user(proc.get("user", {}), proc.get("capabilities", {}))
        os.chdir(cwd)
        if proc.get("noNewPrivileges"):
            lx.prctl(lx.PR_SET_NO_NEW_PRIVS, 1)
        args = list(proc["args"])
        env = list(proc.get("env", []))
        path = process.find_program(args[0], env)
        process.reset_signals()
        os.closerange(3, err_w)
        lx.close_range(err_w + 1)
        process.exec_program(path, args, env)
    except BaseException as e:  # noqa: BLE001 - reported to the caller, then exit
        if isinstance(e, CommandNotInvokable):
            code = 126
        elif not isinstance(e, CommandNotFound):
            code = 1
        _report(err_w, e)
    finally:
        os._exit(code)
