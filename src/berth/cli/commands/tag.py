"""``berth tag``: another name for an image; silent on success, like docker."""

from __future__ import annotations

import sys

from berth.cli.format import split_reference
from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    repo, tag = split_reference(args.target)
    try:
        client.images.tag(args.source, repo, tag)
    except APIError as e:
        print(f"Error response from daemon: {e.message}", file=sys.stderr)
        return 1
    return 0
