"""From Docker's container Config and HostConfig to an OCI runtime spec.

Docker's rules for the process: the image's Entrypoint and Cmd are replaced by
the request's (an Entrypoint given in the request drops the image's Cmd); Env
starts from docker's PATH, then HOSTNAME, then the image's and the request's
variables, a later one of the same name replacing the earlier in place.
"""

import functools
import os
import resource
from typing import Any

from berth.daemon import blkio, devices, mounts, sysctls
from berth.errors import InvalidArgument
from berth.oci import seccomp
from berth.oci.defaults import CAPABILITY_NUMBERS, DEFAULT_PATH_ENV, DEFAULT_SHM_SIZE
from berth.oci.spec import default_spec
from berth.runtime import cgroups


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
    if img.get("Volumes") or request.get("Volumes"):  # the image's and the request's, as dockerd
        if not isinstance(request.get("Volumes") or {}, dict):
            raise InvalidArgument("invalid Volumes: must be an object")
        config["Volumes"] = {**(img.get("Volumes") or {}), **(request.get("Volumes") or {})}
    defaults: tuple[tuple[str, object], ...] = (
        ("Tty", False), ("OpenStdin", False), ("StdinOnce", False), ("AttachStdin", False),
        ("AttachStdout", False), ("AttachStderr", False), ("Hostname", ""),
        ("Domainname", ""), ("Volumes", None), ("OnBuild", None),
    )
    for key, value in defaults:
        config.setdefault(key, value)
    if config.get("Cmd") is not None and not isinstance(config["Cmd"], list):
        raise InvalidArgument("invalid Cmd: must be a list of strings")
    return config


def command_of(config: dict[str, Any]) -> list[str]:
    argv = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    if not argv:
        raise InvalidArgument("no command specified")
    return argv


def process_user(user: str, group_add: list[str] | None = None) -> dict[str, Any]:
    """The spec's ``process.user`` for docker's ``--user``: the runtime resolves
    ``username`` (``name|uid[:group|gid]``) in the container's own /etc/passwd and
    /etc/group once its root is in place (``berth.runtime.users``), as runc does."""
    if user.count(":") > 1 or user.startswith(":"):
        raise InvalidArgument(f"invalid user: {user!r}")
    out: dict[str, Any] = {"uid": 0, "gid": 0, "username": user}
    if group_add:
        out["groupAdd"] = [str(g) for g in group_add]
    return out


_HOST_NAMESPACES = {"NetworkMode": "network", "PidMode": "pid", "IpcMode": "ipc",
                    "UTSMode": "uts"}


_PROC_NS = {"network": "net", "ipc": "ipc", "pid": "pid", "uts": "uts"}


_MODES = {"IpcMode": ("", "private", "shareable", "host", "none"),
          "PidMode": ("", "host"), "UTSMode": ("", "host")}


def joined_containers(host_config: dict[str, Any]) -> dict[str, str]:
    """``--network container:web`` and friends: {namespace kind: the other container}."""
    for key, allowed in _MODES.items():
        value = str(host_config.get(key) or "")
        if value not in allowed and not value.startswith("container:"):
            word = {"IpcMode": "IPC", "PidMode": "PID", "UTSMode": "UTS"}[key]
            raise InvalidArgument(f"invalid {word} mode: {value}")
    out = {}
    for key, kind in _HOST_NAMESPACES.items():
        value = str(host_config.get(key) or "")
        if value.startswith("container:"):
            target = value.split(":", 1)[1]
            if not target:
                raise InvalidArgument(f"invalid {key}: {value!r}")
            out[kind] = target
    return out


def namespace_paths(joined_pids: dict[str, int]) -> dict[str, str]:
    """The ``/proc/<pid>/ns/*`` files of the containers whose namespaces are joined."""
    return {kind: f"/proc/{pid}/ns/{_PROC_NS[kind]}" for kind, pid in joined_pids.items()}


def host_namespaces(host_config: dict[str, Any]) -> set[str]:
    """``--network host`` and friends: those namespaces are not created, but shared."""
    return {kind for key, kind in _HOST_NAMESPACES.items() if host_config.get(key) == "host"}


