"""IPv4 address management as libnetwork's default IPAM does it.

A network's subnet is the one asked for, or the first of docker's default pools
(172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/16 in /20s) that overlaps
neither another network of this engine nor a route of the host (a subnet the host
already reaches some other way would make the bridge steal its traffic). The
gateway is the subnet's first address unless given; containers get addresses from
``--ip-range`` (else the whole subnet), never the network or broadcast address, the
gateway or an ``--aux-address``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_network
from pathlib import Path
from typing import Any

from berth.errors import Forbidden, InvalidArgument


def default_pools() -> list[IPv4Network]:
    """libnetwork's local default pools, in the order it tries them."""
    pools = [IPv4Network(f"172.{n}.0.0/16") for n in range(17, 32)]
    pools += list(IPv4Network("192.168.0.0/16").subnets(new_prefix=20))
    return pools


@dataclass(frozen=True, slots=True)
class Pool:
    """One entry of a network's ``IPAM.Config``."""

    subnet: IPv4Network
    gateway: IPv4Address
    ip_range: IPv4Network | None = None
    aux: dict[str, IPv4Address] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Subnet": str(self.subnet), "Gateway": str(self.gateway)}
        if self.ip_range is not None:
            out["IPRange"] = str(self.ip_range)
        if self.aux:
            out["AuxiliaryAddresses"] = {k: str(v) for k, v in self.aux.items()}
        return out

    @classmethod
    def from_api(cls, entry: dict[str, Any]) -> "Pool":
        """A stored entry (as ``to_api`` wrote it) back."""
        return cls(IPv4Network(entry["Subnet"]), IPv4Address(entry["Gateway"]),
                   IPv4Network(entry["IPRange"]) if entry.get("IPRange") else None,
                   {k: IPv4Address(v) for k, v in (entry.get("AuxiliaryAddresses") or {}).items()})

    def reserved(self) -> set[IPv4Address]:
        return {self.subnet.network_address, self.subnet.broadcast_address, self.gateway,
                *self.aux.values()}

    def allocate(self, used: Iterable[IPv4Address]) -> IPv4Address:
        """The first free address of the range (libnetwork hands them out in order)."""
        taken = self.reserved() | set(used)
        for address in (self.ip_range or self.subnet).hosts():
            if address not in taken and address in self.subnet:
                return address
        raise Forbidden(f"no available IPv4 addresses on this network's address pools: "
                        f"{self.subnet}")

    def reserve(self, address: IPv4Address, used: Iterable[IPv4Address]) -> IPv4Address:
        """A container's ``--ip``: in the subnet, and nobody's yet."""
        if address not in self.subnet:
            raise Forbidden(f"no available IPv4 addresses on this network's address pools: "
                            f"{self.subnet}: requested address {address} is not in the subnet")
        if address in self.reserved() or address in set(used):
            raise Forbidden("Address already in use")
        return address


def _cidr(value: object) -> IPv4Network:
    try:
        net = ip_network(str(value), strict=False)
    except ValueError:
        raise InvalidArgument(f"invalid CIDR address: {value}") from None
    if not isinstance(net, IPv4Network):
        raise InvalidArgument(f"berth networks are IPv4 only: {value}")
    return net


def _address(value: object, what: str) -> IPv4Address:
    try:
        return IPv4Address(str(value))
    except ValueError:
        raise InvalidArgument(f"invalid {what} address: {value}") from None


def pool_from_request(entry: object) -> tuple[IPv4Network | None, dict[str, Any]]:
    """An ``IPAM.Config`` entry of a create request, checked: its subnet (None: to be
    chosen) and the rest, to be finished by ``finish``."""
    if not isinstance(entry, dict):
        raise InvalidArgument("json: cannot unmarshal into Go struct field IPAM.IPAM.Config "
                              "of type network.IPAMConfig")
    subnet = _cidr(entry["Subnet"]) if entry.get("Subnet") else None
    if subnet is None and (entry.get("IPRange") or entry.get("Gateway")
                           or entry.get("AuxiliaryAddresses")):
        raise InvalidArgument("ip-range, gateway and aux-address need a subnet")
    return subnet, entry


def finish(subnet: IPv4Network, entry: dict[str, Any]) -> Pool:
    """The pool of ``subnet`` with the request's gateway, range and aux addresses."""
    gateway = next(subnet.hosts(), subnet.network_address)
    if entry.get("Gateway"):
        gateway = _address(entry["Gateway"], "gateway")
        if gateway not in subnet:
            raise InvalidArgument(f"no matching subnet for gateway {gateway}")
    ip_range = None
    if entry.get("IPRange"):
        ip_range = _cidr(entry["IPRange"])
        if not ip_range.subnet_of(subnet):
            raise InvalidArgument(f"no matching subnet for range {ip_range}")
    aux = {}
    for name, value in (entry.get("AuxiliaryAddresses") or {}).items():
        address = _address(value, "aux")
        if address not in subnet:
            raise InvalidArgument(f"no matching subnet for aux-address {address}")
        aux[str(name)] = address
    return Pool(subnet, gateway, ip_range, aux)


def host_routes(path: Path = Path("/proc/net/route")) -> list[IPv4Network]:
    """The IPv4 destinations the host routes (its default route left out), as
    libnetwork checks a pool against them."""
    out = []
    for line in path.read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        dest = IPv4Address(int(fields[1], 16).to_bytes(4, "little"))
        mask = IPv4Address(int(fields[7], 16).to_bytes(4, "little"))
        net = IPv4Network(f"{dest}/{mask}", strict=False)
        if net.prefixlen:
            out.append(net)
    return out


def choose_subnet(taken: Iterable[IPv4Network]) -> IPv4Network:
    """The first default pool that overlaps nothing in ``taken``."""
    busy = list(taken)
    for pool in default_pools():
        if not any(pool.overlaps(t) for t in busy):
            return pool
    raise Forbidden("could not find an available, non-overlapping IPv4 address pool "
                    "among the defaults to assign to the network")
