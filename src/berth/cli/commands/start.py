"""``berth start``: start stopped containers, print each name; ``-a`` attaches to one
and exits with its status, as ``run`` does."""

from __future__ import annotations

import sys

from berth.cli.commands._each import for_each

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    if args.attach or args.interactive:
        if len(args.containers) > 1:
            print("you cannot start and attach multiple containers at once", file=sys.stderr)
            return 1
        from berth.cli.commands.run import RunFailed, chosen_detach_keys, stream_container

        info = client.containers.inspect(args.containers[0])
        config = info.get("Config") or {}
        try:
            return stream_container(client, info["Id"],
                                    args.interactive and bool(config.get("OpenStdin")),
                                    bool(config.get("Tty")), "start",
                                    bool((info.get("HostConfig") or {}).get("AutoRemove")),
                                    chosen_detach_keys(args))
        except RunFailed as e:
            print(e.message, file=sys.stderr)
            return e.status
    def start(name: str) -> str:
        client.containers.start(name)
        return name

    return for_each(args.containers, start)
