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
_ENGINE_LABELS = (
    ("GoVersion", "Go version"), ("PythonVersion", "Python version"),
    ("GitCommit", "Git commit"), ("BuildTime", "Built"),
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
    """The Engine with docker's labels and order; other components' details as given."""
    details = dict(comp.get("Details") or {})
    name = comp.get("Name", "")
    out = [f" {name}:", line(2, "Version", comp.get("Version", ""))]
    if name != "Engine":
        return out + [line(2, key, value) for key, value in details.items()]
    api = details.get("ApiVersion", "")
    minimum = details.get("MinAPIVersion")
    out.append(line(2, "API version", f"{api} (minimum version {minimum})" if minimum else api))
    out += [line(2, label, details[key]) for key, label in _ENGINE_LABELS if key in details]
    out.append(line(2, "OS/Arch", f"{details.get('Os', '')}/{details.get('Arch', '')}"))
    out.append(line(2, "Experimental", details.get("Experimental", False)))
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
    if args.format:
        from berth.cli.commands import _format

        return _format.version(args, client)
    try:
        server = client.system.version()
    except ClientError as e:
        print("\n".join(client_section(client)) + "\n")
        print(f"Error response from daemon: {e}" if isinstance(e, APIError) else str(e),
              file=sys.stderr)
        return 1
    print("\n".join([*client_section(client), "", *server_section(server)]))
    return 0
