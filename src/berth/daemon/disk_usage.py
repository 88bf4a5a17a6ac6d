"""``GET /system/df``: the disk used by images, containers, volumes and build cache.

Sizes are what is on disk: an image's ``Size`` is the sum of its unpacked
layers, ``SharedSize`` the part of it that other images use too, and
``LayersSize`` every unpacked layer once. A container's ``SizeRw`` is its
writable layer; ``SizeRootFs`` adds its image. Volumes are the volume service's
(the Engine adds them); the build cache is the builder's (``berth.daemon.build``).
"""

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from berth.daemon.container import Container
from berth.images.service import Image, ImageService
from berth.snapshots.overlay import chain_ids
from berth.util.disk import tree_size
from berth.util.timefmt import parse_rfc3339

TYPES = ("container", "image", "volume", "build-cache")


def disk_usage(images: ImageService, containers: list[Container], containers_dir: Path,
               types: set[str] | None = None,
               build_cache: Callable[[], list[dict[str, Any]]] = list) -> dict[str, Any]:
    types = set(types or TYPES)
    listed = images.list()
    chains = {img.id: chain_ids(img.diff_ids) for img in listed}
    users = Counter(chain for chain_list in chains.values() for chain in set(chain_list))
    layer_size = {c: images.snapshots.usage(c) if images.snapshots.exists(c) else 0
                  for c in users}
    image_size = {img.id: sum(layer_size[c] for c in set(chains[img.id])) for img in listed}
    out: dict[str, Any] = {}
    if "image" in types:
        used_by = Counter(c.image_id for c in containers)
        out["LayersSize"] = sum(layer_size.values())
        out["Images"] = [
            _image(img, image_size[img.id],
                   sum(layer_size[c] for c in set(chains[img.id]) if users[c] > 1),
                   used_by[img.id])
            for img in sorted(listed, key=lambda i: i.created, reverse=True)]
    if "container" in types:
        now = time.time()
        out["Containers"] = []
        for c in containers:
            rw = tree_size(containers_dir / c.id / "upper")
            summary = c.summary(now)
            summary["SizeRw"] = rw
            summary["SizeRootFs"] = rw + image_size.get(c.image_id, 0)
            out["Containers"].append(summary)
    if "build-cache" in types:
        out["BuildCache"] = build_cache()
    return out


def _image(img: Image, size: int, shared: int, containers: int) -> dict[str, Any]:
    return {
        "Id": img.id, "ParentId": "", "RepoTags": list(img.repo_tags),
        "RepoDigests": list(img.repo_digests), "Created": int(parse_rfc3339(img.created)),
        "Size": size, "SharedSize": shared, "VirtualSize": size,
        "Labels": (img.config.get("config") or {}).get("Labels") or {},
        "Containers": containers,
    }
