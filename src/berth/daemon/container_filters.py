"""``GET /containers/json`` filters, as dockerd applies them.

``id`` (prefix), ``name`` (a regular expression searched in the name),
``label`` (``key`` or ``key=value``), ``status``, ``exited`` (exit code of an
exited container), ``ancestor`` (the image, by name or id, the container was
made from), ``before`` and ``since`` (another container, by creation order).
Values of one key are ORed, keys ANDed. Any filter lists stopped containers
too only with ``all`` (docker's rule), except ``status`` and ``exited``, which
imply them.
"""

import re
from collections.abc import Callable

from berth.daemon.container import Container
from berth.errors import InvalidArgument
from berth.util.filters import label_matches

KEYS = frozenset({"id", "name", "label", "status", "exited", "ancestor", "before", "since"})
STATUSES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")

Filters = dict[str, list[str]]


def check(filters: Filters) -> None:
    unknown = set(filters) - KEYS
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")
    for status in filters.get("status", []):
        if status not in STATUSES:
            raise InvalidArgument(f"invalid filter 'status={status}'")
    for code in filters.get("exited", []):
        if not code.lstrip("-").isdigit():
            raise InvalidArgument(f"invalid filter 'exited={code}'")
    for pattern in filters.get("name", []):
        try:
            re.compile(pattern)
        except re.error as e:
            raise InvalidArgument(f"invalid filter 'name={pattern}': {e}") from None


def apply(containers: list[Container], filters: Filters,
          resolve_container: Callable[[str], Container],
          image_ids: Callable[[str], set[str]]) -> list[Container]:
    """Keep the containers that pass; ``image_ids(name)`` gives the ids an ``ancestor``
    value stands for (empty when it names no image)."""
    check(filters)
    tests: list[Callable[[Container], bool]] = []

    def any_of(key: str, test: Callable[[Container, str], bool]) -> None:
        values = filters.get(key)
        if values:
            tests.append(lambda c: any(test(c, v) for v in values))

    any_of("id", lambda c, v: c.id.startswith(v))
    any_of("name", lambda c, v: re.search(v, "/" + c.name) is not None)
    any_of("status", lambda c, v: c.state.status == v)
    any_of("exited", lambda c, v: c.state.status == "exited" and c.state.exit_code == int(v))
    tests += [_has_label(spec) for spec in filters.get("label", [])]
    ancestors: set[str] = set()
    for name in filters.get("ancestor", []):
        ancestors |= image_ids(name) | {name}
    if filters.get("ancestor"):
        tests.append(lambda c: c.image_id in ancestors or c.image_ref in ancestors)
    tests += [_created_before(resolve_container(ref).created)
              for ref in filters.get("before", [])]
    tests += [_created_after(resolve_container(ref).created) for ref in filters.get("since", [])]
    return [c for c in containers if all(t(c) for t in tests)]


def _has_label(spec: str) -> Callable[[Container], bool]:
    return lambda c: label_matches(c.config.get("Labels") or {}, spec)


def _created_before(created: str) -> Callable[[Container], bool]:
    return lambda c: c.created < created


def _created_after(created: str) -> Callable[[Container], bool]:
    return lambda c: c.created > created
