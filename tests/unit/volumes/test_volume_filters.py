"""``volume ls`` and ``volume prune`` filters."""

import pytest

from berth.errors import InvalidArgument
from berth.metadata.volumes import VolumeRow
from berth.volumes import filters
from berth.volumes.store import ANONYMOUS_LABEL, Volume


def vol(name: str, labels: dict[str, str] | None = None, anonymous: bool = False) -> Volume:
    return Volume(VolumeRow(name, "local", "2026-01-01T00:00:00Z", labels or {}, {},
                            anonymous), f"/v/{name}/_data")


VOLUMES = [vol("web-data", {"env": "prod"}), vol("cache", {"env": "dev", "tmp": ""}),
           vol("a" * 64, anonymous=True), vol("b" * 64, {ANONYMOUS_LABEL: ""})]


def listed(wanted: dict[str, list[str]], used: set[str] = frozenset()) -> list[str]:
    keep = filters.list_matcher(wanted, lambda name: name in used)
    return [v.name for v in VOLUMES if keep(v)]


def test_list_filters() -> None:
    assert listed({}) == [v.name for v in VOLUMES]
    assert listed({"name": ["dat", "cac"]}) == ["web-data", "cache"]
    assert listed({"label": ["env=prod"]}) == ["web-data"]
    assert listed({"label": ["env", "tmp"]}) == ["cache"]
    assert listed({"driver": ["local"]}) == listed({})
    assert listed({"driver": ["loc"]}) == []
    assert listed({"dangling": ["true"]}, {"cache"}) == ["web-data", "a" * 64, "b" * 64]
    assert listed({"dangling": ["0"]}, {"cache"}) == ["cache"]


@pytest.mark.parametrize("wanted,message", [
    ({"foo": ["1"]}, "invalid filter 'foo'"),
    ({"dangling": ["maybe"]}, "invalid filter 'dangling=maybe'"),
    ({"until": ["1h"]}, "invalid filter 'until'"),
])
def test_bad_list_filters(wanted: dict[str, list[str]], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        filters.list_matcher(wanted, lambda name: False)


def pruned(wanted: dict[str, list[str]], version: tuple[int, ...] = (1, 44)) -> list[str]:
    prune = filters.prune_matcher(wanted, version)
    return [v.name for v in VOLUMES if prune(v)]


def test_prune_takes_anonymous_volumes_only_unless_all() -> None:
    assert pruned({}) == ["a" * 64, "b" * 64]  # by the flag or by dockerd 23+'s label
    assert pruned({"all": ["true"]}) == [v.name for v in VOLUMES]
    assert pruned({"all": ["false"]}) == ["a" * 64, "b" * 64]
    assert pruned({}, (1, 41)) == [v.name for v in VOLUMES]  # dockerd 20.10's prune
    assert pruned({"all": ["1"], "label": ["env"]}) == ["web-data", "cache"]
    assert pruned({"all": ["1"], "label!": ["env=dev"]}) == ["web-data", "a" * 64, "b" * 64]
    with pytest.raises(InvalidArgument, match="invalid filter 'all=maybe'"):
        filters.prune_matcher({"all": ["maybe"]}, (1, 44))
    with pytest.raises(InvalidArgument, match="invalid filter 'dangling'"):
        filters.prune_matcher({"dangling": ["true"]}, (1, 44))
