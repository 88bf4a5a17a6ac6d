"""``berth version``: Client and Server sections, laid out like docker's."""

from __future__ import annotations

import os
import platform
import sys

from berth.client.errors import APIError, ClientError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

VALUE_COLUMN = 20
_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}
_DETAIL_LABELS = (
    ("GitCommit", "Git commit"), ("GoVersion", "Go version"),
    ("PythonVersion", "Python version"), ("BuildTime", "Built"),
    ("KernelVersion", "Kernel version"), ("Experimental", "Experimental"),
)


def line(indent: int, label: str, value: object) -> str:
    head = " " * indent + label + ":"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return head.ljust(VALUE_COLUMN) + text


def goarch() -> str:
    machine = os.uname().machine
    return _GOARCH.get(machine, machine)


def client_section(client: Client) -> list[str]:
    from berth import __version__
    from berth.client.api import API_VERSION

    api = client.current_version
    if api != API_VERSION:
        api = f"{api} (downgraded from {API_VERSION})"
    return ["Client:",
            line(1, "Version", __version__),
            line(1, "API version", api),
            line(1, "Python version", platform.python_version()),
            line(1, "OS/Arch", f"linux/{goarch()}"),
            line(1, "Context", "default")]


def component(comp: dict[str, Any]) -> list[str]:
    details = dict(comp.get("Details") or {})
    out = [f" {comp.get('Name', '')}:", line(2, "Version", comp.get("Version", ""))]
    if "ApiVersion" in details:
        api = details.pop("ApiVersion")
        minimum = details.pop("MinAPIVersion", None)
        out.append(line(2, "API version", f"{api} (minimum version {minimum})"
                        if minimum else api))
    os_, arch = details.pop("Os", None), details.pop("Arch", None)
    for key, label in _DETAIL_LABELS:
        if key in details:
            out.append(line(2, label, details.pop(key)))
    if os_ or arch:
        out.append(line(2, "OS/Arch", f"{os_}/{arch}"))
    out.extend(line(2, key, value) for key, value in details.items())
    return out


def server_section(v: dict[str, Any]) -> list[str]:
    name = (v.get("Platform") or {}).get("Name") or ""
    out = [f"Server: {name}".rstrip()]
    components = v.get("Components") or []
    if not components:
        components = [{"Name": "Engine", "Version": v.get("Version", ""), "Details": {
            "ApiVersion": v.get("ApiVersion"), "MinAPIVersion": v.get("MinAPIVersion"),
            "GoVersion": v.get("GoVersion"), "GitCommit": v.get("GitCommit"),
            "BuildTime": v.get("BuildTime"), "Os": v.get("Os"), "Arch": v.get("Arch"),
            "Experimental": v.get("Experimental", False)}}]
    for comp in components:
        out.extend(component(comp))
    return out


def run(args: argparse.Namespace, client: Client) -> int:
    try:
        server = client.system.version()
    except ClientError as e:
        print("\n".join(client_section(client)) + "\n")
        print(f"Error response from daemon: {e}" if isinstance(e, APIError) else str(e),
              file=sys.stderr)
        return 1
    print("\n".join([*client_section(client), "", *server_section(server)]))
    return 0
