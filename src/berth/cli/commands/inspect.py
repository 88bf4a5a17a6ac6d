"""``berth inspect``: the JSON of containers or images, as an indented array."""

from __future__ import annotations

import json
import sys

from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client


def find(client: Client, name: str, kind: str | None) -> dict[str, Any]:
    """A container first, then an image, as docker looks (unless ``--type`` says)."""
    if kind != "image":
        try:
            return client.containers.inspect(name)
        except APIError as e:
            if e.status != 404 or kind == "container":
                raise
    try:
        return client.images.inspect(name)
    except APIError as e:
        if e.status == 404 and kind is None:
            raise APIError(404, f"No such object: {name}") from None
        raise


def run(args: argparse.Namespace, client: Client) -> int:
    if args.format:
        from berth.cli.commands import _format

        return _format.inspect(args, client)
    found = []
    status = 0
    for name in args.names:
        try:
            found.append(find(client, name, args.type))
        except APIError as e:
            # docker's inspect says what it did not find plainly, other errors as usual
            prefix = "Error" if e.status == 404 else "Error response from daemon"
            print(f"{prefix}: {e.message}", file=sys.stderr)
            status = 1
    print(json.dumps(found, indent=4))
    return status
