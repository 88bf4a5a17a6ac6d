"""``run``'s isolation and resource flags, and the ``HostConfig`` they make.

Values are parsed the way the docker CLI parses them (go-units ``RAMInBytes``
for sizes, rationals for ``--cpus``, profile files read for ``--security-opt
seccomp=FILE``), with docker's messages for bad ones.
"""

from __future__ import annotations

import json
import os
import re

from berth.cli import hostconfig_kernel
from berth.cli.usage import FLAG_ERROR, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

_RAM = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_RAM_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def _flag_error(value: str, flag: str, detail: str) -> UsageError:
    return UsageError(f'invalid argument "{value}" for "{flag}" flag: {detail}', "run",
                      FLAG_ERROR)


def ram_in_bytes(value: str, flag: str) -> int:
    """go-units ``RAMInBytes``: ``32m`` = 32 MiB; ``-1`` only where the flag allows it."""
    m = _RAM.match(value)
    if m is None:
        raise _flag_error(value, flag, f"invalid size: '{value}'")
    return int(float(m.group(1)) * _RAM_UNITS[(m.group(2) or "").lower()])


def _swap(value: str) -> int:
    return -1 if value == "-1" else ram_in_bytes(value, "--memory-swap")


def nano_cpus(value: str) -> int:
    try:
        cpus = float(value)
    except ValueError:
        detail = f"failed to parse {value} as a rational number"
        raise _flag_error(value, "--cpus", detail) from None
    return round(cpus * 1e9)


def blkio_weight(value: str) -> int:
    """``--blkio-weight``: a uint16 as Go's ParseUint reads it (the range is berthd's)."""
    if not value.isdigit():
        raise _flag_error(value, "--blkio-weight",
                          f'strconv.ParseUint: parsing "{value}": invalid syntax')
    if int(value) > 0xFFFF:
        raise _flag_error(value, "--blkio-weight",
                          f'strconv.ParseUint: parsing "{value}": value out of range')
    return int(value)


_TRUE, _FALSE = ("1", "t", "T", "true", "TRUE", "True"), ("0", "f", "F", "false", "FALSE", "False")
_MOUNT_KEYS = {"src": "source", "dst": "target", "destination": "target", "ro": "readonly"}


def mount_spec(value: str) -> dict[str, Any]:
    """``--mount type=bind,source=/a,target=/b,readonly``: the API's ``Mount``, with the
    docker CLI's checks and words (its default type is ``volume``)."""
    import csv

    def fail(detail: str) -> UsageError:
        return _flag_error(value, "--mount", detail)

    mount: dict[str, Any] = {"Type": "volume"}
    bind: dict[str, Any] = {}
    tmpfs: dict[str, Any] = {}
    volume: dict[str, Any] = {}
    for field in next(csv.reader([value])) if value else []:
        key, eq, val = field.partition("=")
        key = _MOUNT_KEYS.get(key.strip().lower(), key.strip().lower())
        if not eq and key not in ("readonly", "bind-nonrecursive", "volume-nocopy"):
            raise fail(f"invalid field '{field}' must be a key=value pair")
        if key == "type":
            mount["Type"] = val
        elif key in ("source", "target"):
            mount[key.capitalize()] = val
        elif key in ("readonly", "bind-nonrecursive"):
            if eq and val not in _TRUE + _FALSE:
                raise fail(f"invalid value for {key}: {val}")
            on = not eq or val in _TRUE
            if key == "readonly":
                mount["ReadOnly"] = on
            else:
                bind["NonRecursive"] = on
        elif key == "bind-propagation":
            bind["Propagation"] = val
        elif key == "tmpfs-size":
            try:
                tmpfs["SizeBytes"] = ram_in_bytes(val, "--mount")
            except UsageError:
                raise fail(f"invalid value for tmpfs-size: {val}") from None
        elif key == "tmpfs-mode":
            try:
                tmpfs["Mode"] = int(val, 8)
            except ValueError:
                raise fail(f"invalid value for tmpfs-mode: {val}") from None
        elif key == "volume-nocopy":
            if eq and val not in _TRUE + _FALSE:
                raise fail(f"invalid value for volume-nocopy: {val}")
            volume["NoCopy"] = not eq or val in _TRUE
        elif key == "volume-driver":
            volume.setdefault("DriverConfig", {})["Name"] = val
        elif key in ("volume-opt", "volume-label"):
            k, _, v = val.partition("=")
            where = (volume.setdefault("DriverConfig", {}).setdefault("Options", {})
                     if key == "volume-opt" else volume.setdefault("Labels", {}))
            where[k] = v
        elif key == "consistency":
            continue  # macOS only: docker ignores it here
        else:
            raise fail(f"unexpected key '{key}' in '{field}'")
    if not mount.get("Target"):
        raise fail("target is required")
    for prefix, options, kind in (("bind", bind, "bind"), ("tmpfs", tmpfs, "tmpfs"),
                                  ("volume", volume, "volume")):
        if options and mount["Type"] != kind:
            raise fail(f"cannot mix '{prefix}-*' options with mount type '{mount['Type']}'")
    if bind:
        mount["BindOptions"] = bind
    if tmpfs:
        mount["TmpfsOptions"] = tmpfs
    if volume:
        mount["VolumeOptions"] = volume
    return mount


