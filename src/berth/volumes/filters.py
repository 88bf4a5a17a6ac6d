"""``volume ls`` and ``volume prune`` filters, with dockerd's keys and words.

List: ``dangling`` (no container refers to it), ``driver`` (exact), ``label``
(``key`` or ``key=value``), ``name`` (a substring). Prune: ``label``, ``label!``
and, from API 1.42, ``all``: without ``all=true`` only anonymous volumes go,
as dockerd 23+ prunes; older clients get dockerd 20.10's prune of every unused
volume.
"""

from collections.abc import Callable

from berth.errors import InvalidArgument
from berth.util.filters import label_matches
from berth.volumes.store import Volume

LIST_KEYS = frozenset({"dangling", "driver", "label", "name"})
PRUNE_KEYS = frozenset({"label", "label!", "all"})
_BOOLS = {"true": True, "1": True, "false": False, "0": False}

Filters = dict[str, list[str]]


def _known(filters: Filters, keys: frozenset[str]) -> None:
    unknown = set(filters) - keys
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")


def _boolean(filters: Filters, key: str) -> bool | None:
    values = filters.get(key)
    if not values:
        return None
    for value in values:
        if value.lower() not in _BOOLS:
            raise InvalidArgument(f"invalid filter '{key}={value}'")
    return _BOOLS[values[-1].lower()]


def list_matcher(filters: Filters, in_use: Callable[[str], bool]) -> Callable[[Volume], bool]:
    """Whether a volume is listed (checked now: a bad filter is a 400 before any work)."""
    _known(filters, LIST_KEYS)
    dangling = _boolean(filters, "dangling")

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
    _known(filters, PRUNE_KEYS)
    every = _boolean(filters, "all")
    if api_version < (1, 42):
        every = True

    def prune(v: Volume) -> bool:
        if not every and not v.anonymous:
            return False
        if not all(label_matches(v.row.labels, s) for s in filters.get("label", [])):
            return False
        return not any(label_matches(v.row.labels, s) for s in filters.get("label!", []))

    return prune
