"""``berth attach``: the running container's stdio here, until it exits (its status)."""

from __future__ import annotations

import sys

from berth.cli.commands.run import chosen_detach_keys, stream_container

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    info = client.containers.inspect(args.container)
    config = info.get("Config") or {}
    if not (info.get("State") or {}).get("Running"):
        print("You cannot attach to a stopped container, start it first",
              file=sys.stderr)
        return 1
    interactive = bool(config.get("OpenStdin")) and not args.no_stdin
    return stream_container(client, info["Id"], interactive, bool(config.get("Tty")), None,
                            keys=chosen_detach_keys(args))
