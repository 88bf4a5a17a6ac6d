"""``berth info``: the daemon's ``GET /info``, laid out like ``docker info``."""

from __future__ import annotations

from berth.cli.format import bytes_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def client_section() -> list[str]:
    from berth import __version__

    return ["Client:", f" Version:    {__version__}", " Context:    default",
            " Debug Mode: false"]


def server_section(i: dict[str, Any]) -> list[str]:
    out = ["Server:",
           f" Containers: {i.get('Containers', 0)}",
           f"  Running: {i.get('ContainersRunning', 0)}",
           f"  Paused: {i.get('ContainersPaused', 0)}",
           f"  Stopped: {i.get('ContainersStopped', 0)}",
           f" Images: {i.get('Images', 0)}",
           f" Server Version: {i.get('ServerVersion', '')}",
           f" Storage Driver: {i.get('Driver', '')}"]
    out += [f"  {k}: {v}" for k, v in i.get("DriverStatus") or []]
    for key, label in (("LoggingDriver", "Logging Driver"), ("CgroupDriver", "Cgroup Driver"),
                       ("CgroupVersion", "Cgroup Version")):
        if i.get(key):
            out.append(f" {label}: {i[key]}")
    plugins = i.get("Plugins") or {}
    if plugins:
        out.append(" Plugins:")
        out += [f"  {k}: {' '.join(v or [])}" for k, v in plugins.items()]
    swarm = (i.get("Swarm") or {}).get("LocalNodeState")
    if swarm:
        out.append(f" Swarm: {swarm}")
    runtimes = i.get("Runtimes") or {}
    if runtimes:
        out.append(f" Runtimes: {' '.join(runtimes)}")
    if i.get("DefaultRuntime"):
        out.append(f" Default Runtime: {i['DefaultRuntime']}")
    security = i.get("SecurityOptions") or []
    if security:
        out.append(" Security Options:")
        for opt in security:
            fields = dict(f.split("=", 1) for f in opt.split(",") if "=" in f)
            out.append(f"  {fields.pop('name', opt)}")
            out += [f"   {k.capitalize()}: {v}" for k, v in fields.items()]
    for key, label in (("KernelVersion", "Kernel Version"),
                       ("OperatingSystem", "Operating System"), ("OSType", "OSType"),
                       ("Architecture", "Architecture"), ("NCPU", "CPUs")):
        if key in i:
            out.append(f" {label}: {i[key]}")
    if "MemTotal" in i:
        out.append(f" Total Memory: {bytes_size(i['MemTotal'])}")
    for key, label in (("Name", "Name"), ("ID", "ID"), ("DockerRootDir", "Docker Root Dir"),
                       ("Debug", "Debug Mode"), ("ExperimentalBuild", "Experimental")):
        if key in i:
            out.append(f" {label}: {_text(i[key])}")
    out += _insecure_registries(i.get("RegistryConfig") or {})
    if "LiveRestoreEnabled" in i:
        out.append(f" Live Restore Enabled: {_text(i['LiveRestoreEnabled'])}")
    return out


def _insecure_registries(config: dict[str, Any]) -> list[str]:
    """docker info's list: the insecure index entries by name, then the CIDRs."""
    cidrs = config.get("InsecureRegistryCIDRs") or []
    indexes = config.get("IndexConfigs") or {}
    if not cidrs and not indexes:
        return []
    hosts = [str(entry.get("Name") or name) for name, entry in sorted(indexes.items())
             if isinstance(entry, dict) and not entry.get("Secure", True)]
    return [" Insecure Registries:", *[f"  {h}" for h in hosts], *[f"  {c}" for c in cidrs]]


def run(args: argparse.Namespace, client: Client) -> int:
    if args.format:
        from berth.cli.commands import _format

        return _format.info(args, client)
    import sys

    info = client.system.info()
    print("\n".join([*client_section(), "", *server_section(info)]))
    for warning in info.get("Warnings") or []:
        print(warning, file=sys.stderr)
    return 0
