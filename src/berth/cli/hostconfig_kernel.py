"""``run``'s flags for what the kernel keeps per container beyond limits: host devices
(``--device``, ``--device-cgroup-rule``), sysctls (``--sysctl``) and the runtime
(``--runtime``), checked with the docker CLI's rules and words; berthd checks the
rest (the device exists, the sysctl is namespaced) as dockerd does."""

from __future__ import annotations

import posixpath

from berth.cli.usage import FLAG_ERROR, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

_SYSCTLS = ("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
            "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced")


def _flag_error(value: str, flag: str, detail: str) -> UsageError:
    return UsageError(f'invalid argument "{value}" for "{flag}" flag: {detail}', "run",
                      FLAG_ERROR)


def _device_mode(mode: str) -> bool:
    return bool(mode) and set(mode) <= set("rwm") and len(set(mode)) == len(mode)


def device(value: str) -> dict[str, str]:
    """``--device SRC[:DST][:PERMS]``: docker's validateLinuxPath, then parseLinuxDevice."""
    split = value.split(":")
    if len(split) > 3 or not split[0]:
        raise UsageError(f"bad format for path: {value}", "run", FLAG_ERROR)
    src, dst, mode = split[0], "", "rwm"
    if len(split) == 2:
        if _device_mode(split[1]):
            mode = split[1]
        else:
            dst = split[1]
    elif len(split) == 3:
        dst, mode = split[1], split[2]
        if not _device_mode(mode):
            raise UsageError(f"bad mode specified: {mode}", "run", FLAG_ERROR)
    if not (dst or src).startswith("/"):
        raise UsageError(f"{dst or src} is not an absolute path", "run", FLAG_ERROR)
    return {"PathOnHost": src, "PathInContainer": posixpath.normpath(dst or src),
            "CgroupPermissions": mode}


def sysctl(value: str) -> tuple[str, str]:
    """``--sysctl KEY=VALUE``: only the namespaced ones docker's CLI allows."""
    key, eq, val = value.partition("=")
    if eq and key and (key in _SYSCTLS or key.startswith(("net.", "fs.mqueue."))):
        return key, val
    raise _flag_error(value, "--sysctl", f"sysctl '{value}' is not allowed")


def add_flags(add: Any) -> None:
    add("--device", action="append", default=[], help="add a host device to the container")
    add("--device-cgroup-rule", action="append", default=[],
        help="add a rule to the cgroup allowed devices list")
    add("--sysctl", action="append", default=[], help="sysctl options")
    add("--runtime", help="runtime to use for this container")


def host_config(args: argparse.Namespace, hc: dict[str, Any]) -> None:
    if args.device:
        hc["Devices"] = [device(v) for v in args.device]
    if args.device_cgroup_rule:
        hc["DeviceCgroupRules"] = list(args.device_cgroup_rule)
    if args.sysctl:
        hc["Sysctls"] = dict(sysctl(v) for v in args.sysctl)
    if args.runtime:
        hc["Runtime"] = args.runtime
