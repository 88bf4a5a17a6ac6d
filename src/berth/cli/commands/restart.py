"""``berth restart``: stop (with the timeout) then start each container; print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def restart(name: str) -> str:
        client.containers.restart(name, timeout=args.time, signal=args.signal)
        return name

    return for_each(args.containers, restart)
