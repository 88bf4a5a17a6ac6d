"""``berth create``: ``run``'s flags and request, without starting; prints the id."""

from __future__ import annotations

import sys

from berth.cli.commands.run import RunFailed, create

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    args.detach = True  # nothing attaches at create
    try:
        print(create(client, args))
    except RunFailed as e:
        print(f"berth: {e.message}", file=sys.stderr)
        return e.status
    return 0
