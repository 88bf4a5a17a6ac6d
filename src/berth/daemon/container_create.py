"""``docker create``: a new container's record and directories, checked first.

What the runtime would refuse at start is refused here, with nothing stored, as
dockerd does; what is kept is docker's ``Config`` (the image's, merged with the
request) and its ``HostConfig`` with dockerd's defaults filled in.
"""

import os
import shutil
from typing import Any

from berth.daemon import blkio, data_root, ipc, ports, validate, volume_mounts
from berth.daemon.container import Container
from berth.daemon.container_records import Records
from berth.daemon.logs import LogConfig
from berth.daemon.naming import new_id, random_name, valid_name
from berth.daemon.restart import RestartPolicy
from berth.daemon.specgen import build_spec, command_of, joined_containers, merge_config
from berth.daemon.volume_mounts import Volumes
from berth.errors import InvalidArgument
from berth.images.service import ImageService
from berth.paths import Paths
from berth.runtime import seccomp
from berth.util.timefmt import now_rfc3339

Warnings = list[str]  # docker's warnings in a create or update response


def create(records: Records, paths: Paths, images: ImageService, volumes: Volumes,
           name: str | None, body: dict[str, Any]) -> tuple[Container, Warnings]:
    """The new container, and docker's warnings for what it had to drop."""
    body = validate.create_body(body)
    image_name = body.get("Image")
    if not image_name or not isinstance(image_name, str):
        raise InvalidArgument("config cannot be empty in order to create a container")
    if name is not None and name != "" and not valid_name(name):
        raise InvalidArgument(
            f'Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed')
    image = images.resolve(image_name)
    host_config = body.get("HostConfig") or {}
    if not isinstance(host_config, dict):
        raise InvalidArgument("HostConfig must be an object")
    request = {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")}
    config = merge_config(image.config, request)
    config["Image"] = image_name
    argv = command_of(config)
    cid = new_id()
    if not config.get("Hostname"):  # the host's name when sharing the host's network
        host_net = (body.get("HostConfig") or {}).get("NetworkMode") == "host"
        config["Hostname"] = os.uname().nodename if host_net else cid[:12]
    host_config = _default_host_config(host_config)
    # Refuse what the runtime would refuse at start (capabilities, security options,
    # limits) now, as dockerd does, with nothing stored.
    RestartPolicy.from_host_config(host_config)
    LogConfig.from_host_config(host_config)
    for ref in joined_containers(host_config).values():
        records.get(ref)  # NotFound now, as docker's create says it
    host_config = ipc.settle(host_config, records.get)
    host_config, warnings = blkio.checked(host_config)
    host_config, port_warnings = ports.checked(host_config)
    warnings += port_warnings
    spec = build_spec(cid, config, blkio.without_device_limits(host_config), "/",
                      config["Hostname"])
    if spec["linux"].get("seccomp"):
        seccomp.compile_filter(spec["linux"]["seccomp"])  # cached: the next is free
    name = name.lstrip("/") if name else random_name({c.name for c in records.by_id.values()})
    made: list[str] = []  # anonymous volumes, removed again should the create fail
    try:
        points = volume_mounts.resolve(host_config, config, volumes, records.get, made)
        c = Container(
            id=cid, name=name, image_id=image.id, image_ref=image_name, created=now_rfc3339(),
            path=argv[0], args=argv[1:], config=config, host_config=host_config,
            mount_points=points,
        )
        cdir = paths.container(cid)
        data_root.make_container_dir(cdir)
        try:
            for sub in ("upper", "work", "merged"):
                (cdir / sub).mkdir()
            records.table.insert(cid, name, image.id, image_name, c.to_json(), c.created)
        except BaseException:
            shutil.rmtree(cdir, ignore_errors=True)
            raise
    except BaseException:
        for volume in made:
            volumes.remove(volume, force=True)
        raise
    records.by_id[cid] = c
    records.emit("create", c)
    return c, warnings


def _default_host_config(hc: dict[str, Any]) -> dict[str, Any]:
    out = dict(hc)
    out["NetworkMode"] = hc.get("NetworkMode") or "default"
    if not (out.get("LogConfig") or {}).get("Type"):
        out["LogConfig"] = {"Type": "json-file",
                            "Config": (out.get("LogConfig") or {}).get("Config") or {}}
    out["Runtime"] = validate.runtime(out.get("Runtime"))
    out.setdefault("RestartPolicy", {"Name": "no", "MaximumRetryCount": 0})
    out.setdefault("AutoRemove", False)
    out.setdefault("Binds", None)
    return out
