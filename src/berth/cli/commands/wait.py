"""``berth wait``: block until each container stops, print its exit code."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def wait(name: str) -> str:
        return str(client.containers.wait(name).get("StatusCode", -1))

    return for_each(args.containers, wait)
