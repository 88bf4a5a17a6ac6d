"""``POST /containers/prune``: remove every stopped container (``until``, ``label``
filters), as ``docker container prune`` does; report what was freed."""

import time
from typing import Any

from berth.daemon.container import Container
from berth.daemon.containers import ContainerService
from berth.errors import InvalidArgument
from berth.util.disk import tree_size
from berth.util.timefmt import parse_rfc3339, parse_timestamp

KEYS = frozenset({"until", "label", "label!"})


def _label(c: Container, spec: str) -> bool:
    labels = c.config.get("Labels") or {}
    key, sep, value = spec.partition("=")
    return key in labels and (not sep or labels[key] == value)


def _keep(c: Container, filters: dict[str, list[str]], now: float) -> bool:
    for text in filters.get("until", []):
        try:
            limit = parse_timestamp(text, now)
        except ValueError as e:
            raise InvalidArgument(str(e)) from None
        if parse_rfc3339(c.created) >= limit:
            return True
    if not all(_label(c, spec) for spec in filters.get("label", [])):
        return True
    return any(_label(c, spec) for spec in filters.get("label!", []))


async def prune(containers: ContainerService, filters: dict[str, list[str]]) -> dict[str, Any]:
    unknown = set(filters) - KEYS
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")
    now = time.time()
    deleted: list[str] = []
    reclaimed = 0
    for c in containers.list(all_=True):
        if c.state.running or c.state.status == "removing" or _keep(c, filters, now):
            continue
        reclaimed += tree_size(containers.bundle_dir(c.id) + "/upper")
        await containers.remove(c.id)
        deleted.append(c.id)
    return {"ContainersDeleted": deleted or None, "SpaceReclaimed": reclaimed}
