"""The bridge driver's device: a Linux bridge, addressed with the network's gateway
and up, made and removed over netlink (pyroute2, imported here only: berthd pays
for it at its first network, the CLI never).

A device that exists already is adopted only when the caller says it is the
network's own (a berthd restarted after a crash finds its bridges as it left them);
at create it is refused, so that removing the network can never delete a device
berth did not make.
"""

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from berth.errors import Conflict, FailedPrecondition, InvalidArgument

IFNAMSIZ = 15  # the kernel's limit on an interface name, without its NUL


@dataclass(frozen=True, slots=True)
class BridgeDevice:
    name: str
    gateway: IPv4Address
    subnet: IPv4Network
    mtu: int = 1500


def _ipr() -> Any:
    from pyroute2 import IPRoute

    return IPRoute()


def check_name(name: str) -> None:
    if not name or len(name) > IFNAMSIZ or "/" in name or any(c.isspace() for c in name):
        raise InvalidArgument(f"invalid bridge name {name!r}: at most {IFNAMSIZ} "
                                 "characters, no '/' or spaces")


def exists(name: str) -> bool:
    with _ipr() as ipr:
        return bool(ipr.link_lookup(ifname=name))


def ensure(dev: BridgeDevice, adopt: bool) -> None:
    """Make the bridge (or, with ``adopt``, take the existing one), give it the
    gateway address and bring it up."""
    check_name(dev.name)
    with _ipr() as ipr:
        found = ipr.link_lookup(ifname=dev.name)
        if found and not adopt:
            raise Conflict(f"cannot create network: a device named {dev.name} exists already")
        if not found:
            try:
                ipr.link("add", ifname=dev.name, kind="bridge", mtu=dev.mtu)
            except Exception as e:  # pyroute2's NetlinkError and friends
                raise FailedPrecondition(f"failed to create bridge {dev.name}: {e}") from None
            found = ipr.link_lookup(ifname=dev.name)
        index = found[0]
        have = {(a.get_attr("IFA_ADDRESS"), a["prefixlen"])
                for a in ipr.get_addr(index=index, family=2)}
        ours = (str(dev.gateway), dev.subnet.prefixlen)
        if have and ours not in have:
            others = ", ".join(f"{a}/{p}" for a, p in sorted(have))
            raise FailedPrecondition(
                f"the bridge {dev.name} is another engine's (it has {others}): give this "
                "berthd a bridge of its own (--bridge NAME) or none (--bridge none)")
        try:
            if (str(dev.gateway), dev.subnet.prefixlen) not in have:
                ipr.addr("add", index=index, address=str(dev.gateway),
                         prefixlen=dev.subnet.prefixlen,
                         broadcast=str(dev.subnet.broadcast_address))
            ipr.link("set", index=index, state="up", mtu=dev.mtu)
        except Exception as e:
            if not adopt:
                ipr.link("del", index=index)
            raise FailedPrecondition(f"failed to set up bridge {dev.name}: {e}") from None


def release(dev: BridgeDevice) -> None:
    """``remove`` unless another engine's address is on the bridge too: then only ours
    goes (a default bridge shared by mistake is not pulled from under the other)."""
    with _ipr() as ipr:
        for index in ipr.link_lookup(ifname=dev.name):
            have = {(a.get_attr("IFA_ADDRESS"), a["prefixlen"])
                    for a in ipr.get_addr(index=index, family=2)}
            ours = (str(dev.gateway), dev.subnet.prefixlen)
            if have - {ours}:
                if ours in have:
                    ipr.addr("del", index=index, address=ours[0], prefixlen=ours[1])
            else:
                ipr.link("del", index=index)
