"""``berth kill``: send a signal (default KILL) to running containers; print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def kill(name: str) -> str:
        client.containers.kill(name, args.signal)
        return name

    return for_each(args.containers, kill)
