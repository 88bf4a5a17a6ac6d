"""``berth start``: start stopped containers, print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def start(name: str) -> str:
        client.containers.start(name)
        return name

    return for_each(args.containers, start)
