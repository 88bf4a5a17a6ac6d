"""``berth commit``: a new image from a container's changes; prints its id (``sha256:...``)."""

from __future__ import annotations

from berth.cli.format import split_reference

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client

_FALSE = ("0", "f", "false", "no", "off")


def run(args: argparse.Namespace, client: Client) -> int:
    ref = args.reference or ""
    repo, tag = (ref, "") if "@" in ref else split_reference(ref) if ref else ("", "")
    image_id = client.containers.commit(
        args.container, repo=repo, tag=tag, comment=args.message or "",
        author=args.author or "", changes=args.change,
        pause=str(args.pause).lower() not in _FALSE)
    print(image_id)
    return 0
