"""Published ports (``-p``, ``HostConfig.PortBindings``, ``PublishAllPorts``) before
berth publishes them (containers join bridge networks, but no DNAT rules are made).

A container on the host's network needs none: dockerd drops the bindings with a
warning, and so does berth. Anywhere else a binding cannot be honoured yet (no DNAT
rules yet), and silently dropping it would leave a client waiting on a port that never
opens: it is refused at create. Exposed ports (``EXPOSE``, ``--expose``) are metadata
and pass.
"""

from typing import Any

from berth.errors import InvalidArgument

HOST_NETWORK_WARNING = "Published ports are discarded when using host network mode"


def checked(host_config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The HostConfig with what cannot be applied dropped, and docker's warnings."""
    bindings = {port: b for port, b in (host_config.get("PortBindings") or {}).items() if b}
    publish_all = bool(host_config.get("PublishAllPorts"))
    if not bindings and not publish_all:
        return host_config, []
    if host_config.get("NetworkMode") == "host":
        out = {**host_config, "PortBindings": {}, "PublishAllPorts": False}
        return out, [HOST_NETWORK_WARNING]
    what = ", ".join(sorted(bindings)) if bindings else "all exposed ports (-P)"
    raise InvalidArgument(f"cannot publish {what}: berth does not publish ports yet "
                          "(--network host shares the host's ports)")
