"""``berth rmi``: untag or delete images, printing docker's Untagged/Deleted lines."""

from __future__ import annotations

import sys

from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    status = 0
    for name in args.images:
        try:
            records = client.images.remove(name, force=args.force, noprune=args.no_prune)
        except APIError as e:
            print(f"Error response from daemon: {e.message}", file=sys.stderr)
            status = 1
            continue
        for record in records:
            for key in ("Untagged", "Deleted"):
                if record.get(key):
                    print(f"{key}: {record[key]}", flush=True)
    return status