def _cpu_list(value: str, flag: str) -> set[int]:
    """``0-2,5`` as {0, 1, 2, 5}; docker's message when it is not such a list."""
    out: set[int] = set()
    for part in value.split(","):
        first, sep, last = part.partition("-")
        if not first.isdigit() or (sep and not last.isdigit()):
            raise InvalidArgument(f"Invalid value {value} for {flag}")
        out.update(range(int(first), int(last if sep else first) + 1))
    return out


def _cpu_ranges(cpus: set[int]) -> str:
    ordered, out = sorted(cpus), []
    start = prev = ordered[0]
    for n in [*ordered[1:], -1]:
        if n != prev + 1:
            out.append(f"{start}-{prev}" if prev != start else str(start))
            start = n
        prev = n
    return ",".join(out)


def resources(host_config: dict[str, Any]) -> dict[str, Any]:
    """Docker's HostConfig limits as OCI ``linux.resources``."""
    out: dict[str, Any] = {}
    block_io = blkio.block_io(host_config)
    if block_io:
        out["blockIO"] = block_io
    memory: dict[str, Any] = {}
    if host_config.get("Memory"):
        memory["limit"] = int(host_config["Memory"])
        swap = int(host_config.get("MemorySwap") or 0)
        if swap:
            memory["swap"] = swap
    if host_config.get("MemoryReservation"):
        memory["reservation"] = int(host_config["MemoryReservation"])
    if host_config.get("OomKillDisable"):
        memory["disableOOMKiller"] = True
    if memory:
        out["memory"] = memory
    pids = host_config.get("PidsLimit")
    if pids:
        out["pids"] = {"limit": int(pids)}
    cpu: dict[str, int | str] = {}
    if host_config.get("CpuShares"):
        cpu["shares"] = int(host_config["CpuShares"])
    if host_config.get("NanoCpus"):
        if host_config.get("CpuQuota") or host_config.get("CpuPeriod"):
            raise InvalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both "
                                  "be set")
        cpu["period"] = 100_000
        cpu["quota"] = int(host_config["NanoCpus"]) * 100_000 // 1_000_000_000
    elif host_config.get("CpuQuota"):
        cpu["quota"] = int(host_config["CpuQuota"])
        cpu["period"] = int(host_config.get("CpuPeriod") or 100_000)
    for key, field_ in (("CpusetCpus", "cpus"), ("CpusetMems", "mems")):
        if host_config.get(key):
            value = str(host_config[key])
            flag = "cpuset-cpus" if field_ == "cpus" else "cpuset-mems"
            wanted = _cpu_list(value, flag)
            if field_ == "cpus":
                available = os.sched_getaffinity(0)
                if not wanted <= available:
                    raise InvalidArgument(
                        f"Requested CPUs are not available - requested {value}, available: "
                        f"{_cpu_ranges(available)}")
            cpu[field_] = value
    if cpu:
        out["cpu"] = cpu
    return out


