"""``berth builder prune``: remove the build cache (every cached step and cache mount)."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.cli.commands.build import _human

    if not args.force:
        sys.stdout.write("WARNING! This will remove all dangling build cache.\n"
                         "Are you sure you want to continue? [y/N] ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return 0
    result = client.build.prune()
    deleted = result.get("CachesDeleted") or []
    if deleted:
        print("Deleted build cache objects:")
        for ident in deleted:
            print(ident)
        print()
    print(f"Total reclaimed space: {_human(int(result.get('SpaceReclaimed') or 0))}")
    return 0
