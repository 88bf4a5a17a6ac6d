"""``berth container prune``: remove all stopped containers (after asking, unless -f)."""

from __future__ import annotations

import sys

from berth.cli.format import human_size

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
    filters: dict[str, list[str]] = {}
    for spec in args.filter:
        key, _, value = spec.partition("=")
        filters.setdefault(key, []).append(value)
    report = client.containers.prune(filters)
    deleted = report.get("ContainersDeleted") or []
    if deleted:
        print("Deleted Containers:")
        for cid in deleted:
            print(cid)
        print()
    print(f"Total reclaimed space: {human_size(report.get('SpaceReclaimed') or 0)}")
    return 0
