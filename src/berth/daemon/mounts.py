"""A container's mounts as asked: ``HostConfig.Binds`` (``-v``) and
``HostConfig.Mounts`` (``--mount``), checked with dockerd's messages.

Both become one list of ``UserMount``: the OCI mounts of the spec and the ``Mounts``
of ``inspect`` come from it for binds and tmpfs. ``HostConfig.Tmpfs`` (``--tmpfs``)
stays with the spec (``specgen``), as dockerd leaves it out of ``inspect``'s
``Mounts``. A ``--mount`` bind source must exist; a missing ``-v`` source is made at
start, as dockerd does (``container_runs``). Volumes (``-v name:/path``,
``type=volume``) are resolved to a volume at create (``volume_mounts``), which
keeps them in the container's record.
"""

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from berth.errors import InvalidArgument
from berth.volumes.names import check_name

PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave")
_LABELS = ("z", "Z")  # SELinux relabelling: accepted, nothing to do without SELinux


@dataclass(frozen=True, slots=True)
class UserMount:
    type: str  # "bind", "tmpfs" or "volume"
    source: str  # a volume's name ("" for a new anonymous one)
    target: str
    read_only: bool = False
    propagation: str = ""  # binds: rprivate unless given
    mode: str = ""  # the -v mode as given (inspect's Mode)
    recursive: bool = True
    tmpfs_size: int = 0
    tmpfs_mode: int | None = None
    no_copy: bool = False  # volumes: not seeded from the image
    driver: str = ""  # volumes: the driver asked for ("" or "local")
    driver_options: dict[str, str] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)

    def oci(self) -> dict[str, Any]:
        """The spec's mount."""
        if self.type == "tmpfs":
            options = ["nosuid", "nodev", "noexec"]
            if self.tmpfs_size:
                options.append(f"size={self.tmpfs_size}")
            if self.tmpfs_mode is not None:
                options.append(f"mode={self.tmpfs_mode:o}")
            if self.read_only:
                options.append("ro")
            return {"destination": self.target, "type": "tmpfs", "source": "tmpfs",
                    "options": options}
        options = ["rbind" if self.recursive else "bind", self.propagation or "rprivate"]
        if self.read_only:
            options.append("ro")
        return {"destination": self.target, "type": "bind", "source": self.source,
                "options": options}

    def inspect(self) -> dict[str, Any]:
        """An entry of ``inspect``'s ``Mounts``, as dockerd writes it."""
        return {"Type": self.type, "Source": self.source, "Destination": self.target,
                "Mode": self.mode, "RW": not self.read_only,
                "Propagation": (self.propagation or "rprivate") if self.type == "bind" else ""}


def _absolute(kind: str, path: str) -> str:
    if "\x00" in path:
        raise InvalidArgument(f'invalid mount config for type "{kind}": the path holds a NUL '
                              "byte")
    if not path.startswith("/"):
        raise InvalidArgument(f'invalid mount config for type "{kind}": invalid mount path: '
                              f"'{path}' mount path must be absolute")
    return os.path.normpath(path)


def _mode(mode: str) -> tuple[bool, str]:
    """(read-only, propagation) of a ``-v`` mode: at most one of each kind of word."""
    read_only, propagation = False, ""
    seen: set[str] = set()
    for word in mode.split(",") if mode else []:
        kind = ("rw" if word in ("rw", "ro") else "label" if word in _LABELS
                else "propagation" if word in PROPAGATIONS
                else "copy" if word == "nocopy" else "")
        if not kind or kind in seen:
            raise InvalidArgument(f"invalid mode: {mode}")
        seen.add(kind)
        if word == "ro":
            read_only = True
        elif kind == "propagation":
            propagation = word
    return read_only, propagation


