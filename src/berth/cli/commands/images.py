"""``berth images``: REPOSITORY, TAG, (DIGEST,) IMAGE ID, CREATED, SIZE.

Filtering (``--filter`` and the REPOSITORY[:TAG] argument, a ``reference``
filter like docker's) is done by the daemon.
"""

from __future__ import annotations

import time

from berth.cli.format import ago, human_size, short_id, split_reference, table
from berth.cli.usage import filter_flags

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")
DIGEST_HEADER = ("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
NONE = "<none>"


def repo_tags(image: dict[str, Any]) -> list[tuple[str, str]]:
    """(repository, tag) pairs, one row each; ``<none>`` for a dangling image."""
    pairs = [split_reference(t) for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
    if pairs:
        return [(repo, tag or NONE) for repo, tag in pairs]
    digests = [d for d in image.get("RepoDigests") or [] if d != "<none>@<none>"]
    if digests:
        return [(digests[0].split("@", 1)[0], NONE)]
    return [(NONE, NONE)]


def digest_of(image: dict[str, Any], repo: str) -> str:
    for d in image.get("RepoDigests") or []:
        name, _, digest = d.partition("@")
        if name == repo:
            return digest
    return NONE


def rows(images: list[dict[str, Any]], now: float, no_trunc: bool,
         digests: bool = False) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for image in images:
        created = image.get("Created") or 0
        for repo, tag in repo_tags(image):
            row = (repo, tag, short_id(image.get("Id", ""), no_trunc),
                   ago(created, now) if created else "N/A", human_size(image.get("Size") or 0))
            out.append((*row[:2], digest_of(image, repo), *row[2:]) if digests else row)
    return out


def filters_of(args: argparse.Namespace) -> dict[str, list[str]]:
    filters = filter_flags(args.filter, "images")
    if args.reference:
        filters.setdefault("reference", []).append(args.reference)
    return filters


def run(args: argparse.Namespace, client: Client) -> int:
    if args.format:
        from berth.cli.commands import _format

        return _format.images(args, client, lambda: run(args, client))
    images = client.images.list(all=args.all, filters=filters_of(args), digests=args.digests)
    if args.quiet:
        seen: set[str] = set()
        for image in images:
            id_ = short_id(image["Id"], args.no_trunc)
            if id_ not in seen:
                seen.add(id_)
                print(id_)
        return 0
    header = DIGEST_HEADER if args.digests else HEADER
    print(table(header, rows(images, time.time(), args.no_trunc, args.digests)), end="")
    return 0