def anonymous_volumes(values: list[str]) -> dict[str, dict[str, Any]]:
    """``-v /path`` (no source): an anonymous volume, which the docker CLI sends as
    ``Config.Volumes``; the rest go as ``HostConfig.Binds``."""
    return {v: {} for v in values if ":" not in v}


def _port_range(text: str, what: str, value: str) -> list[int]:
    first, _, last = text.partition("-")
    if not first.isdigit() or (last and not last.isdigit()) or \
            not 0 < int(first) <= int(last or first) <= 65535:
        raise _flag_error(value, "-p, --publish", f"Invalid {what}: {text}")
    return list(range(int(first), int(last or first) + 1))


def publish_spec(value: str) -> dict[str, list[dict[str, str]]]:
    """``-p [ip:][hostPort:]containerPort[/proto]`` (ranges too) as ``PortBindings``
    entries, with the docker CLI's words for a bad one."""
    spec, _, proto = value.partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp", "sctp"):
        raise _flag_error(value, "-p, --publish", f"Invalid proto: {proto}")
    ip, host, container = "", "", spec
    if spec.startswith("["):  # [::1]:8080:80
        ip, _, rest = spec[1:].partition("]")
        host, _, container = rest.lstrip(":").rpartition(":")
    elif spec.count(":") == 2:
        ip, host, container = spec.split(":")
    elif spec.count(":") == 1:
        host, container = spec.split(":")
    elif ":" in spec:
        raise _flag_error(value, "-p, --publish", f"Invalid ip address: {spec}")
    ports = _port_range(container, "containerPort", value)
    hosts = _port_range(host, "hostPort", value) if host else []
    if hosts and len(hosts) != len(ports) and len(hosts) != 1:
        raise _flag_error(value, "-p, --publish", "Invalid ranges specified for container "
                          f"and host Ports: {container} and {host}")
    out: dict[str, list[dict[str, str]]] = {}
    for i, port in enumerate(ports):
        host_port = "" if not hosts else str(hosts[i] if len(hosts) == len(ports) else hosts[0])
        out.setdefault(f"{port}/{proto}", []).append({"HostIp": ip, "HostPort": host_port})
    return out


