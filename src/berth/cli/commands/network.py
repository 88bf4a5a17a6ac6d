"""``berth network create|ls|inspect|rm|prune``, as the docker CLI (28.x) has them."""

from __future__ import annotations

import sys

from berth.cli.commands._prune import filters_of
from berth.cli.commands.volume import natural_key, print_inspected
from berth.cli.format import table
from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("NETWORK ID", "NAME", "DRIVER", "SCOPE")
_WARNING = ("WARNING! This will remove all custom networks not used by at least one "
            "container.\nAre you sure you want to continue? [y/N] ")


class UsageProblem(Exception):
    """A flag combination the docker CLI refuses before asking the daemon."""


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageProblem(f'invalid argument "{item}" for "--{what}" flag: bad format '
                               "for key-value pair")
        out[key] = value
    return out


def ipam_config(subnets: list[str], ranges: list[str], gateways: list[str],
                aux: dict[str, str]) -> list[dict[str, Any]]:
    """The docker CLI's ``consolidateIpam``: each range, gateway and aux address goes
    to the subnet holding it, with its messages for what fits nowhere."""
    from ipaddress import ip_address, ip_network

    def net(text: str) -> Any:
        try:
            return ip_network(text, strict=False)
        except ValueError:
            raise UsageProblem(f"invalid CIDR address: {text}") from None

    def address(text: str) -> Any:
        try:
            return ip_address(text)
        except ValueError:
            raise UsageProblem(f"invalid address: {text}") from None

    if len(subnets) < len(ranges) or len(subnets) < len(gateways):
        raise UsageProblem("every ip-range or gateway must have a corresponding subnet")
    configs: dict[str, dict[str, Any]] = {}
    for s in subnets:
        if any(net(s).overlaps(net(k)) for k in configs):
            raise UsageProblem("multiple overlapping subnet configuration is not supported")
        configs[s] = {"Subnet": s, "AuxiliaryAddresses": {}}
    for r in ranges:
        holders = [s for s in subnets if net(r).version == net(s).version
                   and net(r).subnet_of(net(s))]
        if not holders:
            raise UsageProblem(f"no matching subnet for range {r}")
        for s in holders:
            if configs[s].get("IPRange"):
                raise UsageProblem(f"cannot configure multiple ranges ({r}, "
                                   f"{configs[s]['IPRange']}) on the same subnet ({s})")
            configs[s]["IPRange"] = r
    for g in gateways:
        holders = [s for s in subnets if address(g) in net(s)]
        if not holders:
            raise UsageProblem(f"no matching subnet for gateway {g}")
        for s in holders:
            if configs[s].get("Gateway"):
                raise UsageProblem(f"cannot configure multiple gateways ({g}, "
                                   f"{configs[s]['Gateway']}) for the same subnet ({s})")
            configs[s]["Gateway"] = g
    for key, a in aux.items():
        holders = [s for s in subnets if address(a) in net(s)]
        if not holders:
            raise UsageProblem(f"no matching subnet for aux-address {a}")
        for s in holders:
            configs[s]["AuxiliaryAddresses"][key] = a
    return list(configs.values())


def create(args: argparse.Namespace, client: Client) -> int:
    try:
        body = {
            "Name": args.network, "Driver": args.driver, "Scope": args.scope,
            "EnableIPv6": args.ipv6, "Internal": args.internal, "Attachable": args.attachable,
            "Ingress": args.ingress, "ConfigOnly": args.config_only,
            "ConfigFrom": {"Network": args.config_from} if args.config_from else None,
            "IPAM": {"Driver": args.ipam_driver,
                     "Config": ipam_config(args.subnet, args.ip_range, args.gateway,
                                           _pairs(args.aux_address, "aux-address")),
                     "Options": _pairs(args.ipam_opt, "ipam-opt")},
            "Options": _pairs(args.opt, "opt"), "Labels": _pairs(args.label, "label"),
        }
    except UsageProblem as e:
        print(e, file=sys.stderr)
        return 1
    print(client.networks.create(body)["Id"])
    return 0


def ls(args: argparse.Namespace, client: Client) -> int:
    networks = sorted(client.networks.list(filters_of(args.filter)),
                      key=lambda n: natural_key(n["Name"]))
    fmt = args.format
    if args.quiet and not fmt:
        fmt = "{{.ID}}"
    if fmt and fmt != "table":
        from berth.cli.contexts import NetworkContext
        from berth.cli.formatter import FormatError, write

        try:
            sys.stdout.write(write(fmt, [NetworkContext(n, args.no_trunc) for n in networks],
                                   NetworkContext.HEADER))
        except FormatError as e:
            print(e.message, file=sys.stderr)
            return e.status
        return 0
    rows = [(n["Id"] if args.no_trunc else n["Id"][:12], n["Name"], n.get("Driver", ""),
             n.get("Scope", "")) for n in networks]
    print(table(HEADER, rows), end="")
    return 0


def inspect(args: argparse.Namespace, client: Client) -> int:
    found: list[Any] = []
    errors = []
    for ref in args.networks:
        try:
            found.append(client.networks.inspect(ref, args.verbose))
        except APIError as e:
            errors.append(f"Error: No such network: {ref}" if e.status == 404 else
                          f"Error response from daemon: {e.message}")
    return print_inspected(found, args.format, errors)


def rm(args: argparse.Namespace, client: Client) -> int:
    status = 0
    for ref in args.networks:
        try:
            client.networks.remove(ref)
        except APIError as e:
            print(f"Error response from daemon: {e.message}", file=sys.stderr)
            status = 1
            continue
        print(ref, flush=True)
    return status


def prune(args: argparse.Namespace, client: Client) -> int:
    if not args.force:
        print(_WARNING, end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return 0
    deleted = client.networks.prune(filters_of(args.filter)).get("NetworksDeleted") or []
    if deleted:
        print("Deleted Networks:")
        for name in deleted:
            print(name)
    return 0


_COMMANDS = {"network create": create, "network ls": ls, "network inspect": inspect,
             "network rm": rm, "network prune": prune}


def run(args: argparse.Namespace, client: Client) -> int:
    return _COMMANDS[args.command](args, client)
