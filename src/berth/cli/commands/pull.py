"""``berth pull [--platform] [-q] NAME[:TAG|@DIGEST]``: docker's pull, credentials from
docker's ``config.json``, progress as docker shows it, the full reference last."""

from __future__ import annotations

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


def full_reference(image: str) -> str:
    from berth.oci.reference import parse

    return str(parse(image))


def pull(client: Client, image: str, platform: str = "", quiet: bool = False) -> None:
    """Pull ``image``, showing the progress unless ``quiet``."""
    from berth.cli.progress import Display
    from berth.client.credentials import auth_header

    name, tag = split(image)
    messages = client.images.pull(name, tag, platform, auth_header(image))
    if quiet:
        for _ in messages:
            pass
    else:
        Display().show_all(messages)


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.errors import InvalidArgument

    try:
        ref = full_reference(args.image)
    except InvalidArgument as e:
        print(e.message, file=__import__("sys").stderr)
        return 1
    pull(client, args.image, args.platform, args.quiet)
    print(ref)
    return 0
