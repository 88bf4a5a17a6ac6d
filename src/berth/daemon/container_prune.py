"""``POST /containers/prune``: remove every stopped container (``until``, ``label``
filters), as ``docker container prune`` does; report what was freed."""

import time
from typing import Any

from berth.daemon.container import Container
from berth.daemon.containers import ContainerService
from berth.errors import InvalidArgument
from berth.util.disk import tree_size
from berth.util.filters import label_matches, timestamp
from berth.util.timefmt import parse_rfc3339

KEYS = frozenset({"until", "label", "label!"})


def _keep(c: Container, filters: dict[str, list[str]], now: float) -> bool:
    if any(parse_rfc3339(c.created) >= timestamp(text, now)
           for text in filters.get("until", [])):
        return True
    labels = c.config.get("Labels") or {}
    if not all(label_matches(labels, spec) for spec in filters.get("label", [])):
        return True
    return any(label_matches(labels, spec) for spec in filters.get("label!", []))


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
