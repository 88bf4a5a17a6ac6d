"""``volume ls`` and ``volume prune`` filters, with dockerd's keys and words.

List: ``dangling`` (no container refers to it), ``driver`` (exact), ``label``
(``key`` or ``key=value``), ``name`` (a substring). Prune: ``label``, ``label!``
and, from API 1.42, ``all``: without ``all=true`` only anonymous volumes go,
as dockerd 23+ prunes; older clients get dockerd 20.10's prune of every unused
volume.
"""

from collections.abc import Callable

from berth.util.filters import boolean, known, label_matches
from berth.volumes.store import Volume

LIST_KEYS = frozenset({"dangling", "driver", "label", "name"})
PRUNE_KEYS = frozenset({"label", "label!", "all"})
Filters = dict[str, list[str]]


def list_matcher(filters: Filters, in_use: Callable[[str], bool]) -> Callable[[Volume], bool]:
    """Whether a volume is listed (checked now: a bad filter is a 400 before any work)."""
    known(filters, LIST_KEYS)
    dangling = boolean(filters, "dangling")

    def keep(v: Volume) -> bool:
        if dangling is not None and in_use(v.name) == dangling:
            return False
        if filters.get("driver") and v.row.driver not in filters["driver"]:
            return False
        if filters.get("name") and not any(n in v.name for n in filters["name"]):
            return False
        return all(label_matches(v.row.labels, spec) for spec in filters.get("label", []))

    return keep


def prune_matcher(filters: Filters, api_version: tuple[int, ...]) -> Callable[[Volume], bool]:
    """Whether an unused volume is pruned."""
    known(filters, PRUNE_KEYS)
    every = boolean(filters, "all")
    if api_version < (1, 42):
        every = True

    def prune(v: Volume) -> bool:
        if not every and not v.anonymous:
            return False
        if not all(label_matches(v.row.labels, s) for s in filters.get("label", [])):
            return False
        return not any(label_matches(v.row.labels, s) for s in filters.get("label!", []))

    return prune
