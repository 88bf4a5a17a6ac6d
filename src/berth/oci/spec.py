"""Build an OCI runtime-spec ``config.json`` (a plain dict) with Docker's defaults.

Pure data, no I/O: the daemon's specgen calls ``default_spec`` and the
runtime reads the result. Field names are the runtime-spec's exactly.
"""

from collections.abc import Collection
from typing import Any

from berth.errors import InvalidArgument
from berth.oci.defaults import (
    CAPABILITY_NUMBERS,
    DEFAULT_CAPABILITIES,
    DEFAULT_DEVICES,
    DEFAULT_SHM_SIZE,
    DEVICE_CGROUP_RULES,
    MASKED_PATHS,
    READONLY_PATHS,
    default_mounts,
)

OCI_VERSION = "1.0.2"
DEFAULT_NAMESPACES: tuple[str, ...] = ("mount", "network", "uts", "pid", "ipc")


def capabilities(cap_add: list[str] | None = None, cap_drop: list[str] | None = None,
                 privileged: bool = False,
                 available: Collection[str] | None = None) -> list[str]:
    """Docker's default set adjusted like ``--cap-add``/``--cap-drop`` (``ALL`` accepted).

    Names may omit the ``CAP_`` prefix and are case-insensitive, as docker's.
    ``available`` is the host's bounding set: ``--privileged`` and ``ALL`` mean all
    of those (docker asks for every capability the kernel knows, and fails on a
    host whose bounding set lacks one); naming a missing one is an error.
    """
    def norm(names: list[str] | None) -> list[str]:
        out = []
        for name in names or []:
            upper = name.upper()
            cap = upper if upper == "ALL" or upper.startswith("CAP_") else "CAP_" + upper
            if cap != "ALL" and cap not in CAPABILITY_NUMBERS:
                raise InvalidArgument(f'unknown capability: "{cap}"')
            out.append(cap)
        return out

    everything = [c for c in CAPABILITY_NUMBERS if available is None or c in available]
    if privileged:
        return everything
    add, drop = norm(cap_add), norm(cap_drop)
    missing = [c for c in add if c != "ALL" and c not in everything]
    if missing:
        raise InvalidArgument(f"capability {missing[0]} is not available on this host: "
                              "its capability bounding set lacks it")
    if "ALL" in add:
        return [c for c in everything if c not in drop]
    caps = [] if "ALL" in drop else [c for c in DEFAULT_CAPABILITIES if c not in drop]
    for cap in add:
        if cap not in caps:
            caps.append(cap)
    return caps


def default_spec(*, args: list[str], env: list[str], cwd: str, hostname: str, root_path: str,
                 uid: int = 0, gid: int = 0, additional_gids: list[int] | None = None,
                 readonly: bool = False, terminal: bool = False,
                 shm_size: int = DEFAULT_SHM_SIZE, cap_add: list[str] | None = None,
                 cap_drop: list[str] | None = None, privileged: bool = False,
                 no_new_privileges: bool = False, masked_paths: list[str] | None = None,
                 readonly_paths: list[str] | None = None, cgroup_namespace: bool = False,
                 namespace_paths: dict[str, str] | None = None,
                 mounts: list[dict[str, Any]] | None = None, cgroups_path: str | None = None,
                 resources: dict[str, Any] | None = None,
                 host_capabilities: Collection[str] | None = None) -> dict[str, Any]:
    """A runtime spec for one container process with docker's defaults.

    ``masked_paths``/``readonly_paths`` replace docker's lists when given (even
    empty), as ``HostConfig.MaskedPaths``/``ReadonlyPaths`` do; ``privileged``
    clears them and grants every capability. ``namespace_paths`` joins
    existing namespaces (e.g. ``{"network": "/run/berth/netns/<id>"}``) instead
    of creating them. ``mounts`` (volumes, binds, resolv.conf...) come after the
    default mounts. ``cgroups_path`` (berth uses ``berth/<id>``, relative: under
    the supervisor's own cgroup) and OCI ``resources`` (``memory.limit``,
    ``memory.swap``, ``pids.limit``, ``cpu.shares/quota/period``) put the
    container in a cgroup with those limits.
    """
    caps = capabilities(cap_add, cap_drop, privileged, host_capabilities)
    kinds = list(DEFAULT_NAMESPACES) + (["cgroup"] if cgroup_namespace else [])
    paths = namespace_paths or {}
    namespaces: list[dict[str, str]] = []
    for kind in kinds:
        ns = {"type": kind}
        if kind in paths:
            ns["path"] = paths[kind]
        namespaces.append(ns)
    default = default_mounts(shm_size)
    if privileged:
        for m in default:
            if m["destination"] in ("/sys", "/sys/fs/cgroup"):
                m["options"] = [o for o in m["options"] if o != "ro"]
    linux: dict[str, Any] = {
        "namespaces": namespaces,
        "devices": [{"path": p, "type": t, "major": ma, "minor": mi, "fileMode": 0o666,
                     "uid": 0, "gid": 0} for p, t, ma, mi in DEFAULT_DEVICES],
        "maskedPaths": [] if privileged else list(
            MASKED_PATHS if masked_paths is None else masked_paths),
        "readonlyPaths": [] if privileged else list(
            READONLY_PATHS if readonly_paths is None else readonly_paths),
    }
    if cgroups_path:
        linux["cgroupsPath"] = cgroups_path
    linux["resources"] = {**(resources or {}), "devices": (
        [{"allow": True, "access": "rwm"}] if privileged
        else [dict(rule) for rule in DEVICE_CGROUP_RULES])}
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": terminal,
            "user": {"uid": uid, "gid": gid, "additionalGids": list(additional_gids or [])},
            "args": list(args),
            "env": list(env),
            "cwd": cwd or "/",
            "capabilities": {"bounding": list(caps), "effective": list(caps),
                             "permitted": list(caps)},
            "noNewPrivileges": no_new_privileges,
        },
        "root": {"path": root_path, "readonly": readonly},
        "hostname": hostname,
        "mounts": default + [dict(m) for m in mounts or []],
        "linux": linux,
    }
