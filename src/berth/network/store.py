"""The networks of one engine: rows in the metadata database, and the bridge
driver's devices that go with them.

``host`` and ``none`` always exist; ``bridge`` (the default network) exists unless
berthd runs with ``--bridge none``, as dockerd's ``-b none``. A network's device is
made when the network is created and when berthd starts (``start``: a device a
crash left is adopted); a clean stop with no container running removes every
device (``stop``), so a stopped engine leaves no bridge behind. dockerd keeps
docker0 across restarts; berth's bridge comes back with the same name, subnet and
network id, which is what a client can see.
"""

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

from berth.errors import AlreadyExists, Conflict, Forbidden, InvalidArgument, NotFound
from berth.metadata.networks import NetworkRow, NetworkTable
from berth.network import bridge, ipam, nat
from berth.network.ipam import Pool
from berth.network.model import (
    BRIDGE_NAME,
    DEFAULT_BRIDGE,
    DRIVER_OF_PREDEFINED,
    MTU,
    PREDEFINED,
    Network,
)
from berth.util.timefmt import now_rfc3339 as _now

DEFAULT_BRIDGE_DEVICE = "berth0"  # dockerd's is docker0: the two engines never share one


@dataclass(frozen=True, slots=True)
class DefaultBridge:
    """berthd's ``--bridge`` (a device name, or ``none``) and ``--bip``."""

    device: str = DEFAULT_BRIDGE_DEVICE
    bip: IPv4Interface | None = None

    @property
    def enabled(self) -> bool:
        return self.device != "none"

    @classmethod
    def parse(cls, device: str, bip: str | None) -> "DefaultBridge":
        """dockerd's checks: ``--bip`` is an address with its prefix, not with ``-b none``."""
        address = None
        if bip:
            try:
                address = IPv4Interface(bip)
            except ValueError:
                raise InvalidArgument(f"invalid --bip: {bip}") from None
            if address.ip == address.network.network_address:
                raise InvalidArgument(f"invalid --bip: {bip}: the gateway is the network's "
                                      "address")
            if device == "none":
                raise InvalidArgument("You specified -b & --bip, mutually exclusive options. "
                                      "Please specify only one")
        if device != "none":
            bridge.check_name(device)
        return cls(device, address)


@dataclass(frozen=True, slots=True)
class CreateRequest:
    name: str
    driver: str
    pools: tuple[tuple[IPv4Network | None, dict[str, object]], ...] = ()
    options: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    ipam_options: dict[str, str] | None = None
    internal: bool = False
    attachable: bool = False


