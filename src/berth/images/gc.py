"""Mark and sweep: what no image references is freed.

The roots are the image rows, and the layers the build cache holds
(``berth.metadata.build_cache``). Each marks its manifest, the manifest's config
and layers (blobs), the chain ids of its layers (snapshots), and the blobs its
plain layers were pushed as (``berth.images.compress``, by diff_id). Everything
else in the content store and the snapshotter is garbage: left by a removed
image, or by a load or commit that died before its image row was written.
Containers need no roots of their own: an image a container uses is never
removed (``berth.daemon.image_delete``), so its blobs and snapshots are marked.

The caller holds the image service's GC lock exclusively, so no writer is
between its first blob and its image row while the sweep runs.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from berth.content.store import LocalContentStore
from berth.errors import FailedPrecondition, InvalidArgument, NotFound
from berth.metadata.images import ImageRow
from berth.oci.image import Manifest, loads
from berth.snapshots.overlay import OverlaySnapshotter, chain_ids


@dataclass(frozen=True, slots=True)
class Swept:
    blobs: tuple[str, ...]  # digests removed
    snapshots: tuple[str, ...]  # chain ids removed
    reclaimed: int  # bytes: blob sizes plus the snapshots' file sizes


@dataclass(frozen=True, slots=True)
class Marked:
    blobs: frozenset[str]
    snapshots: frozenset[str]


def mark(rows: Iterable[ImageRow], content: LocalContentStore,
         extra: tuple[set[str], set[str]] = (set(), set())) -> Marked:
    """What the rows reach, plus ``extra``: (blobs, chain ids) held by others."""
    blobs: set[str] = set(extra[0])
    snapshots: set[str] = set(extra[1])
    for row in rows:
        config = loads(row.config, "image config")
        diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
        snapshots.update(chain_ids(diff_ids))
        blobs.add(row.id)
        if not row.manifest_digest:
            continue
        blobs.add(row.manifest_digest)
        try:
            manifest = Manifest.parse(content.read(row.manifest_digest))
        except (NotFound, FailedPrecondition, InvalidArgument):
            continue  # nothing of it can be marked; its layers stay marked by chain id
        blobs.add(manifest.config.digest)
        blobs.update(layer.digest for layer in manifest.layers)
    return Marked(frozenset(blobs), frozenset(snapshots))


def diff_ids(rows: Iterable[ImageRow]) -> set[str]:
    """Every layer's diff_id of these images (their compressed blobs are kept too:
    ``berth.images.compress``)."""
    out: set[str] = set()
    for row in rows:
        config = loads(row.config, "image config")
        out.update(str(d) for d in (config.get("rootfs") or {}).get("diff_ids") or [])
    return out


def sweep(marked: Marked, content: LocalContentStore,
          snapshots: OverlaySnapshotter) -> Swept:
    freed_blobs: list[str] = []
    reclaimed = 0
    for info in list(content.walk()):
        if info.digest not in marked.blobs:
            try:
                content.delete(info.digest)
            except NotFound:
                continue
            freed_blobs.append(info.digest)
            reclaimed += info.size
    freed_snapshots: list[str] = []
    for chain_id in sorted(set(snapshots.walk()) - marked.snapshots):
        size = snapshots.usage(chain_id)
        try:
            snapshots.remove(chain_id)
        except NotFound:
            continue
        freed_snapshots.append(chain_id)
        reclaimed += size
    return Swept(tuple(freed_blobs), tuple(freed_snapshots), reclaimed)
