"""``HostConfig.Devices`` and ``DeviceCgroupRules`` (``--device``,
``--device-cgroup-rule``) as OCI ``linux.devices`` and ``linux.resources.devices``.

A host device is looked up as dockerd does (``DevicesFromPath``): its symlinks
followed, a directory walked for the device nodes under it; the node is made in the
container with the host's type, numbers, mode and owner, and the cgroup lets it be
opened with the given permissions. A rule is docker's ``type major:minor access``.
"""

import os
import re
import stat
from dataclasses import dataclass
from typing import Any

from berth.errors import InvalidArgument

_RULE = re.compile(r"^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$")


@dataclass(frozen=True)
class CustomDevices:
    nodes: list[dict[str, Any]]  # OCI linux.devices entries
    rules: list[dict[str, Any]]  # OCI linux.resources.devices entries, after the defaults


def _node(host_path: str, container_path: str, access: str,
          st: os.stat_result) -> tuple[dict[str, Any], dict[str, Any]]:
    kind = "c" if stat.S_ISCHR(st.st_mode) else "b"
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    node = {"path": container_path, "type": kind, "major": major, "minor": minor,
            "fileMode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid}
    return node, {"allow": True, "type": kind, "major": major, "minor": minor, "access": access}


def _is_device(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)


def _from_path(mapping: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    if not isinstance(mapping, dict):
        raise InvalidArgument("a device mapping must be an object")
    host = str(mapping.get("PathOnHost") or "")
    inside = str(mapping.get("PathInContainer") or host)
    access = str(mapping.get("CgroupPermissions") or "rwm")
    if not host.startswith("/") or not inside.startswith("/") or "\0" in host + inside:
        raise InvalidArgument(f"invalid device mapping {host!r}:{inside!r}")
    if not re.fullmatch(r"[rwm]{1,3}", access) or len(set(access)) != len(access):
        raise InvalidArgument(f"invalid device cgroup permissions {access!r}")
    if any(part in (".", "..") for part in inside.split("/")):
        raise InvalidArgument(f"invalid device path in the container {inside!r}")
    try:
        st = os.stat(host)
    except OSError as e:
        raise InvalidArgument("error gathering device information while adding custom "
                              f'device "{host}": {(e.strerror or str(e)).lower()}') from None
    if _is_device(st):
        return [_node(host, inside, access, st)]
    if not stat.S_ISDIR(st.st_mode):
        raise InvalidArgument("error gathering device information while adding custom "
                              f'device "{host}": not a device node')
    found = []
    for dirpath, _, files in os.walk(host):
        for name in sorted(files):
            try:
                sub = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if _is_device(sub):
                rel = os.path.relpath(os.path.join(dirpath, name), host)
                found.append(_node(host, os.path.join(inside, rel), access, sub))
    return found


def _rule(text: Any) -> dict[str, Any]:
    m = _RULE.match(str(text))
    if m is None:
        raise InvalidArgument(f"invalid device cgroup format '{text}'")
    rule: dict[str, Any] = {"allow": True, "type": m.group(1), "access": m.group(4)}
    for key, value in (("major", m.group(2)), ("minor", m.group(3))):
        if value != "*":
            rule[key] = int(value)
    return rule


def custom_devices(host_config: dict[str, Any]) -> CustomDevices:
    """The nodes and rules of ``--device`` and ``--device-cgroup-rule``; InvalidArgument
    in dockerd's words for a device that is missing or no device."""
    pairs = [pair for mapping in host_config.get("Devices") or []
             for pair in _from_path(mapping)]
    rules = [rule for _, rule in pairs]
    rules += [_rule(text) for text in host_config.get("DeviceCgroupRules") or []]
    return CustomDevices([node for node, _ in pairs], rules)