def exposed_ports(expose: list[str], bindings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``--expose`` and the container side of ``-p`` (``PortBindings``, as
    ``host_config`` made them): ``Config.ExposedPorts``."""
    out: dict[str, dict[str, Any]] = {}
    for value in expose:
        spec, _, proto = value.partition("/")
        for port in _port_range(spec, "containerPort", value):
            out[f"{port}/{proto or 'tcp'}"] = {}
    out.update({key: {} for key in bindings})
    return out


def _device_path(value: str, flag: str) -> tuple[str, str]:
    path, sep, rest = value.partition(":")
    if not sep:
        raise _flag_error(value, flag, f"bad format: {value}")
    if not path.startswith("/dev/"):
        raise _flag_error(value, flag, f"bad format for device path: {value}")
    return path, rest


def weight_device(value: str) -> dict[str, Any]:
    """docker's ``ValidateWeightDevice``: ``/dev/PATH:WEIGHT``, 10..1000 (0 unsets)."""
    path, weight = _device_path(value, "--blkio-weight-device")
    if not weight.isdigit() or (int(weight) and not 10 <= int(weight) <= 1000):
        raise _flag_error(value, "--blkio-weight-device", f"invalid weight for device: {value}")
    return {"Path": path, "Weight": int(weight)}


def throttle_device(value: str, flag: str) -> dict[str, Any]:
    """docker's ``ValidateThrottleBpsDevice``/``...IOpsDevice``: ``/dev/PATH:RATE``, a size
    (``1mb``) for bytes per second, a plain number for IO per second."""
    path, rate = _device_path(value, flag)
    if flag.endswith("bps"):
        if _RAM.match(rate) is None:
            raise _flag_error(value, flag, f"invalid rate for device: {value}. The correct "
                              "format is <device-path>:<number>[<unit>]. Number must be a "
                              "positive integer. Unit is optional and can be kb, mb, or gb")
        return {"Path": path, "Rate": ram_in_bytes(rate, flag)}
    if not rate.isdigit():
        raise _flag_error(value, flag, f"invalid rate for device: {value}. The correct format "
                          "is <device-path>:<number>. Number must be a positive integer")
    return {"Path": path, "Rate": int(rate)}


def ulimit(value: str) -> dict[str, Any]:
    """docker's ``--ulimit name=soft[:hard]`` (hard defaults to soft)."""
    name, sep, limits = value.partition("=")
    soft, _, hard = limits.partition(":")
    if not sep or not soft.lstrip("-").isdigit() or (hard and not hard.lstrip("-").isdigit()):
        raise _flag_error(value, "--ulimit", f"invalid ulimit argument: {value}")
    return {"Name": name, "Soft": int(soft), "Hard": int(hard or soft)}


def restart_policy(value: str) -> dict[str, Any]:
    """docker's ``ParseRestartPolicy``: ``name[:max-retries]``."""
    name, sep, count = value.partition(":")
    if sep and name != "on-failure":
        raise UsageError("invalid restart policy format: maximum retry count can only be "
                         "used with 'on-failure'", "run", FLAG_ERROR)
    if sep and not count.isdigit():
        raise UsageError("invalid restart policy format: maximum retry count must be an "
                         "integer", "run", FLAG_ERROR)
    return {"Name": name, "MaximumRetryCount": int(count) if sep else 0}


def security_options(options: list[str]) -> list[str]:
    """docker's ``parseSecurityOpts``: a seccomp profile file is sent as its JSON."""
    out = []
    for opt in options:
        key, sep, value = opt.partition("=")
        if not sep and opt != "no-new-privileges":
            if ":" not in opt:
                raise UsageError(f'Invalid --security-opt: "{opt}"', "run", FLAG_ERROR)
            key, _, value = opt.partition(":")
        if key == "seccomp" and value != "unconfined":
            try:
                with open(value, encoding="utf-8") as f:
                    profile = json.load(f)
            except (OSError, ValueError) as e:
                raise UsageError(f"opening seccomp profile ({value}) failed: {e}", "run",
                                 FLAG_ERROR) from None
            opt = "seccomp=" + json.dumps(profile, separators=(",", ":"))
        out.append(opt)
    return out


def add_flags(run: argparse.ArgumentParser) -> None:
    add = run.add_argument
    add("--privileged", action="store_true", help="give extended privileges to this container")
    add("--init", action="store_true",
        help="run an init inside the container that forwards signals and reaps processes")
    add("--cap-add", action="append", default=[], help="add Linux capabilities")
    add("--cap-drop", action="append", default=[], help="drop Linux capabilities")
    add("--security-opt", action="append", default=[], help="security options")
    add("--group-add", action="append", default=[], help="add additional groups to join")
    add("--read-only", action="store_true", help="mount the container's root as read only")
    add("-v", "--volume", action="append", default=[], help="bind mount a volume")
    add("--volumes-from", action="append", default=[],
        help="mount volumes from the specified container(s)")
    add("--volume-driver", default="", help="optional volume driver for the container")
    add("--mount", action="append", default=[],
        help="attach a filesystem mount to the container (type=bind|tmpfs|volume,...)")
    add("--tmpfs", action="append", default=[], help="mount a tmpfs directory")
    add("--network", "--net", help="connect a container to a network (none, host)")
    add("-p", "--publish", action="append", default=[],
        help="publish a container's port(s) to the host (with --network host: discarded)")
    add("-P", "--publish-all", action="store_true",
        help="publish all exposed ports to random ports")
    add("--expose", action="append", default=[], help="expose a port or a range of ports")
    add("--pid", help="PID namespace to use")
    add("--ipc", help="IPC mode to use")
    add("--uts", help="UTS namespace to use")
    add("-m", "--memory", help="memory limit")
    add("--memory-swap", help="swap limit equal to memory plus swap: '-1' for unlimited")
    add("--memory-reservation", help="memory soft limit")
    add("--oom-kill-disable", action="store_true", help="disable OOM Killer")
    add("--cpuset-cpus", help="CPUs in which to allow execution (0-3, 0,1)")
    add("--cpuset-mems", help="MEMs in which to allow execution (0-3, 0,1)")
    add("--cpus", help="number of CPUs")
    add("-c", "--cpu-shares", type=int, help="CPU shares (relative weight)")
    add("--cpu-period", type=int, help="limit CPU CFS (Completely Fair Scheduler) period")
    add("--cpu-quota", type=int, help="limit CPU CFS (Completely Fair Scheduler) quota")
    add("--pids-limit", type=int, help="tune container pids limit (set -1 for unlimited)")
    add("--blkio-weight", help="block IO (relative weight), between 10 and 1000, or 0 to "
                               "disable")
    add("--blkio-weight-device", action="append", default=[],
        help="block IO weight (relative device weight)")
    for what in ("read", "write"):
        add(f"--device-{what}-bps", action="append", default=[],
            help=f"limit {what} rate (bytes per second) from a device")
        add(f"--device-{what}-iops", action="append", default=[],
            help=f"limit {what} rate (IO per second) from a device")
    add("--shm-size", help="size of /dev/shm")
    add("--restart", help='restart policy to apply when a container exits (default "no")')
    add("--ulimit", action="append", default=[], help="ulimit options (nofile=1024:2048)")
    add("--stop-signal", help="signal to stop the container")
    add("--stop-timeout", type=int, help="timeout (in seconds) to stop a container")
    add("--cidfile", help="write the container ID to the file")
    add("--log-driver", help="logging driver for the container (json-file, none)")
    add("--log-opt", action="append", default=[], help="log driver options")
    hostconfig_kernel.add_flags(add)


def host_config(args: argparse.Namespace) -> dict[str, Any]:
    hc: dict[str, Any] = {"AutoRemove": args.rm}
    if args.tty:  # the terminal's size from the start, as the docker CLI sends it
        try:
            size = os.get_terminal_size(1)
            hc["ConsoleSize"] = [size.lines, size.columns]
        except OSError:
            pass
    if args.privileged:
        hc["Privileged"] = True
    if args.init:
        hc["Init"] = True
    if args.cap_add:
        hc["CapAdd"] = list(args.cap_add)
    if args.cap_drop:
        hc["CapDrop"] = list(args.cap_drop)
    if args.security_opt:
        hc["SecurityOpt"] = security_options(args.security_opt)
    if args.read_only:
        hc["ReadonlyRootfs"] = True
    if args.group_add:
        hc["GroupAdd"] = list(args.group_add)
    if any(":" in v for v in args.volume):
        hc["Binds"] = [v for v in args.volume if ":" in v]
    if args.volumes_from:
        hc["VolumesFrom"] = list(args.volumes_from)
    if args.volume_driver:
        hc["VolumeDriver"] = args.volume_driver
    if args.mount:
        hc["Mounts"] = [mount_spec(m) for m in args.mount]
    if args.publish:
        bindings: dict[str, list[dict[str, str]]] = {}
        for value in args.publish:
            for port, entries in publish_spec(value).items():
                bindings.setdefault(port, []).extend(entries)
        hc["PortBindings"] = bindings
    if args.publish_all:
        hc["PublishAllPorts"] = True
    if args.tmpfs:
        hc["Tmpfs"] = {t.partition(":")[0]: t.partition(":")[2] for t in args.tmpfs}
    for flag, key in (("network", "NetworkMode"), ("pid", "PidMode"), ("ipc", "IpcMode"),
                      ("uts", "UTSMode")):
        if getattr(args, flag):
            hc[key] = getattr(args, flag)
    if args.memory:
        hc["Memory"] = ram_in_bytes(args.memory, "-m, --memory")
    if args.memory_swap:
        hc["MemorySwap"] = _swap(args.memory_swap)
    if args.cpus:
        hc["NanoCpus"] = nano_cpus(args.cpus)
    if args.memory_reservation:
        hc["MemoryReservation"] = ram_in_bytes(args.memory_reservation, "--memory-reservation")
    if args.oom_kill_disable:
        hc["OomKillDisable"] = True
    if args.cpuset_cpus:
        hc["CpusetCpus"] = args.cpuset_cpus
    if args.cpuset_mems:
        hc["CpusetMems"] = args.cpuset_mems
    for flag, key in (("cpu_shares", "CpuShares"), ("cpu_period", "CpuPeriod"),
                      ("cpu_quota", "CpuQuota"), ("pids_limit", "PidsLimit")):
        if getattr(args, flag) is not None:
            hc[key] = getattr(args, flag)
    if args.blkio_weight is not None:
        hc["BlkioWeight"] = blkio_weight(args.blkio_weight)
    if args.blkio_weight_device:
        hc["BlkioWeightDevice"] = [weight_device(v) for v in args.blkio_weight_device]
    for flag, key in (("device_read_bps", "BlkioDeviceReadBps"),
                      ("device_write_bps", "BlkioDeviceWriteBps"),
                      ("device_read_iops", "BlkioDeviceReadIOps"),
                      ("device_write_iops", "BlkioDeviceWriteIOps")):
        if getattr(args, flag):
            hc[key] = [throttle_device(v, "--" + flag.replace("_", "-"))
                       for v in getattr(args, flag)]
    if args.shm_size:
        hc["ShmSize"] = ram_in_bytes(args.shm_size, "--shm-size")
    if args.restart:
        hc["RestartPolicy"] = restart_policy(args.restart)
    if args.ulimit:
        hc["Ulimits"] = [ulimit(u) for u in args.ulimit]
    if args.log_driver or args.log_opt:
        opts = {}
        for opt in args.log_opt:
            key, sep, value = opt.partition("=")
            if not sep:
                raise _flag_error(opt, "--log-opt", "invalid log opt: expected key=value")
            opts[key] = value
        hc["LogConfig"] = {"Type": args.log_driver or "json-file", "Config": opts}
    hostconfig_kernel.host_config(args, hc)
    return hc
