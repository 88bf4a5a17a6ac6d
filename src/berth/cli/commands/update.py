"""``berth update``: change a container's limits and restart policy, print each name."""

from __future__ import annotations

import sys

from berth.cli.commands._each import for_each
from berth.cli.hostconfig import blkio_weight, nano_cpus, ram_in_bytes, restart_policy

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client


def update_config(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.memory:
        out["Memory"] = ram_in_bytes(args.memory, "-m, --memory")
    if args.memory_swap:
        out["MemorySwap"] = -1 if args.memory_swap == "-1" else ram_in_bytes(
            args.memory_swap, "--memory-swap")
    if args.cpus:
        out["NanoCpus"] = nano_cpus(args.cpus)
    for flag, key in (("cpu_shares", "CpuShares"), ("cpu_period", "CpuPeriod"),
                      ("cpu_quota", "CpuQuota"), ("pids_limit", "PidsLimit")):
        if getattr(args, flag) is not None:
            out[key] = getattr(args, flag)
    if args.cpuset_cpus is not None:
        out["CpusetCpus"] = args.cpuset_cpus
    if args.cpuset_mems is not None:
        out["CpusetMems"] = args.cpuset_mems
    if args.blkio_weight is not None:
        out["BlkioWeight"] = blkio_weight(args.blkio_weight)
    if args.restart:
        out["RestartPolicy"] = restart_policy(args.restart)
    return out


def run(args: argparse.Namespace, client: Client) -> int:
    body = update_config(args)
    warnings: list[str] = []

    def update(name: str) -> str:
        warnings.extend(client.containers.update(name, body).get("Warnings") or [])
        return name

    status = for_each(args.containers, update)
    if warnings:  # docker's update prints them after the names, on stdout
        print("\n".join(warnings), file=sys.stdout)
    return status
