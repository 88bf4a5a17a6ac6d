"""GET /version and GET /info: truthful values about this engine and host."""

import os
import platform
from typing import Any

import berth
from berth.daemon.config import DaemonConfig
from berth.daemon.validate import RUNTIMES
from berth.registry.client import proxy
from berth.registry.client.insecure import InsecureRegistries
from berth.util.timefmt import now_rfc3339

API_VERSION = "1.44"
MIN_API_VERSION = "1.24"


def version() -> dict[str, Any]:
    uname = os.uname()
    return {
        "Platform": {"Name": "berth"},
        "Components": [
            {"Name": "Engine", "Version": berth.__version__,
             "Details": {"ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION,
                         "Os": "linux", "Arch": _arch(),
                         "KernelVersion": uname.release,
                         "PythonVersion": platform.python_version()}},
        ],
        "Version": berth.__version__,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "",
        "GoVersion": "python" + platform.python_version(),
        "Os": "linux",
        "Arch": _arch(),
        "KernelVersion": uname.release,
        "BuildTime": "",
    }


def info(config: DaemonConfig, containers: dict[str, int], images: int) -> dict[str, Any]:
    uname = os.uname()
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    os_name = "Linux"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    cgroup_version = "2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "1"
    return {
        "ID": uname.nodename,
        "Containers": sum(containers.values()),
        "ContainersRunning": containers.get("running", 0),
        "ContainersPaused": containers.get("paused", 0),
        "ContainersStopped": sum(v for k, v in containers.items()
                                 if k not in ("running", "paused")),
        "Images": images,
        "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"]],
        "DockerRootDir": str(config.paths.data_root),
        "Plugins": {"Volume": ["local"], "Network": ["none", "host"], "Log": ["json-file"]},
        "MemoryLimit": True,
        "SwapLimit": False,
        "CpuCfsPeriod": True,
        "CpuCfsQuota": True,
        "CPUShares": True,
        "CPUSet": True,
        "PidsLimit": True,
        "IPv4Forwarding": True,
        "Debug": config.debug,
        "NFd": len(os.listdir("/proc/self/fd")),
        "NGoroutines": 0,
        "SystemTime": now_rfc3339(),
        "LoggingDriver": "json-file",
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": cgroup_version,
        "KernelVersion": uname.release,
        "OperatingSystem": os_name,
        "OSVersion": "",
        "OSType": "linux",
        "Architecture": uname.machine,
        "NCPU": os.cpu_count() or 1,
        "MemTotal": mem,
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": registry_config(config.insecure_registries),
        # dockerd's: the environment's proxies, credentials masked
        "HttpProxy": proxy.masked(config.proxies.http),
        "HttpsProxy": proxy.masked(config.proxies.https),
        "NoProxy": config.proxies.no_proxy,
        "Name": uname.nodename,
        "Labels": [],
        "ExperimentalBuild": False,
        "ServerVersion": berth.__version__,
        "Runtimes": {name: {"path": "berth-runtime"} for name in RUNTIMES},
        "DefaultRuntime": RUNTIMES[0],
        "Swarm": {"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": "",
                  "ControlAvailable": False, "Error": "", "RemoteManagers": None},
        "LiveRestoreEnabled": True,
        "Isolation": "",
        "InitBinary": "",
        "SecurityOptions": ["name=seccomp,profile=builtin"],
        "Warnings": [],
    }


def registry_config(insecure: InsecureRegistries) -> dict[str, Any]:
    """dockerd's RegistryConfig: the insecure CIDRs (127.0.0.0/8 always), an index
    entry with ``Secure: false`` per insecure host, Docker Hub's secure one."""
    def index(name: str, secure: bool) -> dict[str, Any]:
        return {"Name": name, "Mirrors": [], "Secure": secure, "Official": secure}

    configs = {host: index(host, False) for host in insecure.hosts}
    configs["docker.io"] = index("docker.io", True)
    return {"AllowNondistributableArtifactsCIDRs": [],
            "AllowNondistributableArtifactsHostnames": [],
            "InsecureRegistryCIDRs": [str(net) for net in insecure.cidrs],
            "IndexConfigs": dict(sorted(configs.items())),
            "Mirrors": []}


def _arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
