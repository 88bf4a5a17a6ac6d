"""The image service: import, list, resolve, and the mounts of a container's root."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from berth.content.store import LocalContentStore
from berth.diff.apply import apply_layer
from berth.errors import InvalidArgument, NotFound
from berth.images.changes import apply_changes
from berth.images.layers import HashingReader, open_uncompressed
from berth.metadata.db import Database
from berth.metadata.images import ImageRow, ImageTable
from berth.oci import mediatypes, reference
from berth.paths import Paths
from berth.snapshots.overlay import OverlaySnapshots, chain_ids
from berth.util.timefmt import now_rfc3339


@dataclass(frozen=True, slots=True)
class Image:
    id: str
    config: dict[str, Any]
    repo_tags: list[str] = field(default_factory=list)
    repo_digests: list[str] = field(default_factory=list)
    size: int = 0
    created: str = ""
    manifest_digest: str = ""

    @property
    def diff_ids(self) -> list[str]:
        return list((self.config.get("rootfs") or {}).get("diff_ids", []))


class ImageService:
    def __init__(self, paths: Paths, db: Database) -> None:
        self.content = LocalContentStore(paths.content)
        self.snapshots = OverlaySnapshots(paths.snapshots)
        self.snapshots.clean_temps()
        self._table = ImageTable(db)
        self._lock = threading.Lock()

    # -- import -----------------------------------------------------------

    def import_tar(self, stream: IO[bytes], ref: str | None, changes: list[str],
                   message: str) -> str:
        """docker import: the tar becomes one layer; nothing is stored when it is not a tar."""
        tag = str(reference.parse(ref)) if ref else None
        config_fields = apply_changes({}, changes)
        with self.content.writer() as blob:
            while chunk := stream.read(1 << 20):
                blob.write(chunk)
            with blob.path.open("rb") as f:
                raw, compression = open_uncompressed(f)
                reader = HashingReader(raw)
                tmp = self.snapshots.prepare_temp()
                try:
                    apply_layer(reader, tmp / "fs")
                    reader.drain()
                except BaseException:
                    self.snapshots.discard(tmp)
                    raise
            diff_id = reader.digest
            self.snapshots.commit(tmp, diff_id)
            layer_size = blob.size
            layer_digest = blob.commit()
        created = now_rfc3339()
        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": created,
            "config": config_fields,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": created, "created_by": "",
                         "comment": message or "Imported from -"}],
        }
        layer_type = {"gzip": mediatypes.OCI_LAYER_GZIP,
                      "zstd": mediatypes.OCI_LAYER_ZSTD}.get(compression, mediatypes.OCI_LAYER)
        return self._store(config, [(layer_type, layer_digest, layer_size)], reader.size, tag)

    def _store(self, config: dict[str, Any], layers: list[tuple[str, str, int]], size: int,
               tag: str | None) -> str:
        config_raw = json.dumps(config, separators=(",", ":")).encode()
        config_digest = self.content.put(config_raw)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mediatypes.OCI_MANIFEST,
            "config": {"mediaType": mediatypes.OCI_CONFIG, "digest": config_digest,
                       "size": len(config_raw)},
            "layers": [{"mediaType": t, "digest": d, "size": s} for t, d, s in layers],
        }
        manifest_digest = self.content.put(json.dumps(manifest, separators=(",", ":")).encode())
        row = ImageRow(id=config_digest, manifest_digest=manifest_digest,
                       manifest_media_type=mediatypes.OCI_MANIFEST, config=config_raw, size=size,
                       created=config.get("created") or now_rfc3339())
        with self._lock:
            self._table.add(row, tag)
        return config_digest

    # -- lookup -----------------------------------------------------------

    def resolve(self, name: str) -> Image:
        image_id = self._find(name)
        row = self._table.get(image_id) if image_id else None
        if row is None:
            raise NotFound(f"No such image: {_familiar(name)}")
        return self._image(row, self._table.tags().get(row.id, []))

    def _find(self, name: str) -> str | None:
        if not name:
            return None
        if name.startswith("sha256:"):
            matches = self._table.by_prefix(name) if len(name) > 7 else []
            return matches[0] if len(matches) == 1 else None
        try:
            ref = reference.parse(name)
        except InvalidArgument:
            ref = None
        if ref is not None:
            target = self._table.tag_target(str(ref))
            if target:
                return target
        if all(c in "0123456789abcdef" for c in name):
            matches = self._table.by_prefix("sha256:" + name)
            if len(matches) == 1:
                return matches[0]
        return None

    def list(self) -> list[Image]:
        tags = self._table.tags()
        return [self._image(row, tags.get(row.id, [])) for row in self._table.all()]

    def _image(self, row: ImageRow, tags: list[str]) -> Image:
        return Image(
            id=row.id, config=json.loads(row.config),
            repo_tags=sorted(reference.parse(t).familiar() for t in tags),
            size=row.size, created=row.created, manifest_digest=row.manifest_digest,
        )

    # -- containers -------------------------------------------------------

    def rootfs_mounts(self, image: Image, upper: Path, work: Path) -> list[dict[str, Any]]:
        chain = chain_ids(image.diff_ids)
        missing = [c for c in chain if not self.snapshots.exists(c)]
        if missing:
            raise NotFound(f"layers of image {image.id} are missing: {missing[0]}")
        return self.snapshots.mounts(chain, upper, work)


def _familiar(name: str) -> str:
    try:
        return reference.parse(name).familiar()
    except InvalidArgument:
        return name
