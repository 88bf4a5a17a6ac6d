"""``berth ps``: docker's columns CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES."""

from __future__ import annotations

import time

from berth.cli.format import ago, ellipsis, go_quote, human_size, ports, short_id, table
from berth.cli.usage import filter_flags

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
COMMAND_WIDTH = 20


def names(raw: list[str], no_trunc: bool) -> str:
    """Names without the leading ``/``; truncated output keeps only the container's own
    name, not the ``other/alias`` names that links add."""
    stripped = [n[1:] if n.startswith("/") else n for n in raw]
    if not no_trunc:
        for name in stripped:
            if "/" not in name:
                return name
    return ",".join(stripped)


def image_column(image: str, no_trunc: bool) -> str:
    if not no_trunc and image.startswith("sha256:"):
        return short_id(image)
    return image


def row(c: dict[str, Any], now: float, no_trunc: bool) -> tuple[str, ...]:
    command = c.get("Command") or ""
    if not no_trunc:
        command = ellipsis(command, COMMAND_WIDTH)
    return (
        short_id(c.get("Id", ""), no_trunc),
        image_column(c.get("Image") or "", no_trunc),
        go_quote(command),
        ago(c.get("Created") or 0, now),
        c.get("Status") or (c.get("State") or "").capitalize(),
        ports(c.get("Ports") or []),
        names(c.get("Names") or [], no_trunc),
    )


def run(args: argparse.Namespace, client: Client) -> int:
    if args.format:
        from berth.cli.commands import _format

        return _format.ps(args, client, lambda: run(args, client))
    limit = 1 if args.latest else args.last
    containers = client.containers.list(all=args.all, limit=limit if limit > 0 else None,
                                        size=args.size and not args.quiet,
                                        filters=ps_filters(args))
    if args.quiet:
        for c in containers:
            print(short_id(c["Id"], args.no_trunc))
        return 0
    now = time.time()
    rows = [row(c, now, args.no_trunc) for c in containers]
    if args.size:
        rows = [(*r, size(c)) for r, c in zip(rows, containers, strict=True)]
    print(table((*HEADER, "SIZE") if args.size else HEADER, rows), end="")
    return 0


def size(c: dict[str, Any]) -> str:
    """The SIZE column: ``0B (virtual 4.26MB)``."""
    return (f"{human_size(c.get('SizeRw') or 0)} "
            f"(virtual {human_size(c.get('SizeRootFs') or 0)})")


def ps_filters(args: argparse.Namespace) -> dict[str, list[str]]:
    """``--filter key=value`` flags as the API's filters map."""
    return filter_flags(args.filter, "ps")
