"""A container's endpoint on a bridge network: a veth pair, one end (``vethXXXXXXX``)
on the bridge, the other moved into the container's network namespace as ``eth0``
with its address, docker's MAC (02:42 then the IPv4 address) and a default route via
the gateway (none on an ``--internal`` network); loopback comes up with it.
"""

import errno
import os
import secrets
from dataclasses import asdict, dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from berth.errors import FailedPrecondition
from berth.network import netns


@dataclass(frozen=True, slots=True)
class Endpoint:
    network_id: str
    endpoint_id: str
    ip: str
    prefixlen: int
    gateway: str
    mac: str
    host_veth: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> "Endpoint":
        return cls(**rec)

    def to_api(self, aliases: list[str] | None = None) -> dict[str, Any]:
        """One entry of inspect's ``NetworkSettings.Networks``."""
        return {"IPAMConfig": None, "Links": None, "Aliases": aliases,
                "NetworkID": self.network_id, "EndpointID": self.endpoint_id,
                "Gateway": self.gateway, "IPAddress": self.ip, "IPPrefixLen": self.prefixlen,
                "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                "MacAddress": self.mac, "DriverOpts": None}


def endpoint_api(rec: dict[str, Any]) -> dict[str, Any]:
    return Endpoint.from_record(rec).to_api()


def mac_of(ip: IPv4Address) -> str:
    """dockerd's generated MAC: the locally administered 02:42 prefix, then the address."""
    return ":".join(f"{b:02x}" for b in (0x02, 0x42, *ip.packed))


def _ipr() -> Any:
    from pyroute2 import IPRoute

    return IPRoute()


def attach(path: Path, bridge_name: str, network_id: str, ip: IPv4Address, prefixlen: int,
           gateway: IPv4Address, mtu: int, default_route: bool) -> Endpoint:
    """The veth pair made, wired and addressed; nothing left behind if it fails."""
    host = "veth" + secrets.token_hex(4)[:7]
    peer = "vp" + secrets.token_hex(5)
    mac = mac_of(ip)
    with _ipr() as ipr:
        bridges = ipr.link_lookup(ifname=bridge_name)
        if not bridges:
            raise FailedPrecondition(f"the bridge {bridge_name} of network {network_id} is "
                                     "missing")
        ipr.link("add", ifname=host, kind="veth", peer=peer)
        try:
            index = ipr.link_lookup(ifname=host)[0]
            ipr.link("set", index=index, master=bridges[0], mtu=mtu, state="up")
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                ipr.link("set", index=ipr.link_lookup(ifname=peer)[0], net_ns_fd=fd,
                         ifname="eth0", mtu=mtu)
            finally:
                os.close(fd)
            with netns.entered(path):
                inside = _ipr()
            with inside:
                inside.link("set", index=inside.link_lookup(ifname="lo")[0], state="up")
                eth0 = inside.link_lookup(ifname="eth0")[0]
                inside.link("set", index=eth0, address=mac)
                inside.addr("add", index=eth0, address=str(ip), prefixlen=prefixlen)
                inside.link("set", index=eth0, state="up")
                if default_route:
                    inside.route("add", dst="0.0.0.0/0", gateway=str(gateway))
        except Exception as e:
            for i in ipr.link_lookup(ifname=host):
                ipr.link("del", index=i)
            raise FailedPrecondition(f"failed to attach to network {network_id}: {e}") from None
    return Endpoint(network_id, secrets.token_hex(32), str(ip), prefixlen, str(gateway), mac,
                    host)


def detach(host_veth: str) -> None:
    """The pair deleted through its host end (the container's end goes with it), by name
    in the request itself: a lookup first dumps every link, and a dump that another
    engine's link change interrupts failed the removal and left the pair behind."""
    from pyroute2.netlink.exceptions import NetlinkError

    with _ipr() as ipr:
        try:
            ipr.link("del", ifname=host_veth)
        except NetlinkError as e:
            if e.code != errno.ENODEV:  # gone already: nothing to do
                raise
