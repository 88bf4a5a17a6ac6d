"""The last steps before the user's program: user, capabilities, signals, exec.

Steps 27 to 39 of shared/ref/container-init-sequence.md. Runs after
``pivot_root``, so it imports nothing new: every module is loaded above.
"""

import contextlib
import os
import resource
import signal
import stat
from typing import Any

from berth.errors import CommandNotFound, CommandNotInvokable, FailedPrecondition
from berth.oci.defaults import CAPABILITY_NUMBERS, DEFAULT_PATH_ENV
from berth.runtime.linux import sys as lx


def cap_mask(names: list[str]) -> int:
    mask = 0
    for name in names:
        number = CAPABILITY_NUMBERS.get(name)
        if number is not None:
            mask |= 1 << number
    return mask


def drop_bounding(keep: int) -> None:
    """Must precede the uid change: dropping needs CAP_SETPCAP."""
    for cap in range(lx.last_cap() + 1):
        if not keep & (1 << cap):
            lx.capbset_drop(cap)


def find_program(name: str, env: list[str]) -> str:
    """Like Go's exec.LookPath, which docker's messages describe."""
    if "/" in name:
        try:
            st = os.stat(name)
        except FileNotFoundError:
            raise CommandNotFound(
                f'exec: "{name}": stat {name}: no such file or directory') from None
        if stat.S_ISDIR(st.st_mode):
            raise CommandNotInvokable(f'exec: "{name}": is a directory: permission denied')
        return name
    path = DEFAULT_PATH_ENV.removeprefix("PATH=")
    for item in env:
        if item.startswith("PATH="):
            path = item[5:]
    for directory in path.split(":"):
        candidate = os.path.join(directory or ".", name)
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
            return candidate
    raise CommandNotFound(f'exec: "{name}": executable file not found in $PATH')


def become_user(user: dict[str, Any], caps: dict[str, Any]) -> None:
    """Step 31: bounding set, then ids, then the capability sets (the order matters)."""
    uid, gid = int(user.get("uid", 0)), int(user.get("gid", 0))
    drop_bounding(cap_mask(list(caps.get("bounding", []))))
    if uid != 0:
        lx.prctl(lx.PR_SET_KEEPCAPS, 1)
    lx.setgroups([int(g) for g in user.get("additionalGids") or []])
    lx.setgid(gid)
    lx.setuid(uid)
    if uid != 0:
        lx.prctl(lx.PR_SET_KEEPCAPS, 0)
    lx.capset(cap_mask(list(caps.get("effective", []))),
              cap_mask(list(caps.get("permitted", []))),
              cap_mask(list(caps.get("inheritable", []))))
    lx.prctl(lx.PR_CAP_AMBIENT, lx.PR_CAP_AMBIENT_CLEAR_ALL)
    ambient = caps.get("ambient") or []
    for name in ambient:
        if name in CAPABILITY_NUMBERS:
            lx.prctl(lx.PR_CAP_AMBIENT, lx.PR_CAP_AMBIENT_RAISE, CAPABILITY_NUMBERS[name])


def sysctl_path(name: str) -> str:
    """A sysctl's file under /proc/sys: the name's dots are slashes and its slashes dots
    (``net.ipv4.conf.eth0/1.forwarding``), as sysctl(8) reads them."""
    return name.translate(str.maketrans("./", "/."))


def write_sysctls(sysctls: dict[str, str]) -> None:
    """Step 24: after pivot_root (this is the container's /proc), before /proc/sys is ro."""
    for key, value in sysctls.items():
        parts = sysctl_path(key).split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise OSError(22, f"invalid sysctl name {key!r}")
        path = "/proc/sys/" + "/".join(parts)
        with open(path, "w") as f:
            f.write(str(value))


def set_rlimits(rlimits: list[dict[str, Any]]) -> None:
    """OCI ``process.rlimits``: ``{"type": "RLIMIT_NOFILE", "soft": N, "hard": N}``."""
    for limit in rlimits:
        kind = getattr(resource, str(limit["type"]), None)
        if not isinstance(kind, int):
            raise OSError(22, f"unknown rlimit {limit['type']}")
        soft, hard = int(limit["soft"]), int(limit["hard"])
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):
            current = resource.getrlimit(kind)[1]
            raise FailedPrecondition(
                f"cannot set {limit['type']} to {soft}:{hard}: the hard limit here is "
                f"{current}, and raising it needs CAP_SYS_RESOURCE") from None


def reset_signals() -> None:
    """CPython ignores SIGPIPE and SIGXFSZ; an ignored signal survives execve."""
    for sig in range(1, signal.SIGRTMAX + 1):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        with contextlib.suppress(OSError):
            lx.default_signal(sig)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def exec_program(path: str, args: list[str], env: list[str]) -> None:
    environ = {}
    for item in env:
        key, _, value = item.partition("=")
        environ[key] = value
    try:
        os.execve(path, args, environ)
    except PermissionError:
        raise CommandNotInvokable(f'exec: "{args[0]}": permission denied') from None
    except FileNotFoundError:
        raise CommandNotFound(
            f'exec: "{args[0]}": stat {path}: no such file or directory') from None
    except OSError as e:
        if e.errno == 8:  # ENOEXEC: not a binary the kernel can run
            raise CommandNotInvokable(f'exec: "{args[0]}": exec format error: permission denied')\
                from None
        raise
