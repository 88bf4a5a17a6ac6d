"""The filter rules of a bridge network that reaches out (not ``--internal``), as
dockerd's bridge driver adds them, in chains of berth's own:

    nat    POSTROUTING  -s SUBNET ! -o BRIDGE -j MASQUERADE
    filter FORWARD      -j BERTH-FORWARD
    filter BERTH-FORWARD -o BRIDGE -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                         -i BRIDGE -j ACCEPT

so that containers reach out through the host's address even where FORWARD's
policy is DROP (as a dockerd on the same host sets it). Rules are added when the
network's device is set up and deleted with it; the chain goes when it is empty.

Forwarding (``net.ipv4.ip_forward``) is host-wide: berthd turns it on only when a
bridge network that reaches out is set up and it was off, writes the old value
under the exec root, and puts it back when berthd stops with its bridges removed
(dockerd turns it on and leaves it on).
"""

import subprocess
from ipaddress import IPv4Network
from pathlib import Path

from berth.errors import FailedPrecondition

CHAIN = "BERTH-FORWARD"
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")


def _ipt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["iptables", "-w", *args], capture_output=True, text=True,
                          check=False)


def _ensure(table: str, chain: str, *rule: str, first: bool = False) -> None:
    if _ipt("-t", table, "-C", chain, *rule).returncode == 0:
        return
    r = _ipt("-t", table, "-I" if first else "-A", chain, *rule)
    if r.returncode != 0:
        raise FailedPrecondition(f"iptables: {r.stderr.strip()}")


def _rules(subnet: IPv4Network, bridge: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        ("nat", "POSTROUTING", ("-s", str(subnet), "!", "-o", bridge, "-j", "MASQUERADE")),
        ("filter", CHAIN, ("-o", bridge, "-m", "conntrack", "--ctstate",
                           "RELATED,ESTABLISHED", "-j", "ACCEPT")),
        ("filter", CHAIN, ("-i", bridge, "-j", "ACCEPT")),
    ]


def add(subnet: IPv4Network, bridge: str) -> None:
    if _ipt("-t", "filter", "-n", "-L", CHAIN).returncode != 0:
        _ipt("-t", "filter", "-N", CHAIN)
    _ensure("filter", "FORWARD", "-j", CHAIN, first=True)
    for table, chain, rule in _rules(subnet, bridge):
        _ensure(table, chain, *rule)


def remove(subnet: IPv4Network, bridge: str) -> None:
    """The network's rules deleted; the chain and its jump too once nothing is in it."""
    for table, chain, rule in _rules(subnet, bridge):
        while _ipt("-t", table, "-D", chain, *rule).returncode == 0:
            pass
    listed = _ipt("-t", "filter", "-S", CHAIN)
    if listed.returncode == 0 and len(listed.stdout.splitlines()) <= 1:
        while _ipt("-t", "filter", "-D", "FORWARD", "-j", CHAIN).returncode == 0:
            pass
        _ipt("-t", "filter", "-X", CHAIN)


def enable_forwarding(record: Path) -> None:
    """ip_forward on, the old value kept in ``record`` when berthd changed it."""
    if IP_FORWARD.read_text().strip() == "1":
        return
    if not record.exists():
        record.write_text("0\n")
    IP_FORWARD.write_text("1\n")


def restore_forwarding(record: Path) -> None:
    if record.exists():
        IP_FORWARD.write_text(record.read_text())
        record.unlink()
