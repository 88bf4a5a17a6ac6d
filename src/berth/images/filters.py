"""``GET /images/json`` filters, as dockerd applies them.

``dangling``, ``label`` (``key`` or ``key=value``), ``before`` and ``since``
(an image named by reference or id), ``until`` (a timestamp or a duration)
and ``reference``: a glob (Go's ``path.Match``: ``*`` stops at ``/``) over the
familiar reference (``busybox:latest``) or name (``busybox``). With
``reference``, an image lists only its names that match.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from berth.errors import InvalidArgument
from berth.util.filters import label_matches, timestamp
from berth.util.timefmt import parse_rfc3339

if TYPE_CHECKING:
    from berth.images.service import Image

Filters = dict[str, list[str]]
KEYS = frozenset({"dangling", "label", "before", "since", "until", "reference"})


def go_glob(pattern: str) -> re.Pattern[str]:
    """Go's ``path.Match`` pattern as a regex; InvalidArgument when malformed."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("^", "!") else i + 1)
            if end < 0:
                raise InvalidArgument("syntax error in pattern")
            body = pattern[i + 1:end]
            if body[:1] in ("^", "!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def _bool(key: str, values: list[str]) -> bool:
    value = values[-1].lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise InvalidArgument(f"invalid filter '{key}={values[-1]}'")


def _has_label(spec: str) -> Callable[[Image], bool]:
    return lambda img: label_matches((img.config.get("config") or {}).get("Labels") or {}, spec)


def _created_before(limit: float) -> Callable[[Image], bool]:
    return lambda img: parse_rfc3339(img.created) < limit


def _created_after(limit: float) -> Callable[[Image], bool]:
    return lambda img: parse_rfc3339(img.created) > limit


def apply(images: list[Image], filters: Filters,
          resolve: Callable[[str], Image]) -> list[Image]:
    unknown = set(filters) - KEYS
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")
    checks: list[Callable[[Image], bool]] = []
    if filters.get("dangling"):
        dangling = _bool("dangling", filters["dangling"])
        checks.append(lambda img: (not img.repo_tags) == dangling)
    checks += [_has_label(spec) for spec in filters.get("label", [])]
    checks += [_created_before(parse_rfc3339(resolve(name).created))
               for name in filters.get("before", [])]
    checks += [_created_after(parse_rfc3339(resolve(name).created))
               for name in filters.get("since", [])]
    checks += [_created_before(timestamp(text)) for text in filters.get("until", [])]
    out = [img for img in images if all(check(img) for check in checks)]
    patterns = [go_glob(p) for p in filters.get("reference", [])]
    if patterns:
        out = [m for m in (_matching(img, patterns) for img in out) if m is not None]
    return out


def _matching(img: Image, patterns: list[re.Pattern[str]]) -> Image | None:
    def keep(ref: str) -> bool:
        name = ref.partition("@")[0].rpartition(":")[0] if "@" not in ref else (
            ref.partition("@")[0])
        return any(p.fullmatch(ref) or p.fullmatch(name) for p in patterns)
    tags = [t for t in img.repo_tags if keep(t)]
    digests = [d for d in img.repo_digests if keep(d)]
    if not tags and not digests:
        return None
    return dataclasses.replace(img, repo_tags=tags, repo_digests=digests)
