"""``berth images``: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE."""

from __future__ import annotations

import time

from berth.cli.format import ago, human_size, short_id, split_reference, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")
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


def matches(pair: tuple[str, str], reference: str | None) -> bool:
    if not reference:
        return True
    repo, tag = split_reference(reference)
    return pair[0] == repo and (not tag or pair[1] == tag)


def rows(images: list[dict[str, Any]], now: float, no_trunc: bool,
         reference: str | None) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for image in images:
        created = image.get("Created") or 0
        for repo, tag in repo_tags(image):
            if matches((repo, tag), reference):
                out.append((repo, tag, short_id(image.get("Id", ""), no_trunc),
                            ago(created, now) if created else "N/A",
                            human_size(image.get("Size") or 0)))
    return out


def run(args: argparse.Namespace, client: Client) -> int:
    images = client.images.list(all=args.all)
    if args.quiet:
        seen: set[str] = set()
        for image in images:
            if not any(matches(p, args.reference) for p in repo_tags(image)):
                continue
            id_ = short_id(image["Id"], args.no_trunc)
            if id_ not in seen:
                seen.add(id_)
                print(id_)
        return 0
    print(table(HEADER, rows(images, time.time(), args.no_trunc, args.reference)), end="")
    return 0
