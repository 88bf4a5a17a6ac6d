"""``berth rm``: remove containers, print each name removed."""

from __future__ import annotations

import sys

from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    status = 0
    for name in args.containers:
        try:
            client.containers.remove(name, force=args.force, volumes=args.volumes)
        except APIError as e:
            print(f"Error response from daemon: {e.message}", file=sys.stderr)
            if not (args.force and e.status == 404):  # docker: -f ignores missing ones
                status = 1
            continue
        print(name, flush=True)
    return status
