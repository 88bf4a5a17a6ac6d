"""``berth rename``: give a container a new name; silent on success, like docker."""

from __future__ import annotations

import sys

from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    try:
        client.containers.rename(args.container, args.new_name)
    except APIError as e:
        print(f"Error response from daemon: {e.message}", file=sys.stderr)
        return 1
    return 0
