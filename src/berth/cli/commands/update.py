"""``berth update``: change a container's limits and restart policy, print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each
from berth.cli.hostconfig import nano_cpus, ram_in_bytes, restart_policy

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
    if args.restart:
        out["RestartPolicy"] = restart_policy(args.restart)
    return out


def run(args: argparse.Namespace, client: Client) -> int:
    body = update_config(args)

    def update(name: str) -> str:
        client.containers.update(name, body)
        return name

    return for_each(args.containers, update)
