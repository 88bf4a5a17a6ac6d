"""``berth diff``: the container's changed files, one ``C|A|D /path`` a line, like docker."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client

KINDS = "CAD"  # the API's Kind: 0 modified, 1 added, 2 deleted


def run(args: argparse.Namespace, client: Client) -> int:
    changes = client.containers.changes(args.container)
    lines = [f"{KINDS[int(c['Kind'])]} {c['Path']}" for c in changes]
    if lines:
        print("\n".join(lines))
    return 0
