"""``berth push NAME[:TAG]``: docker's push, credentials from docker's ``config.json``."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.cli.commands.pull import split
    from berth.cli.progress import Display
    from berth.client.credentials import auth_header

    name, tag = (args.image, "") if args.all_tags else split(args.image)
    messages = client.images.push(name, tag, auth_header(args.image))
    if args.quiet:
        for _ in messages:
            pass
        print(f"{name}:{tag}" if tag else name)
    else:
        Display().show_all(messages)
    return 0
