"""``berth unpause``: thaw each paused container; print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def unpause(name: str) -> str:
        client.containers.unpause(name)
        return name

    return for_each(args.containers, unpause)
