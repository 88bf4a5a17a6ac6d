"""``network ls`` and ``network prune`` filters, with dockerd's keys and words.

List: ``dangling`` (a network no container uses, never a predefined one),
``driver``, ``id`` and ``name`` (a prefix of the id, a substring of the name, as
dockerd matches them), ``label``, ``scope`` (every berth network is ``local``) and
``type`` (``builtin``: the predefined ones, ``custom``: the others). Prune:
``until``, ``label``, ``label!``.
"""

from collections.abc import Callable

from berth.errors import InvalidArgument
from berth.network.model import Network
from berth.util.filters import boolean, known, label_matches, timestamp
from berth.util.timefmt import parse_rfc3339

LIST_KEYS = frozenset({"dangling", "driver", "id", "label", "name", "scope", "type"})
PRUNE_KEYS = frozenset({"until", "label", "label!"})

Filters = dict[str, list[str]]


def list_matcher(filters: Filters, in_use: Callable[[str], bool]) -> Callable[[Network], bool]:
    """Whether a network is listed (a bad filter is a 400 before any work)."""
    known(filters, LIST_KEYS)
    dangling = boolean(filters, "dangling")
    for value in filters.get("type", []):
        if value not in ("custom", "builtin"):
            raise InvalidArgument(f"invalid filter: 'type'='{value}'")

    def keep(n: Network) -> bool:
        if dangling is not None and (not n.predefined and not in_use(n.id)) != dangling:
            return False
        if filters.get("driver") and n.driver not in filters["driver"]:
            return False
        if filters.get("id") and not any(n.id.startswith(i) for i in filters["id"]):
            return False
        if filters.get("name") and not any(s in n.name for s in filters["name"]):
            return False
        if filters.get("scope") and "local" not in filters["scope"]:
            return False
        types = filters.get("type")
        if types and ("builtin" if n.predefined else "custom") not in types:
            return False
        return all(label_matches(n.labels, spec) for spec in filters.get("label", []))

    return keep


def prune_matcher(filters: Filters) -> Callable[[Network], bool]:
    """Whether an unused user-defined network is pruned."""
    known(filters, PRUNE_KEYS)
    untils = [timestamp(u) for u in filters.get("until", [])]

    def prune(n: Network) -> bool:
        if untils and parse_rfc3339(n.created) >= min(untils):
            return False
        if not all(label_matches(n.labels, s) for s in filters.get("label", [])):
            return False
        return not any(label_matches(n.labels, s) for s in filters.get("label!", []))

    return prune
