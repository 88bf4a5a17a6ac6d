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
import time
from ipaddress import IPv4Network
from pathlib import Path

from berth.errors import FailedPrecondition

CHAIN = "BERTH-FORWARD"
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")


def _ipt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["iptables", "-w", *args], capture_output=True, text=True,
                          check=False)


def _rules(subnet: IPv4Network, bridge: str) -> list[tuple[str, str]]:
    """(table, rule) as ``iptables-save`` prints them, so that what is there is seen."""
    return [
        ("nat", f"-A POSTROUTING -s {subnet} ! -o {bridge} -j MASQUERADE"),
        ("filter", f"-A {CHAIN} -o {bridge} -m conntrack --ctstate RELATED,ESTABLISHED "
                   "-j ACCEPT"),
        ("filter", f"-A {CHAIN} -i {bridge} -j ACCEPT"),
    ]


_JUMP = f"-A FORWARD -j {CHAIN}"


def _saved() -> dict[str, list[str]]:
    """Every table's rules and chains, read with ``iptables-save``: a change is three
    processes however many rules it checks (each ``iptables`` run costs ~20 ms here).
    A read that fails (the nf_tables backend gives up when another process changes
    the rules meanwhile) is tried again: an empty read would make a removal delete
    nothing."""
    out = {}
    for table in ("filter", "nat"):
        for _ in range(10):
            r = subprocess.run(["iptables-save", "-t", table], capture_output=True,
                               text=True, check=False)
            if r.returncode == 0 and f"*{table}" in r.stdout:
                break
            time.sleep(0.05)
        else:
            raise FailedPrecondition(f"iptables-save -t {table}: {r.stderr.strip()}")
        out[table] = r.stdout.splitlines()
    return out


def _restore(lines: dict[str, list[str]]) -> None:
    """One ``iptables-restore --noflush``: all or nothing."""
    text = "".join(f"*{table}\n" + "".join(f"{line}\n" for line in body) + "COMMIT\n"
                   for table, body in lines.items() if body)
    if not text:
        return
    r = subprocess.run(["iptables-restore", "-w", "--noflush"], input=text,
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise FailedPrecondition(f"iptables-restore: {r.stderr.strip()}")


def add(subnet: IPv4Network, bridge: str) -> None:
    saved = _saved()
    todo: dict[str, list[str]] = {"filter": [], "nat": []}
    if f":{CHAIN} - [0:0]" not in saved["filter"] and not any(
            line.startswith(f":{CHAIN} ") for line in saved["filter"]):
        todo["filter"].append(f":{CHAIN} - [0:0]")
    if _JUMP not in saved["filter"]:
        todo["filter"].append(f"-I FORWARD -j {CHAIN}")
    for table, rule in _rules(subnet, bridge):
        if rule not in saved[table]:
            todo[table].append(rule)
    _restore(todo)


def remove(subnet: IPv4Network, bridge: str) -> None:
    """The network's rules deleted; the chain and its jump too once nothing is in it."""
    saved = _saved()
    todo: dict[str, list[str]] = {"filter": [], "nat": []}
    for table, rule in _rules(subnet, bridge):
        if rule in saved[table]:
            todo[table].append("-D" + rule[2:])
    _restore(todo)
    left = [line for line in saved["filter"] if line.startswith(f"-A {CHAIN} ")
            and "-D" + line[2:] not in todo["filter"]]
    if not left and _JUMP in saved["filter"]:
        _ipt("-D", "FORWARD", "-j", CHAIN)
        _ipt("-X", CHAIN)


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
