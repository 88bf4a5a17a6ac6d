"""``berth image prune``: remove dangling (``-a``: all unused) images."""

from __future__ import annotations

import sys

from berth.cli.commands._prune import filters_of
from berth.cli.format import human_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client

_WARNING = {
    False: "WARNING! This will remove all dangling images.",
    True: "WARNING! This will remove all images without at least one container associated "
          "to them.",
}


def _confirm(all_: bool) -> bool:
    print(_WARNING[all_] + "\nAre you sure you want to continue? [y/N] ", end="", flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def run(args: argparse.Namespace, client: Client) -> int:
    if not args.force and not _confirm(args.all):
        return 0
    filters = filters_of(args.filter)
    if args.all:
        filters["dangling"] = ["false"]
    report = client.images.prune(filters)
    records = report.get("ImagesDeleted") or []
    if records:
        print("Deleted Images:")
        for record in records:
            for key in ("Untagged", "Deleted"):
                if record.get(key):
                    print(f"{key.lower()}: {record[key]}")
        print()
    print(f"Total reclaimed space: {human_size(report.get('SpaceReclaimed') or 0)}")
    return 0