def parse_bind(spec: str) -> UserMount:
    """A ``-v``/``Binds`` entry: ``/host:/container[:mode]``."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]):
        raise InvalidArgument(f"invalid volume specification: '{spec}'")
    source, target = parts[0], parts[1]
    mode = parts[2] if len(parts) == 3 else ""
    read_only, propagation = _mode(mode)
    if not target.startswith("/"):
        raise InvalidArgument(f"invalid volume specification: '{spec}': invalid mount "
                              f"config for type \"bind\": invalid mount path: '{target}' "
                              "mount path must be absolute")
    if os.path.normpath(target) == "/":
        raise InvalidArgument(f"invalid specification: destination can't be '/' in '{spec}'")
    if not source.startswith("/"):  # a volume's name, "z" when no mode is given (dockerd)
        check_name(source)
        return UserMount("volume", source, os.path.normpath(target), read_only,
                         mode=mode or "z", no_copy="nocopy" in mode.split(","))
    return UserMount("bind", os.path.normpath(source), os.path.normpath(target), read_only,
                     propagation or "rprivate", mode)


def _only(kind: str, entry: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for field in ("Source", "BindOptions", "TmpfsOptions", "VolumeOptions"):
        if entry.get(field) and field not in allowed:
            raise InvalidArgument(f'invalid mount config for type "{kind}": field {field} '
                                  "must not be specified")


def parse_mount(entry: object, check_source: bool = True) -> UserMount:
    """A ``HostConfig.Mounts`` entry (the API's ``Mount``); a bind's source must exist
    (at create and at start; ``inspect`` shows the entry anyway)."""
    if not isinstance(entry, dict):
        raise InvalidArgument("invalid mount config: not an object")
    kind = str(entry.get("Type") or "")
    target = str(entry.get("Target") or "")
    if kind not in ("bind", "tmpfs", "volume"):
        raise InvalidArgument(f'invalid mount config for type "{kind}": mount type unknown')
    if not target:
        raise InvalidArgument(f'invalid mount config for type "{kind}": field Target must '
                              "not be empty")
    target = _absolute(kind, target)
    read_only = bool(entry.get("ReadOnly"))
    if kind == "tmpfs":
        _only(kind, entry, ("TmpfsOptions",))
        options = entry.get("TmpfsOptions") or {}
        size = int(options.get("SizeBytes") or 0)
        if size < 0:
            raise InvalidArgument(f'invalid mount config for type "tmpfs": invalid tmpfs '
                                  f"size {size}")
        mode = options.get("Mode")
        return UserMount("tmpfs", "", target, read_only, tmpfs_size=size,
                         tmpfs_mode=None if mode in (None, 0) else int(mode))
    if kind == "volume":
        return _volume_mount(entry, target, read_only)
    _only(kind, entry, ("Source", "BindOptions"))
    source = str(entry.get("Source") or "")
    if not source:
        raise InvalidArgument('invalid mount config for type "bind": field Source must not '
                              "be empty")
    source = _absolute(kind, source)
    if check_source and not os.path.exists(source):
        raise InvalidArgument(f'invalid mount config for type "bind": bind source path does '
                              f"not exist: {source}")
    bind = entry.get("BindOptions") or {}
    propagation = str(bind.get("Propagation") or "rprivate")
    if propagation not in PROPAGATIONS:
        raise InvalidArgument(f'invalid mount config for type "bind": invalid propagation '
                              f"mode: {propagation}")
    return UserMount("bind", source, target, read_only, propagation,
                     recursive=not bind.get("NonRecursive"))


def _strings(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidArgument(f'invalid mount config for type "volume": {what} must be a map '
                              "of strings")
    return {str(k): v for k, v in value.items()}


def _volume_mount(entry: dict[str, Any], target: str, read_only: bool) -> UserMount:
    """``--mount type=volume[,src=NAME][,volume-opt=..][,volume-nocopy]``: no source is a
    new anonymous volume; inspect's Mode is "z", as dockerd's."""
    _only("volume", entry, ("Source", "VolumeOptions"))
    source = str(entry.get("Source") or "")
    if source:
        check_name(source)
    options = entry.get("VolumeOptions") or {}
    if not isinstance(options, dict):
        raise InvalidArgument('invalid mount config for type "volume": VolumeOptions must be '
                              "an object")
    driver = options.get("DriverConfig") or {}
    if not isinstance(driver, dict):
        raise InvalidArgument('invalid mount config for type "volume": DriverConfig must be '
                              "an object")
    return UserMount("volume", source, target, read_only, mode="z",
                     no_copy=bool(options.get("NoCopy")), driver=str(driver.get("Name") or ""),
                     driver_options=_strings(driver.get("Options"), "DriverConfig.Options"),
                     labels=_strings(options.get("Labels"), "Labels"))


def user_mounts(host_config: dict[str, Any], check_sources: bool = True) -> list[UserMount]:
    """``Binds`` then ``Mounts``; one mount point once (dockerd's "Duplicate mount point")."""
    mounts = [parse_bind(str(b)) for b in host_config.get("Binds") or []]
    mounts += [parse_mount(m, check_sources) for m in host_config.get("Mounts") or []]
    seen = {os.path.normpath(str(t)) for t in host_config.get("Tmpfs") or {}}
    for m in mounts:
        if m.target in seen:
            raise InvalidArgument(f"Duplicate mount point: {m.target}")
        seen.add(m.target)
    return mounts


INSPECT_KEYS = ("Type", "Name", "Source", "Destination", "Driver", "Mode", "RW", "Propagation")


def mount_points(host_config: dict[str, Any],
                 resolved: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``inspect``'s and ``ps``'s ``Mounts``, by destination (dockerd's come in map order):
    the binds and tmpfs mounts asked for, and the volumes (and ``--volumes-from``
    binds) resolved at create, which the record keeps."""
    try:
        points = user_mounts(host_config, check_sources=False)
    except InvalidArgument:  # checked at create: only a record from an older berth
        points = []
    out = [m.inspect() for m in points if m.type != "volume"]
    out += [{k: p[k] for k in INSPECT_KEYS if k in p} for p in resolved or []]
    return sorted(out, key=lambda m: str(m["Destination"]))

