"""Which daemon to talk to: ``-H`` first, then ``BERTH_HOST``, then ``DOCKER_HOST``,
else berthd's default socket."""

import os
from collections.abc import Mapping

from berth.client.errors import ClientError
from berth.client.http import Address

DEFAULT_SOCKET = "/run/berth/berthd.sock"
DEFAULT_HOST = "unix://" + DEFAULT_SOCKET
DEFAULT_TCP_PORT = 2375


def resolve_host(flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return flag or env.get("BERTH_HOST") or env.get("DOCKER_HOST") or DEFAULT_HOST


def parse_host(host: str) -> Address:
    """``unix:///path``, a bare ``/path``, or ``tcp://host[:port]`` (``http://`` too)."""
    if host.startswith("unix://"):
        path = host[len("unix://"):]
        if not path:
            raise ClientError(f"invalid host: {host!r}: empty socket path")
        return ("unix", path)
    if host.startswith("/"):
        return ("unix", host)
    for scheme in ("tcp://", "http://"):
        if host.startswith(scheme):
            rest = host[len(scheme):].split("/", 1)[0]
            return ("tcp", _host_port(host, rest))
    raise ClientError(f"unsupported host {host!r}: use unix:///path or tcp://host:port")


def _host_port(host: str, rest: str) -> tuple[str, int]:
    if rest.startswith("["):  # [::1]:2375
        name, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    else:
        name, _, port_text = rest.rpartition(":") if ":" in rest else (rest, "", "")
    try:
        port = int(port_text) if port_text else DEFAULT_TCP_PORT
    except ValueError:
        raise ClientError(f"invalid host {host!r}: bad port {port_text!r}") from None
    return (name or "127.0.0.1", port)
