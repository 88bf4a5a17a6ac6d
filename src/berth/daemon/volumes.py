"""The volume service: ``/volumes/*`` with dockerd's rules, checks and events.

A volume is in use while any container (in any state) refers to it, as dockerd
counts its references: such a volume is neither removed (dockerd's 409 ``remove
NAME: volume is in use - [ID]``, ``force`` too) nor pruned, and ``dangling``
lists the others. Who refers to what is the container records' to say
(``users``); the store (``berth.volumes``) knows nothing of containers.
"""

from collections.abc import Callable
from typing import Any

from berth.daemon.container_records import EventSink
from berth.errors import Conflict, InvalidArgument, NotFound
from berth.volumes import filters
from berth.volumes.store import Volume, VolumeStore

Users = Callable[[], dict[str, list[str]]]  # volume name: ids of the containers using it


def _strings(body: dict[str, Any], key: str) -> dict[str, str]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidArgument(f"json: cannot unmarshal {type(value).__name__} into Go struct "
                              f"field VolumeCreateBody.{key} of type map[string]string")
    return dict(value)


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArgument(f"json: cannot unmarshal {type(value).__name__} into Go struct "
                              f"field VolumeCreateBody.{key} of type string")
    return value


class VolumeService:
    def __init__(self, store: VolumeStore, users: Users) -> None:
        self.store = store
        self._users = users
        self.on_event: EventSink = lambda type_, action, id_, attributes: None

    def emit(self, action: str, name: str, **attributes: str) -> None:
        self.on_event("volume", action, name, {"driver": "local", **attributes})

    def create(self, body: object) -> Volume:
        """``POST /volumes/create``: a new volume, or the existing one of that name."""
        if not isinstance(body, dict):
            raise InvalidArgument(f"json: cannot unmarshal {type(body).__name__} into Go value "
                                  "of type volume.VolumeCreateBody")
        volume, new = self.store.create(_string(body, "Name"), _string(body, "Driver"),
                                        _strings(body, "DriverOpts"), _strings(body, "Labels"))
        if new:
            self.emit("create", volume.name)
        return volume

    def ensure(self, name: str, options: dict[str, str], labels: dict[str, str],
               anonymous: bool, driver: str = "") -> Volume:
        """A volume for a container's mount: the named one (made if missing) or a new
        anonymous one."""
        volume, new = self.store.create(name, driver, options, labels, anonymous)
        if new:
            self.emit("create", volume.name)
        return volume

    def mount(self, cid: str, points: list[dict[str, Any]]) -> None:
        """Before a run of container ``cid``: its volumes with driver options mounted (the
        first user mounts), each reported as dockerd's ``mount`` event."""
        done: list[str] = []
        try:
            for p in points:
                if p.get("Type") != "volume":
                    continue
                self.store.acquire(self.store.get(str(p["Name"])), cid)
                done.append(str(p["Name"]))
                self.emit("mount", str(p["Name"]), container=cid,
                          destination=str(p["Destination"]), propagation="",
                          **{"read/write": "true" if p.get("RW") else "false"})
        except BaseException:
            for name in done:
                self.store.release(name, cid)
            raise

    def unmount(self, cid: str, points: list[dict[str, Any]]) -> None:
        """After a run: the last user of a volume with driver options unmounts it."""
        for p in points:
            if p.get("Type") == "volume" and self.store.release(str(p["Name"]), cid):
                self.emit("unmount", str(p["Name"]), container=cid)

    def recover(self, running: dict[str, list[dict[str, Any]]]) -> None:
        """After a berthd restart: the running containers (id: mount points) hold their
        volumes again; driver mounts nobody holds are undone."""
        held: dict[str, set[str]] = {}
        for cid, points in running.items():
            for p in points:
                if p.get("Type") == "volume":
                    held.setdefault(str(p["Name"]), set()).add(cid)
        self.store.recover(held)

    def inspect(self, name: str) -> Volume:
        return self.store.get(name)

    def remove(self, name: str, force: bool = False) -> None:
        """``DELETE /volumes/{name}``; ``force`` forgives only a missing volume."""
        try:
            self.store.get(name)
        except NotFound:
            if force:
                return
            raise
        users = self._users().get(name)
        if users:
            raise Conflict(f"remove {name}: volume is in use - [{' '.join(users)}]")
        self.store.remove(name)
        self.emit("destroy", name)

    def prune(self, wanted: filters.Filters, api_version: str) -> dict[str, Any]:
        version = tuple(int(p) for p in api_version.split("."))
        prunable = filters.prune_matcher(wanted, version)
        users = self._users()
        deleted, reclaimed = [], 0
        for v in self.store.list():
            if users.get(v.name) or not prunable(v):
                continue
            size = self.store.size(v.name)
            try:
                self.store.remove(v.name)
            except NotFound:
                continue  # removed meanwhile
            self.emit("destroy", v.name)
            deleted.append(v.name)
            reclaimed += size
        return {"VolumesDeleted": deleted or None, "SpaceReclaimed": reclaimed}

    def usage(self) -> list[dict[str, Any]]:
        """``system df``'s volumes: each with its size and how many containers use it."""
        users = self._users()
        return [{**v.to_api(), "UsageData": {"Size": self.store.size(v.name),
                                             "RefCount": len(users.get(v.name) or [])}}
                for v in self.store.list()]

    # last: in the class body, ``list`` names this method from here on
    def list(self, wanted: filters.Filters) -> dict[str, Any]:
        users = self._users()
        keep = filters.list_matcher(wanted, lambda name: bool(users.get(name)))
        return {"Volumes": [v.to_api() for v in self.store.list() if keep(v)],
                "Warnings": None}
