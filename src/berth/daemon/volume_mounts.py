"""A container's volumes: resolved at create, mounted for its runs, let go at removal.

At create, every volume the container will mount becomes a *mount point* kept in its
record (``Container.mount_points``), in inspect's ``Mounts`` shape plus two keys of
berth's own: ``Anonymous`` (made for this container without a name: ``rm -v`` and
``--rm`` remove it, never a named one) and ``CopyData`` (seeded from the image's
content at its destination, unless ``nocopy``). They come, as dockerd resolves them,
from ``--volumes-from`` (the other container's volumes and binds, ``:ro``/``:rw``),
then the volumes asked for (``-v name:/path``, ``--mount type=volume``; a new
anonymous volume without a name), then the image's and the request's
``Config.Volumes`` not already mounted (anonymous volumes). A mount asked for wins
over a ``--volumes-from`` one at the same destination.
"""

import os
from collections.abc import Callable
from typing import Any, Protocol

from berth.daemon.container import Container
from berth.daemon.mounts import UserMount, user_mounts
from berth.errors import InvalidArgument
from berth.volumes.store import Volume

Point = dict[str, Any]
Lookup = Callable[[str], Container]


class Volumes(Protocol):
    def ensure(self, name: str, options: dict[str, str], labels: dict[str, str],
               anonymous: bool, driver: str = "") -> Volume: ...

    def remove(self, name: str, force: bool = False) -> None: ...


def _volume_point(volume: Volume, target: str, rw: bool, mode: str, anonymous: bool,
                  copy: bool) -> Point:
    return {"Type": "volume", "Name": volume.name, "Source": volume.mountpoint,
            "Destination": target, "Driver": "local", "Mode": mode, "RW": rw,
            "Propagation": "", "Anonymous": anonymous, "CopyData": copy}


def _from_spec(spec: str) -> tuple[str, str]:
    ref, _, mode = spec.partition(":")
    if mode not in ("", "ro", "rw") or not ref:
        raise InvalidArgument(f"invalid mode: {mode}")
    return ref, mode


def _volumes_from(host_config: dict[str, Any], lookup: Lookup) -> dict[str, Point]:
    """The other containers' volumes and binds, read-only with ``:ro`` (dockerd drops their
    Mode and keeps their RW unless a mode is given)."""
    out: dict[str, Point] = {}
    for spec in host_config.get("VolumesFrom") or []:
        ref, mode = _from_spec(str(spec))
        other = lookup(ref)
        binds = [m.inspect() for m in user_mounts(other.host_config, check_sources=False)
                 if m.type == "bind"]
        for point in [*binds, *other.mount_points]:
            rw = bool(point.get("RW")) if not mode else mode == "rw"
            out[str(point["Destination"])] = {**point, "Mode": "", "RW": rw,
                                              "Anonymous": False, "CopyData": False}
    return out


def resolve(host_config: dict[str, Any], config: dict[str, Any], volumes: Volumes,
            lookup: Lookup, made: list[str]) -> list[Point]:
    """The container's mount points, by destination; ``made`` gets the anonymous
    volumes made on the way (for the caller to remove should the create fail)."""
    asked = user_mounts(host_config)
    taken = {m.target for m in asked} | {os.path.normpath(str(t))
                                         for t in host_config.get("Tmpfs") or {}}
    points = {dest: p for dest, p in _volumes_from(host_config, lookup).items()
              if dest not in taken}
    default_driver = str(host_config.get("VolumeDriver") or "")  # --volume-driver
    for m in asked:
        if m.type == "volume":
            points[m.target] = _ensure(volumes, m, made, default_driver)
    for dest in config.get("Volumes") or {}:
        target = os.path.normpath(str(dest))
        if not target.startswith("/") or target == "/":
            raise InvalidArgument(f"invalid mount config for type \"volume\": invalid mount "
                                  f"path: '{dest}' mount path must be absolute")
        if target in taken or target in points:
            continue
        volume = volumes.ensure("", {}, {}, anonymous=True, driver=default_driver)
        made.append(volume.name)
        points[target] = _volume_point(volume, target, True, "", True, True)
    return [points[dest] for dest in sorted(points)]


def _ensure(volumes: Volumes, m: UserMount, made: list[str], default_driver: str) -> Point:
    volume = volumes.ensure(m.source, m.driver_options, m.labels, anonymous=not m.source,
                            driver=m.driver or default_driver)
    if not m.source:
        made.append(volume.name)
    return _volume_point(volume, m.target, not m.read_only, m.mode, not m.source,
                         not m.no_copy)


def oci_mounts(points: list[Point]) -> list[dict[str, Any]]:
    """The spec's binds of the resolved points."""
    out = []
    for p in points:
        options = ["rbind", str(p.get("Propagation") or "rprivate")]
        if not p.get("RW"):
            options.append("ro")
        out.append({"destination": p["Destination"], "type": "bind", "source": p["Source"],
                    "options": options})
    return out


def volume_names(c: Container, anonymous_only: bool = False) -> list[str]:
    return [str(p["Name"]) for p in c.mount_points if p.get("Type") == "volume"
            and (p.get("Anonymous") or not anonymous_only)]
