"""The daemon's configuration: made once in ``berthd``'s entry, frozen, passed down."""

import grp
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from berth.errors import InvalidArgument
from berth.images import compress
from berth.network.store import DEFAULT_BRIDGE_DEVICE, DefaultBridge
from berth.paths import DEFAULT_DATA_ROOT, DEFAULT_EXEC_ROOT, DEFAULT_SOCKET, Paths
from berth.registry.client import proxy
from berth.registry.client.insecure import InsecureRegistries
from berth.registry.client.proxy import Proxies


@dataclass(frozen=True, slots=True)
class DaemonConfig:
    paths: Paths = field(default_factory=Paths)
    socket: Path = DEFAULT_SOCKET
    debug: bool = False
    # --insecure-registry: HTTPS unverified, then HTTP (127.0.0.0/8 always listed)
    insecure_registries: InsecureRegistries = field(default_factory=InsecureRegistries)
    # --push-compression: how plain (committed, imported) layers are pushed
    push_compression: str = "gzip"
    # --bridge / --bip: the default network's device (``none``: no default network)
    default_bridge: DefaultBridge = field(default_factory=DefaultBridge)
    # HTTP_PROXY, HTTPS_PROXY, NO_PROXY of berthd's environment: for registries
    proxies: Proxies = field(default_factory=Proxies)
    # -G: the group that may use the socket (0660); root's by default (README)
    socket_gid: int = 0

    @classmethod
    def from_args(cls, host: str | None, data_root: str | None, exec_root: str | None,
                  debug: bool = False,
                  insecure_registries: Sequence[str] = (),
                  push_compression: str = "gzip", bridge: str | None = None,
                  bip: str | None = None, group: str | None = None) -> "DaemonConfig":
        """Flags first, then BERTH_DATA_ROOT / BERTH_EXEC_ROOT / BERTH_BRIDGE, then the
        defaults. InvalidArgument (dockerd's message) for a bad --insecure-registry or
        --bip or -G, and for a --push-compression other than gzip or zstd or a proxy that is
        not http://."""
        data = Path(data_root or os.environ.get("BERTH_DATA_ROOT") or DEFAULT_DATA_ROOT)
        run = Path(exec_root or os.environ.get("BERTH_EXEC_ROOT") or DEFAULT_EXEC_ROOT)
        socket = run / "berthd.sock"
        if host:
            socket = Path(host.removeprefix("unix://"))
        return cls(paths=Paths(data_root=data, exec_root=run), socket=socket, debug=debug,
                   insecure_registries=InsecureRegistries.parse(insecure_registries),
                   push_compression=compress.check(push_compression),
                   default_bridge=DefaultBridge.parse(
                       bridge or os.environ.get("BERTH_BRIDGE") or DEFAULT_BRIDGE_DEVICE, bip),
                   proxies=_proxies(os.environ),
                   socket_gid=group_id(group) if group else 0)


def _proxies(env: Mapping[str, str]) -> Proxies:
    """The environment's proxies; one berth cannot speak to stops berthd at start
    (InvalidArgument), not every pull later."""
    proxies = Proxies.from_env(env)
    for raw in (proxies.http, proxies.https):
        if raw:
            proxy.parse(raw)
    return proxies


def group_id(name: str) -> int:
    """``-G NAME`` (or a number), as dockerd's lookupGID: InvalidArgument when unknown."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        if name.isdigit():
            return int(name)
        raise InvalidArgument(f"group {name} not found") from None
