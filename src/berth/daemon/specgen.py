"""From Docker's container Config and HostConfig to an OCI runtime spec.

Docker's rules for the process: the image's Entrypoint and Cmd are replaced by
the request's (an Entrypoint given in the request drops the image's Cmd); Env
starts from docker's PATH, then HOSTNAME, then the image's and the request's
variables, a later one of the same name replacing the earlier in place.
"""

from typing import Any

from berth.errors import InvalidArgument
from berth.oci.spec import default_spec

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def merge_env(*lists: list[str] | None) -> list[str]:
    """Later variables replace earlier ones of the same name, keeping their place."""
    out: list[str] = []
    index: dict[str, int] = {}
    for env in lists:
        for item in env or []:
            key = item.split("=", 1)[0]
            if key in index:
                out[index[key]] = item
            else:
                index[key] = len(out)
                out.append(item)
    return out


def merge_config(image_config: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The container's Config: the request over the image's config, as docker merges them."""
    img = image_config.get("config") or {}
    config = dict(request)
    entrypoint = config.get("Entrypoint")
    if entrypoint == [""]:
        config["Entrypoint"] = None  # `--entrypoint ""`: reset the image's, keep only Cmd
    elif not entrypoint:
        if not config.get("Cmd"):
            config["Cmd"] = img.get("Cmd")
        if entrypoint is None:
            config["Entrypoint"] = img.get("Entrypoint")
    config["Env"] = merge_env(img.get("Env"), request.get("Env"))
    for key, default in (("WorkingDir", ""), ("User", ""), ("StopSignal", None)):
        if not config.get(key):
            config[key] = img.get(key, default) or default
    labels = dict(img.get("Labels") or {})
    labels.update(request.get("Labels") or {})
    config["Labels"] = labels
    for key, default in (
        ("Tty", False), ("OpenStdin", False), ("StdinOnce", False), ("AttachStdin", False),
        ("AttachStdout", False), ("AttachStderr", False), ("Hostname", ""),
        ("Domainname", ""), ("Volumes", None), ("OnBuild", None),
    ):
        config.setdefault(key, default)
    if config.get("Cmd") is not None and not isinstance(config["Cmd"], list):
        raise InvalidArgument("invalid Cmd: must be a list of strings")
    return config


def command_of(config: dict[str, Any]) -> list[str]:
    argv = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    if not argv:
        raise InvalidArgument("no command specified")
    return argv


def parse_user(user: str) -> tuple[int, int]:
    """Numeric ``uid[:gid]``; names are resolved in the image (not yet)."""
    if not user:
        return 0, 0
    uid_s, _, gid_s = user.partition(":")
    try:
        uid = int(uid_s)
        gid = int(gid_s) if gid_s else 0
    except ValueError:
        raise InvalidArgument(f"unable to find user {user}: user names are not supported yet")\
            from None
    return uid, gid


def build_spec(config: dict[str, Any], host_config: dict[str, Any], root_path: str,
               hostname: str) -> dict[str, Any]:
    argv = command_of(config)
    env = merge_env([DEFAULT_PATH, f"HOSTNAME={hostname}"],
                    ["TERM=xterm"] if config.get("Tty") else [], config.get("Env"))
    uid, gid = parse_user(config.get("User") or "")
    return default_spec(
        args=argv,
        env=env,
        cwd=config.get("WorkingDir") or "/",
        hostname=hostname,
        root_path=root_path,
        uid=uid,
        gid=gid,
        readonly=bool(host_config.get("ReadonlyRootfs")),
        terminal=bool(config.get("Tty")),
    )
