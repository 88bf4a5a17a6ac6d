"""``berth top``: the container's processes, in ``ps``'s columns."""

from __future__ import annotations

from berth.cli.format import table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    ps_args = " ".join(args.ps_args) if args.ps_args else None
    top = client.containers.top(args.container, ps_args)
    print(table(top["Titles"], top["Processes"]), end="")
    return 0