class NetworkStore:
    def __init__(self, table: NetworkTable, default: DefaultBridge, exec_root: Path,
                 host_routes: Callable[[], list[IPv4Network]] = ipam.host_routes) -> None:
        self._table = table
        self._forwarding_record = exec_root / "ip_forward.berth"
        self._default = default
        self._host_routes = host_routes
        self._lock = threading.Lock()

    # -- lookups ------------------------------------------------------------

    def all(self) -> list[Network]:
        return [Network.from_record(r.id, r.name, r.created, r.record) for r in self._table.all()]

    def get(self, ref: str) -> Network:
        """By full name, then full id, then a unique id prefix (dockerd's order)."""
        networks = self.all()
        for match in (lambda n: n.name == ref, lambda n: n.id == ref):
            found = [n for n in networks if match(n)]
            if found:
                return found[0]
        found = [n for n in networks if ref and n.id.startswith(ref)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InvalidArgument(f"network {ref} is ambiguous ({len(found)} matches found "
                                  "on name)")
        raise NotFound(f"network {ref} not found")

    # -- the engine's life --------------------------------------------------

    def start(self) -> None:
        """The predefined networks' rows, and every bridge's device."""
        existing = {n.name: n for n in self.all()}
        for name, driver in DRIVER_OF_PREDEFINED.items():
            if name not in existing:
                self._insert(Network(secrets.token_hex(32), name, _now(), driver))
        current = existing.get("bridge")
        if not self._default.enabled:
            if current is not None:
                self._tear_down(current)
                self._table.delete(current.id)
        else:
            wanted = self._default_bridge(current)
            if current is None:
                self._insert(wanted)
            elif wanted != current:
                self._tear_down(current)
                self._table.update(NetworkRow(wanted.id, wanted.name, wanted.created,
                                              wanted.record()))
        for n in self.all():
            if n.driver == "bridge":
                self._set_up(n, adopt=True)

    def stop(self) -> None:
        """Every bridge device and its rules removed, forwarding as berthd found it
        (berthd stops with no container running)."""
        for n in self.all():
            if n.driver == "bridge":
                self._tear_down(n)
        nat.restore_forwarding(self._forwarding_record)

    def _set_up(self, n: Network, adopt: bool) -> None:
        bridge.ensure(self._device(n), adopt)
        if not n.internal:
            try:
                nat.add(n.pools[0].subnet, n.bridge_name)
                nat.enable_forwarding(self._forwarding_record)
            except BaseException:
                self._tear_down(n)
                raise

    def _tear_down(self, n: Network) -> None:
        if not n.internal:
            nat.remove(n.pools[0].subnet, n.bridge_name)
        bridge.release(self._device(n))

    def _default_bridge(self, current: Network | None) -> Network:
        """The default network as this berthd's flags say: ``--bip``'s subnet, else the
        stored one while it clashes with nothing, else the first free default pool."""
        if self._default.bip is not None:
            subnet = self._default.bip.network
            pool = Pool(subnet, self._default.bip.ip)
        elif current is not None and current.pools and not self._clashes(
                current.pools[0].subnet, current):
            pool = current.pools[0]
        else:
            subnet = ipam.choose_subnet(self._taken(current))
            pool = ipam.finish(subnet, {})
        options = {DEFAULT_BRIDGE: "true", "com.docker.network.bridge.enable_icc": "true",
                   "com.docker.network.bridge.enable_ip_masquerade": "true",
                   "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
                   BRIDGE_NAME: self._default.device, MTU: "1500"}
        if current is not None:
            return replace(current, pools=(pool,), options=options)
        return Network(secrets.token_hex(32), "bridge", _now(), "bridge", (pool,), options)

    # -- create and remove --------------------------------------------------

    def create(self, req: CreateRequest) -> Network:
        if req.name in PREDEFINED:
            raise Forbidden(f"{req.name} is a pre-defined network and cannot be created")
        if req.driver in ("host", "null"):
            raise Forbidden(f'only one instance of "{req.driver}" network is allowed')
        if req.driver != "bridge":
            raise NotFound(f'plugin "{req.driver}" not found')
        options = dict(req.options or {})
        if MTU in options and not options[MTU].isdigit():
            raise InvalidArgument(f"invalid MTU value {options[MTU]!r}")
        with self._lock:
            if any(n.name == req.name for n in self.all()):
                raise AlreadyExists(f"network with name {req.name} already exists")
            nid = secrets.token_hex(32)
            pools = self._pools(req, nid)
            n = Network(nid, req.name, _now(), "bridge", pools, options, dict(req.labels or {}),
                        req.ipam_options if req.ipam_options is not None else {},
                        req.internal, req.attachable)
            if any(o.driver == "bridge" and o.bridge_name == n.bridge_name for o in self.all()):
                raise Conflict(f"bridge name {n.bridge_name} is used by another network")
            bridge.check_name(n.bridge_name)
            self._set_up(n, adopt=False)
            try:
                self._insert(n)
            except BaseException:
                self._tear_down(n)
                raise
        return n

    def remove(self, n: Network) -> None:
        if n.predefined:
            raise Forbidden(f"{n.name} is a pre-defined network and cannot be removed")
        if n.driver == "bridge":
            self._tear_down(n)
        self._table.delete(n.id)

    # -- helpers -------------------------------------------------------------

    def _insert(self, n: Network) -> None:
        if not self._table.insert(NetworkRow(n.id, n.name, n.created, n.record())):
            raise AlreadyExists(f"network with name {n.name} already exists")

    def _device(self, n: Network) -> bridge.BridgeDevice:
        pool = n.pools[0]
        return bridge.BridgeDevice(n.bridge_name, pool.gateway, pool.subnet, n.mtu)

    def _taken(self, other_than: Network | None = None) -> list[IPv4Network]:
        """Subnets a new pool must not overlap: other networks', the host's routes."""
        ours = [p.subnet for n in self.all() if other_than is None or n.id != other_than.id
                for p in n.pools]
        own_routes = {p.subnet for n in self.all() for p in n.pools}
        return ours + [r for r in self._host_routes() if r not in own_routes]

    def _clashes(self, subnet: IPv4Network, n: Network | None) -> bool:
        return any(subnet.overlaps(t) for t in self._taken(n))

    def _pools(self, req: CreateRequest, nid: str) -> tuple[Pool, ...]:
        if len(req.pools) > 1:
            raise InvalidArgument("berth's bridge networks take one IPv4 subnet")
        subnet, entry = req.pools[0] if req.pools else (None, {})
        if subnet is None:
            subnet = ipam.choose_subnet(self._taken())
        else:
            for other in self.all():
                for p in other.pools:
                    if p.subnet.overlaps(subnet):
                        raise Forbidden(
                            f"cannot create network {nid} ({bridge_for(req, nid)}): "
                            f"conflicts with network {other.id} ({other.bridge_name}): "
                            "networks have overlapping IPv4")
        return (ipam.finish(subnet, entry),)


def bridge_for(req: CreateRequest, nid: str) -> str:
    return (req.options or {}).get(BRIDGE_NAME) or f"br-{nid[:12]}"
