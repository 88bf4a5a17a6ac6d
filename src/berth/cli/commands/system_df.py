"""``berth system df``: TYPE, TOTAL, ACTIVE, SIZE, RECLAIMABLE (``-v``: every object)."""

from __future__ import annotations

import time

from berth.cli.commands.images import repo_tags
from berth.cli.format import ago, human_size, short_id, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE")


def _size(n: float) -> str:
    """go-units ``HumanSize``: four significant digits."""
    return human_size(n, 4)


def _with_percent(reclaimable: int, total: int) -> str:
    if total > 0:
        return f"{_size(reclaimable)} ({reclaimable * 100 // total}%)"
    return _size(reclaimable)


def _links(volume: dict[str, Any]) -> int:
    return int((volume.get("UsageData") or {}).get("RefCount") or 0)


def _volume_size(volume: dict[str, Any]) -> int:
    return max(int((volume.get("UsageData") or {}).get("Size") or 0), 0)  # -1: not known


def summary_rows(df: dict[str, Any]) -> list[tuple[str, ...]]:
    images = df.get("Images") or []
    total = int(df.get("LayersSize") or 0)
    used = sum(int(i.get("Size") or 0) - int(i.get("SharedSize") or 0)
               for i in images if i.get("Containers") and int(i.get("SharedSize", 0)) >= 0)
    containers = df.get("Containers") or []
    rw = sum(int(c.get("SizeRw") or 0) for c in containers)
    idle = sum(int(c.get("SizeRw") or 0) for c in containers if c.get("State") != "running")
    volumes = df.get("Volumes") or []
    volume_size = sum(_volume_size(v) for v in volumes)
    idle_volumes = sum(_volume_size(v) for v in volumes if not _links(v))
    return [
        ("Images", str(len(images)), str(sum(1 for i in images if i.get("Containers"))),
         _size(total), _with_percent(total - used, total)),
        ("Containers", str(len(containers)),
         str(sum(1 for c in containers if c.get("State") == "running")), _size(rw),
         _with_percent(idle, rw)),
        ("Local Volumes", str(len(volumes)), str(sum(1 for v in volumes if _links(v))),
         _size(volume_size), _with_percent(idle_volumes, volume_size)),
        _build_cache_row(df),
    ]


def _build_cache_row(df: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """As the docker CLI sums it (not from the daemon's deprecated BuilderSize): shared
    records are left out, and what is in use is not reclaimable."""
    records = df.get("BuildCache") or []
    size = sum(int(r.get("Size") or 0) for r in records if not r.get("Shared"))
    in_use = sum(int(r.get("Size") or 0) for r in records
                 if r.get("InUse") and not r.get("Shared"))
    return ("Build Cache", str(len(records)), str(sum(1 for r in records if r.get("InUse"))),
            _size(size), _size(size - in_use))


def verbose(df: dict[str, Any]) -> str:
    now = time.time()
    image_rows = []
    for image in df.get("Images") or []:
        size, shared = int(image.get("Size") or 0), int(image.get("SharedSize") or 0)
        for repo, tag in repo_tags(image):
            image_rows.append((repo, tag, short_id(image.get("Id", "")),
                               ago(int(image.get("Created") or 0), now), _size(size),
                               _size(shared), _size(size - shared),
                               str(image.get("Containers") or 0)))
    container_rows = []
    for c in df.get("Containers") or []:
        names = ",".join(n.lstrip("/") for n in c.get("Names") or [])
        container_rows.append((short_id(c.get("Id", "")), c.get("Image", ""),
                               '"' + str(c.get("Command", ""))[:19] + '"',
                               str(sum(1 for m in c.get("Mounts") or []
                                       if m.get("Type") == "volume")),
                               _size(int(c.get("SizeRw") or 0)),
                               ago(int(c.get("Created") or 0), now), c.get("Status", ""),
                               names))
    return ("Images space usage:\n\n"
            + table(("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE",
                     "UNIQUE SIZE", "CONTAINERS"), image_rows)
            + "\nContainers space usage:\n\n"
            + table(("CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED",
                     "STATUS", "NAMES"), container_rows)
            + "\nLocal Volumes space usage:\n\n"
            + table(("VOLUME NAME", "LINKS", "SIZE"),
                    [(v.get("Name", ""), str(_links(v)), _size(_volume_size(v)))
                     for v in df.get("Volumes") or []])
            + "\nBuild cache usage: 0B\n\n"
            + table(("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE",
                     "SHARED"), []))


def run(args: argparse.Namespace, client: Client) -> int:
    if args.format and not args.verbose:
        from berth.cli.commands import _format

        return _format.system_df(args, client, lambda: run(args, client))
    df = client.system.df()
    print(verbose(df) if args.verbose else table(HEADER, summary_rows(df)), end="")
    return 0
