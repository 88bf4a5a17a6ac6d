"""``berth container prune``: remove all stopped containers (after asking, unless -f)."""

from __future__ import annotations

import sys

from berth.cli.commands._prune import filters_of, report

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    if not args.force:
        print("WARNING! This will remove all stopped containers.\n"
              "Are you sure you want to continue? [y/N] ", end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return 0
    pruned = client.containers.prune(filters_of(args.filter))
    report("Deleted Containers", pruned.get("ContainersDeleted") or [],
           pruned.get("SpaceReclaimed") or 0)
    return 0
