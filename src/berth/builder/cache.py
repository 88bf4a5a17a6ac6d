"""The build cache: what a step made, found again by its key or in a ``--cache-from`` image.

A step's key chains its parent's key with what the step does (its history
text, the args that reach it, for COPY/ADD the digest of the files it copies:
``berth.builder.state.chain_key``), so a hit on step *n* means every step before
it was a hit too, and a miss invalidates all that follows. A hit restores the
step's layer (its blob and snapshot are still there: cache rows are garbage
collection roots) and its history entry, creation time included, so a fully
cached rebuild makes the very same image id, as docker's does.

A ``--cache-from`` image seeds the cache the way dockerd's legacy builder uses
it: a step hits when the stage so far is a prefix of the image (the same layers,
the same history) and the image's next history entry was made by the same
instruction; the hit takes that entry's layer. The hit is then stored under the
step's key like any other.
"""

import json
from dataclasses import dataclass

from berth.builder.backend import JSON, BaseImage, Layer
from berth.metadata.build_cache import BuildCacheTable, CacheRow
from berth.oci.image import Descriptor
from berth.util.timefmt import now_rfc3339


@dataclass(frozen=True, slots=True)
class Hit:
    layer: Layer | None
    history: JSON


class Cache:
    def __init__(self, table: BuildCacheTable, cache_from: list[BaseImage]) -> None:
        self._table = table
        self._from = cache_from

    def lookup(self, key: str) -> Hit | None:
        row = self._table.get(key)
        if row is None:
            return None
        self._table.touch(key, now_rfc3339())
        layer = None
        if row.layer and row.diff_id:
            layer = Layer(Descriptor.from_json(json.loads(row.layer)), row.diff_id)
        return Hit(layer, json.loads(row.history))

    def save(self, key: str, layer: Layer | None, chain_id: str | None, history: JSON,
             size: int) -> None:
        now = now_rfc3339()
        self._table.put(CacheRow(
            key=key, layer=json.dumps(layer.descriptor.to_json()) if layer else None,
            diff_id=layer.diff_id if layer else None, chain_id=chain_id,
            history=json.dumps(history), size=size, created=now, last_used=now))

    def from_images(self, layers: list[Layer], history: list[JSON],
                    created_by: str) -> Hit | None:
        """The step's result in a ``--cache-from`` image, when one holds it."""
        diff_ids = [layer.diff_id for layer in layers]
        for image in self._from:
            their_history = [h for h in image.config.get("history") or [] if isinstance(h, dict)]
            their_layers = list(image.layers)
            n = len(history)
            if len(their_history) <= n or [_made(h) for h in their_history[:n]] != \
                    [_made(h) for h in history]:
                continue
            if [x.diff_id for x in their_layers[:len(layers)]] != diff_ids:
                continue
            nxt = their_history[n]
            if str(nxt.get("created_by") or "") != created_by:
                continue
            if nxt.get("empty_layer"):
                return Hit(None, dict(nxt))
            if len(their_layers) <= len(layers):
                continue
            return Hit(their_layers[len(layers)], dict(nxt))
        return None


def _made(h: JSON) -> tuple[str, bool]:
    return str(h.get("created_by") or ""), bool(h.get("empty_layer"))
