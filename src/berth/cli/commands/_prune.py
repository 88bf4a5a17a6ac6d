"""What the ``prune`` commands share: their ``--filter`` flags as the API's map, and
docker's report of what went."""

from __future__ import annotations

from berth.cli.format import human_size


def filters_of(specs: list[str]) -> dict[str, list[str]]:
    """``key=value`` flags as the API's filters (a key given twice holds both values)."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        key, _, value = spec.partition("=")
        out.setdefault(key, []).append(value)
    return out


def report(title: str, deleted: list[str], reclaimed: int) -> None:
    """``Deleted Containers:`` and each id, then ``Total reclaimed space: 1.2MB``."""
    if deleted:
        print(f"{title}:")
        for line in deleted:
            print(line)
        print()
    print(f"Total reclaimed space: {human_size(reclaimed)}")
