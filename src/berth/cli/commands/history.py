"""``berth history``: IMAGE, CREATED, CREATED BY, SIZE, COMMENT, newest first."""

from __future__ import annotations

import time

from berth.cli.format import ago, ellipsis, human_size, short_id, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT")
CREATED_BY_WIDTH = 45
MISSING = "<missing>"


def _id(entry: dict[str, Any], no_trunc: bool) -> str:
    id_ = entry.get("Id") or MISSING
    return id_ if id_ == MISSING else short_id(id_, no_trunc)


def _created(entry: dict[str, Any], human: bool, now: float) -> str:
    created = int(entry.get("Created") or 0)
    if human:
        return ago(created, now)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))


def run(args: argparse.Namespace, client: Client) -> int:
    if args.format:
        from berth.cli.commands import _format

        return _format.history(args, client, lambda: run(args, client))
    entries = client.images.history(args.image)
    if args.quiet:
        for entry in entries:
            print(_id(entry, args.no_trunc))
        return 0
    human = args.human.lower() not in ("false", "0")
    now = time.time()
    rows = []
    for entry in entries:
        created_by = (entry.get("CreatedBy") or "").replace("\t", " ")
        if not args.no_trunc:
            created_by = ellipsis(created_by, CREATED_BY_WIDTH)
        size = int(entry.get("Size") or 0)
        rows.append((_id(entry, args.no_trunc), _created(entry, human, now), created_by,
                     human_size(size) if human else str(size), entry.get("Comment") or ""))
    print(table(HEADER, rows), end="")
    return 0