def user_mounts(host_config: dict[str, Any],
                volumes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Binds, ``Mounts`` (``daemon.mounts``), tmpfs mounts and the volumes resolved at
    create (OCI binds), after docker's defaults; a parent before what is mounted in it
    (dockerd sorts them by depth)."""
    out = [m.oci() for m in mounts.user_mounts(host_config) if m.type != "volume"]
    for dst, opts in (host_config.get("Tmpfs") or {}).items():
        options = ["nosuid", "nodev", "noexec"] + [o for o in str(opts).split(",") if o]
        out.append({"destination": dst, "type": "tmpfs", "source": "tmpfs",
                    "options": options})
    out += volumes or []
    return sorted(out, key=lambda m: os.path.normpath(m["destination"]).count("/"))


ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
           "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")


def rlimits(host_config: dict[str, Any]) -> list[dict[str, Any]]:
    """``HostConfig.Ulimits`` (``--ulimit nofile=1024:2048``) as OCI ``process.rlimits``.

    A hard limit above this host's cannot be granted without CAP_SYS_RESOURCE; where
    the bounding set lacks it, that is said here, at create, instead of a bare EPERM
    from the container's init."""
    out = []
    for item in host_config.get("Ulimits") or []:
        if not isinstance(item, dict):
            raise InvalidArgument("invalid ulimit: not an object")
        name = str(item.get("Name") or "")
        if name not in ULIMITS:
            raise InvalidArgument(f"invalid ulimit type: {name}")
        soft, hard = int(item.get("Soft") or 0), int(item.get("Hard") or 0)
        if soft > hard:
            raise InvalidArgument(f"ulimit soft limit must be less than or equal to hard "
                                  f"limit: {soft} > {hard}")
        kind = getattr(resource, "RLIMIT_" + name.upper(), None)
        if kind is not None and "CAP_SYS_RESOURCE" not in host_capabilities():
            limit = resource.getrlimit(kind)[1]
            if limit != resource.RLIM_INFINITY and hard > limit:
                raise InvalidArgument(
                    f"cannot raise the {name} hard limit to {hard}: this host's is {limit}, "
                    "and raising it needs CAP_SYS_RESOURCE, which the host's capability "
                    "bounding set lacks")
        out.append({"type": "RLIMIT_" + name.upper(), "soft": soft, "hard": hard})
    return out


def security_options(options: list[str]) -> dict[str, Any]:
    """``HostConfig.SecurityOpt`` as dockerd reads it: ``seccomp`` (``unconfined`` or a
    profile's JSON, which the docker CLI reads from the file it is given),
    ``no-new-privileges``; ``label`` and ``apparmor`` are accepted and have nothing
    to act on here."""
    out: dict[str, Any] = {"seccomp": None, "no_new_privileges": False}
    for opt in options:
        if opt == "no-new-privileges":
            out["no_new_privileges"] = True
            continue
        key, sep, value = opt.partition("=")
        if not sep:
            key, sep, value = opt.partition(":")
        if not sep:
            raise InvalidArgument(f'invalid --security-opt 1: "{opt}"')
        if key == "seccomp":
            out["seccomp"] = value
        elif key == "no-new-privileges":
            if value not in ("true", "false"):
                raise InvalidArgument(f"invalid --security-opt 2: \"{opt}\"")
            out["no_new_privileges"] = value == "true"
        elif key not in ("label", "apparmor", "systempaths"):
            raise InvalidArgument(f'invalid --security-opt 2: "{opt}"')
    return out


@functools.lru_cache(maxsize=1)
def host_capabilities() -> frozenset[str]:
    """The capabilities this process (and so the supervisor) may still grant: its
    bounding set, which on some hosts lacks some (CAP_SYS_RESOURCE here)."""
    with open("/proc/self/status") as f:
        line = next(ln for ln in f if ln.startswith("CapBnd:"))
    mask = int(line.split()[1], 16)
    return frozenset(name for name, bit in CAPABILITY_NUMBERS.items() if mask >> bit & 1)


@functools.lru_cache(maxsize=1)
def _default_profile() -> dict[str, Any]:
    return seccomp.default_profile()


def seccomp_filter(option: str | None, privileged: bool,
                   bounding: list[str]) -> dict[str, Any] | None:
    """The container's ``linux.seccomp``: docker's profile unless privileged or
    ``unconfined``; a given profile instead of docker's."""
    if option == "unconfined" or (privileged and not option):
        return None
    profile = seccomp.parse_profile(option) if option else _default_profile()
    return seccomp.linux_seccomp(profile, bounding)


def dev_shm(mounts: list[dict[str, Any]], ipc_mode: str,
            source: str | None) -> list[dict[str, Any]]:
    """The spec's /dev/shm by IPC mode: none for ``none``; a bind of ``source`` (a
    shareable container's host-side tmpfs, a donor's, or the host's) in place of
    the container's own tmpfs; the tmpfs otherwise."""
    out = []
    for m in mounts:
        if m["destination"] == "/dev/shm" and m.get("source") == "shm":  # the default
            if ipc_mode == "none":
                continue
            if source is not None:
                m = {"destination": "/dev/shm", "type": "bind", "source": source,
                     "options": ["rbind", "rprivate"]}
        out.append(m)
    return out


def build_spec(container_id: str, config: dict[str, Any], host_config: dict[str, Any],
               root_path: str, hostname: str,
               joined_pids: dict[str, int] | None = None,
               shm_source: str | None = None,
               volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``joined_pids``: the init pid of each container whose namespace this one joins;
    ``shm_source``: the host path bound as /dev/shm (``berth.daemon.ipc``); ``volumes``:
    the OCI binds of its volumes (``berth.daemon.volume_mounts``)."""
    argv = command_of(config)
    env = merge_env([DEFAULT_PATH_ENV, f"HOSTNAME={hostname}"],
                    ["TERM=xterm"] if config.get("Tty") else [], config.get("Env"))
    security = security_options([str(o) for o in host_config.get("SecurityOpt") or []])
    spec = default_spec(
        args=argv,
        env=env,
        cwd=config.get("WorkingDir") or "/",
        hostname=hostname,
        root_path=root_path,
        readonly=bool(host_config.get("ReadonlyRootfs")),
        terminal=bool(config.get("Tty")),
        shm_size=int(host_config.get("ShmSize") or DEFAULT_SHM_SIZE),
        cap_add=host_config.get("CapAdd"),
        cap_drop=host_config.get("CapDrop"),
        privileged=bool(host_config.get("Privileged")),
        no_new_privileges=security["no_new_privileges"],
        masked_paths=host_config.get("MaskedPaths"),
        readonly_paths=host_config.get("ReadonlyPaths"),
        mounts=user_mounts(host_config, volumes),
        cgroups_path=f"berth/{container_id}",
        # docker's default: a cgroup namespace of its own on a v2 host, the host's on v1
        cgroup_namespace=cgroups.hierarchy() == "v2" and host_config.get("CgroupnsMode") != "host",
        namespace_paths=namespace_paths(joined_pids or {}),
        resources=resources(host_config),
        host_capabilities=host_capabilities(),
    )
    size = host_config.get("ConsoleSize")  # docker CLI 23+: [height, width] with -t
    if config.get("Tty") and isinstance(size, list) and len(size) == 2 and all(
            isinstance(v, int) and v > 0 for v in size):
        spec["process"]["consoleSize"] = {"height": size[0], "width": size[1]}
    limits = rlimits(host_config)
    if limits:
        spec["process"]["rlimits"] = limits
    if host_config.get("Init"):
        spec.setdefault("annotations", {})["org.berth.init"] = "true"
    spec["process"]["user"].update(process_user(str(config.get("User") or ""),
                                                host_config.get("GroupAdd")))
    shared = host_namespaces(host_config)
    linux = spec["linux"]
    seccomp_spec = seccomp_filter(security["seccomp"], bool(host_config.get("Privileged")),
                                  spec["process"]["capabilities"]["bounding"])
    if seccomp_spec is not None:
        linux["seccomp"] = seccomp_spec
    linux["namespaces"] = [ns for ns in linux["namespaces"] if ns["type"] not in shared]
    sysctl = sysctls.checked(host_config.get("Sysctls") or {},
                             {ns["type"] for ns in linux["namespaces"]})
    if sysctl:
        linux["sysctl"] = sysctl
    custom = devices.custom_devices(host_config)
    linux["devices"] += custom.nodes
    linux["resources"]["devices"] += custom.rules
    spec["mounts"] = dev_shm(spec["mounts"], str(host_config.get("IpcMode") or ""), shm_source)
    if "network" in shared:
        # sysfs belongs to a network namespace: bind the host's, cgroups included.
        spec["mounts"] = [m for m in spec["mounts"] if not m["destination"].startswith("/sys/")]
        for m in spec["mounts"]:
            if m["destination"] == "/sys":
                m.update(type="bind", source="/sys", options=["rbind", "nosuid", "noexec",
                                                               "nodev", "ro"])
    return spec
