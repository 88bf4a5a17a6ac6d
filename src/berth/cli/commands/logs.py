"""``berth logs``: the container's log, stdout to stdout and stderr to stderr."""

from __future__ import annotations

from berth.cli.output import copy_frames

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    copy_frames(client.containers.logs(
        args.container, follow=args.follow, timestamps=args.timestamps, tail=args.tail,
        since=args.since, until=args.until, details=args.details))
    return 0
