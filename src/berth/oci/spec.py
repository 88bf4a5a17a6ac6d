"""Build an OCI runtime-spec ``config.json`` with Docker's defaults."""

from typing import Any

from berth.oci.defaults import (
    DEFAULT_CAPABILITIES,
    DEFAULT_DEVICES,
    DEFAULT_SHM_SIZE,
    MASKED_PATHS,
    READONLY_PATHS,
    default_mounts,
)


def default_spec(*, args: list[str], env: list[str], cwd: str, hostname: str, root_path: str,
                 uid: int = 0, gid: int = 0, additional_gids: list[int] | None = None,
                 readonly: bool = False, terminal: bool = False,
                 shm_size: int = DEFAULT_SHM_SIZE) -> dict[str, Any]:
    caps = list(DEFAULT_CAPABILITIES)
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": terminal,
            "user": {"uid": uid, "gid": gid, "additionalGids": additional_gids or []},
            "args": args,
            "env": env,
            "cwd": cwd or "/",
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "noNewPrivileges": False,
        },
        "root": {"path": root_path, "readonly": readonly},
        "hostname": hostname,
        "mounts": default_mounts(shm_size),
        "linux": {
            "namespaces": [{"type": t} for t in ("mount", "network", "uts", "pid", "ipc")],
            "devices": [{"path": p, "type": t, "major": ma, "minor": mi, "fileMode": 0o666,
                         "uid": 0, "gid": 0} for p, t, ma, mi in DEFAULT_DEVICES],
            "maskedPaths": list(MASKED_PATHS),
            "readonlyPaths": list(READONLY_PATHS),
        },
    }
