"""The types of ``POST /containers/create``'s body, checked the way dockerd's JSON
decoder checks them, and the ranges of its limits as dockerd checks them, with its
message for a wrong one:

    json: cannot unmarshal string into Go struct field HostConfig.Memory of type int64

Fields berth does not know pass through; ``Cmd``, ``Entrypoint`` and ``Shell``
accept a plain string as docker's ``StrSlice`` does (it becomes a list of one). A
string holding a NUL byte is refused here too: no path, argument or variable can carry
one into a system call (dockerd lets it through to fail there).
"""

import os
from typing import Any

from berth.errors import InvalidArgument

STR, BOOL, INT, STRS, MAP, STRMAP, LIST = ("string", "bool", "int64", "[]string", "map",
                                           "map[string]string", "list")
U16, U64 = "uint16", "uint64"
_GO = {STR: "string", BOOL: "bool", INT: "int64", STRS: "[]string", MAP: "struct",
       STRMAP: "map[string]string", LIST: "[]struct", U16: "uint16", U64: "uint64"}
_MAX = {U16: 0xFFFF, U64: 2**64 - 1}
# Block I/O lists: each entry an object of these fields (docker's blkiodev types)
_DEVICE_LISTS = {"BlkioWeightDevice": ("WeightDevice", {"Path": STR, "Weight": U16}),
                 **{key: ("ThrottleDevice", {"Path": STR, "Rate": U64}) for key in (
                     "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                     "BlkioDeviceWriteIOps")}}

CONFIG: dict[str, str] = {
    "Hostname": STR, "Domainname": STR, "User": STR, "AttachStdin": BOOL,
    "AttachStdout": BOOL, "AttachStderr": BOOL, "ExposedPorts": MAP, "Tty": BOOL,
    "OpenStdin": BOOL, "StdinOnce": BOOL, "Env": STRS, "Cmd": STRS, "Healthcheck": MAP,
    "ArgsEscaped": BOOL, "Image": STR, "Volumes": MAP, "WorkingDir": STR, "Entrypoint": STRS,
    "NetworkDisabled": BOOL, "MacAddress": STR, "OnBuild": STRS, "Labels": STRMAP,
    "StopSignal": STR, "StopTimeout": INT, "Shell": STRS, "HostConfig": MAP,
    "NetworkingConfig": MAP,
}
HOST_CONFIG: dict[str, str] = {
    "Binds": STRS, "ContainerIDFile": STR, "LogConfig": MAP, "NetworkMode": STR,
    "PortBindings": MAP, "RestartPolicy": MAP, "AutoRemove": BOOL, "VolumeDriver": STR,
    "VolumesFrom": STRS, "CapAdd": STRS, "CapDrop": STRS, "CgroupnsMode": STR, "Dns": STRS,
    "DnsOptions": STRS, "DnsSearch": STRS, "ExtraHosts": STRS, "GroupAdd": STRS,
    "IpcMode": STR, "Cgroup": STR, "Links": STRS, "OomScoreAdj": INT, "PidMode": STR,
    "Privileged": BOOL, "PublishAllPorts": BOOL, "ReadonlyRootfs": BOOL, "SecurityOpt": STRS,
    "StorageOpt": STRMAP, "Tmpfs": STRMAP, "UTSMode": STR, "UsernsMode": STR, "ShmSize": INT,
    "Sysctls": STRMAP, "Runtime": STR, "Isolation": STR, "CpuShares": INT, "Memory": INT,
    "NanoCpus": INT, "CgroupParent": STR, "BlkioWeight": U16, "CpuPeriod": INT,
    "CpuQuota": INT, "CpuRealtimePeriod": INT, "CpuRealtimeRuntime": INT, "CpusetCpus": STR,
    "CpusetMems": STR, "Devices": LIST, "DeviceCgroupRules": STRS, "MemoryReservation": INT,
    "MemorySwap": INT, "MemorySwappiness": INT, "OomKillDisable": BOOL, "PidsLimit": INT,
    "Ulimits": LIST, "Init": BOOL, "MaskedPaths": STRS, "ReadonlyPaths": STRS, "Mounts": LIST,
    "ConsoleSize": LIST, "KernelMemory": INT, "CpuCount": INT, "CpuPercent": INT,
    **dict.fromkeys(_DEVICE_LISTS, LIST),
}
_STRSLICES = ("Cmd", "Entrypoint", "Shell")
EXEC_CONFIG: dict[str, str] = {
    "AttachStdin": BOOL, "AttachStdout": BOOL, "AttachStderr": BOOL, "DetachKeys": STR,
    "Tty": BOOL, "Env": STRS, "Cmd": STRS, "Privileged": BOOL, "User": STR,
    "WorkingDir": STR, "ConsoleSize": LIST,
}


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _fits(kind: str, value: object) -> bool:
    if value is None:
        return True  # JSON null: the zero value, as Go decodes it
    if kind == STR:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in _MAX:
        return isinstance(value, int) and not isinstance(value, bool) and \
            0 <= value <= _MAX[kind]
    if kind == STRS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == STRMAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == LIST:
        return isinstance(value, list)
    return isinstance(value, dict)


def _has_nul(kind: str, value: object) -> bool:
    if kind == STR:
        return isinstance(value, str) and "\x00" in value
    if kind == STRS and isinstance(value, list):
        return any("\x00" in v for v in value if isinstance(v, str))
    if kind == STRMAP and isinstance(value, dict):
        return any("\x00" in str(k) + str(v) for k, v in value.items())
    return False


def _check(struct: str, fields: dict[str, str], body: dict[str, Any]) -> None:
    for key, kind in fields.items():
        if key in body and _fits(kind, body[key]) and _has_nul(kind, body[key]):
            raise InvalidArgument(f"invalid {struct}.{key}: it holds a NUL byte")
        if key in body and not _fits(kind, body[key]):
            value = body[key]
            if kind == STRS and isinstance(value, list):
                value = next(v for v in value if not isinstance(v, str))
                kind = STR
            what = _json_type(value)
            if what == "number" and kind in (INT, U16, U64):  # Go names what did not fit
                what = f"number {value}"
            raise InvalidArgument(f"json: cannot unmarshal {what} into Go struct "
                                  f"field {struct}.{key} of type {_GO[kind]}")


def _check_device_lists(host_config: dict[str, Any]) -> None:
    for key, (struct, fields) in _DEVICE_LISTS.items():
        for entry in host_config.get(key) or []:
            if not isinstance(entry, dict):
                raise InvalidArgument(f"json: cannot unmarshal {_json_type(entry)} into Go "
                                      f"struct field HostConfig.{key} of type "
                                      f"blkiodev.{struct}")
            _check(f"{struct}.HostConfig.{key}", fields, entry)


MIN_MEMORY = 6 << 20  # dockerd's linuxMinMemory


def _check_limits(host_config: dict[str, Any]) -> None:
    """dockerd's range checks of the limits (verifyPlatformContainerResources), with its
    words; values the kernel would refuse at the start are refused at create."""
    def value(key: str) -> int:
        return int(host_config.get(key) or 0)

    if int(host_config.get("MemorySwap") or 0) < -1:
        raise InvalidArgument("invalid MemorySwap: -1 (unlimited) or a size in bytes")
    for key in ("Memory", "MemoryReservation", "CpuShares", "KernelMemory"):
        if value(key) < 0:
            raise InvalidArgument(f"invalid {key}: it cannot be negative (0 leaves it unset)")
    if value("CpuQuota") < -1:
        raise InvalidArgument("invalid CpuQuota: -1 (unlimited) or at least 1000")
    if 0 < value("Memory") < MIN_MEMORY:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")
    if 0 < value("MemoryReservation") < MIN_MEMORY:
        raise InvalidArgument("Minimum memory reservation allowed is 6MB")
    swappiness = host_config.get("MemorySwappiness")
    if swappiness is not None and swappiness != -1 and not 0 <= int(swappiness) <= 100:
        raise InvalidArgument(f"Invalid value: {swappiness}, valid memory swappiness range "
                              "is 0-100")
    if value("CpuPeriod") and not 1000 <= value("CpuPeriod") <= 1_000_000:
        raise InvalidArgument("CPU cfs period can not be less than 1ms (i.e. 1000) or larger "
                              "than 1s (i.e. 1000000)")
    if 0 < value("CpuQuota") < 1000:
        raise InvalidArgument("CPU cfs quota can not be less than 1ms (i.e. 1000)")
    ncpu = os.cpu_count() or 1
    if value("NanoCpus") < 0 or value("NanoCpus") > ncpu * 10**9:
        raise InvalidArgument(f"Range of CPUs is from 0.01 to {ncpu}.00, as there are only "
                              f"{ncpu} CPUs available")


def update_body(body: dict[str, Any]) -> None:
    """The limits of ``POST /containers/{id}/update``, checked like create's."""
    _check("UpdateConfig", {k: HOST_CONFIG[k] for k in body if k in HOST_CONFIG}, body)
    _check_limits(body)


RUNTIMES = ("runc", "io.containerd.runc.v2")
"""The names berth's own runtime answers to, the default first: docker's names for its
default runtime, the ones clients ask for (docker-py's ``runtime='runc'``)."""


def runtime(name: object) -> str:
    """``HostConfig.Runtime``: the default when unset; one berth does not have is refused
    in dockerd's words."""
    if not name:
        return RUNTIMES[0]
    if name not in RUNTIMES:
        raise InvalidArgument(f"Unknown runtime specified {name}")
    return str(name)


def go_field_names(body: dict[str, Any], fields: dict[str, str]) -> None:
    """Name the known fields as ``fields`` does, whatever their case: Go's JSON decoder
    matches names case-insensitively, and clients rely on it (docker-py sends the
    exec's ``detachKeys``). A later key wins over an earlier one, as in Go."""
    folded = {name.lower(): name for name in fields}
    items = list(body.items())
    body.clear()
    for key, value in items:
        body[folded.get(key.lower(), key)] = value


def exec_body(body: dict[str, Any]) -> None:
    """``POST /containers/{id}/exec``'s ExecConfig, checked like create's."""
    go_field_names(body, EXEC_CONFIG)
    if isinstance(body.get("Cmd"), str):
        body["Cmd"] = [body["Cmd"]]
    _check("ExecConfig", EXEC_CONFIG, body)


def create_body(body: object) -> dict[str, Any]:
    """The create body, checked; ``StrSlice`` fields given as a string made lists."""
    if not isinstance(body, dict):
        raise InvalidArgument("config cannot be empty in order to create a container")
    out = dict(body)
    for key in _STRSLICES:
        if isinstance(out.get(key), str):
            out[key] = [out[key]]
    _check("ContainerConfigWrapper", CONFIG, out)
    host_config = out.get("HostConfig")
    if isinstance(host_config, dict):
        _check("HostConfig", HOST_CONFIG, host_config)
        _check_device_lists(host_config)
        _check_limits(host_config)
    return out
