"""``berth pull [--platform] [-q] NAME[:TAG|@DIGEST]``: docker's pull, credentials from
docker's ``config.json``, progress as docker shows it, the full reference last."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def split(image: str) -> tuple[str, str]:
    """``name`` and ``tag`` (or digest) as docker's CLI sends them to the daemon."""
    name, at, digest = image.partition("@")
    if at:
        return name, digest
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1:]
    return name, "latest"


def full_reference(image: str, all_tags: bool = False) -> str:
    from berth.oci.reference import parse

    return str(parse(image, default_tag=not all_tags))


def pull(client: Client, image: str, platform: str = "", quiet: bool = False,
         all_tags: bool = False) -> None:
    """Pull ``image`` (every tag of the repository with ``all_tags``), showing the
    progress unless ``quiet``."""
    from berth.cli.progress import Display
    from berth.client.credentials import auth_header

    name, tag = (image, "") if all_tags else split(image)
    messages = client.images.pull(name, tag, platform, auth_header(image))
    if quiet:
        for _ in messages:
            pass
    else:
        Display().show_all(messages)


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.errors import InvalidArgument

    try:
        ref = full_reference(args.image, args.all_tags)
    except InvalidArgument as e:
        print(e.message, file=sys.stderr)
        return 1
    if args.all_tags and ref.rpartition("/")[2].count(":") + ref.count("@"):
        print("tag can't be used with --all-tags/-a", file=sys.stderr)
        return 1
    pull(client, args.image, args.platform, args.quiet, args.all_tags)
    print(ref)
    return 0
