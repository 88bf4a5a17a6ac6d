"""What docker's list, prune and events filters share: ``label`` specs and times."""

import time
from collections.abc import Mapping

from berth.errors import InvalidArgument
from berth.util.timefmt import parse_timestamp


def label_matches(labels: Mapping[str, str], spec: str) -> bool:
    """``key`` (present) or ``key=value`` (present with that value)."""
    key, sep, value = spec.partition("=")
    return key in labels and (not sep or labels[key] == value)


def timestamp(text: str, now: float | None = None) -> float:
    """An ``until``/``since`` value (Unix time, RFC 3339, or a duration back from now);
    InvalidArgument with docker's message when it is none of them."""
    try:
        return parse_timestamp(text, time.time() if now is None else now)
    except ValueError as e:
        raise InvalidArgument(str(e)) from None


_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def known(filters: Mapping[str, list[str]], keys: frozenset[str]) -> None:
    """dockerd's 400 for a filter key the list or prune does not take."""
    unknown = set(filters) - keys
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")


def boolean(filters: Mapping[str, list[str]], key: str) -> bool | None:
    """A true/1/false/0 filter (the last value wins), None when absent."""
    values = filters.get(key)
    if not values:
        return None
    for value in values:
        if value.lower() not in _BOOLS:
            raise InvalidArgument(f"invalid filter '{key}={value}'")
    return _BOOLS[values[-1].lower()]
