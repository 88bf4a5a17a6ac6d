"""``berth pause``: freeze every process of each container; print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def pause(name: str) -> str:
        client.containers.pause(name)
        return name

    return for_each(args.containers, pause)
