"""``berth stop``: the stop signal, then SIGKILL after the timeout; print each name."""

from __future__ import annotations

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    def stop(name: str) -> str:
        client.containers.stop(name, timeout=args.time, signal=args.signal)
        return name

    return for_each(args.containers, stop)
