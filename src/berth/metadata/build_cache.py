"""Build cache rows (schema in ``berth.metadata.db``).

A row is what one build step made, under the step's cache key
(``berth.builder.cache``): its layer (a descriptor, its diff_id and the chain
id of the stack it tops) or none for a metadata-only step, and its history
entry. The rows are garbage-collection roots: the blobs and snapshots they
name stay until ``builder prune`` drops the rows. ``build_mounts`` lists the
``RUN --mount=type=cache`` directories, so ``system df`` can show them and
``builder prune`` can remove them.
"""

import json
from dataclasses import dataclass
from sqlite3 import Row

from berth.metadata.db import Database

_COLUMNS = "key, layer, diff_id, chain_id, history, size, created, last_used"


@dataclass(frozen=True, slots=True)
class CacheRow:
    key: str
    layer: str | None  # the descriptor's JSON
    diff_id: str | None
    chain_id: str | None
    history: str  # the history entry's JSON
    size: int
    created: str
    last_used: str


@dataclass(frozen=True, slots=True)
class MountRow:
    id: str
    size: int
    created: str
    last_used: str


class BuildCacheTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> CacheRow | None:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM build_cache WHERE key=?", (key,))
        return _row(rows[0]) if rows else None

    def put(self, row: CacheRow) -> None:
        with self._db.transaction() as cur:
            cur.execute(f"INSERT OR REPLACE INTO build_cache({_COLUMNS}) "
                        "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                        (row.key, row.layer, row.diff_id, row.chain_id, row.history, row.size,
                         row.created, row.last_used))

    def touch(self, key: str, when: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("UPDATE build_cache SET last_used=? WHERE key=?", (when, key))

    def all(self) -> list[CacheRow]:
        return [_row(r) for r in self._db.query(f"SELECT {_COLUMNS} FROM build_cache")]

    def delete(self, keys: list[str]) -> None:
        with self._db.transaction() as cur:
            cur.executemany("DELETE FROM build_cache WHERE key=?", [(k,) for k in keys])

    def roots(self) -> tuple[set[str], set[str]]:
        """(layer digests, chain ids) the cache holds: garbage collection keeps them."""
        blobs: set[str] = set()
        chains: set[str] = set()
        for row in self.all():
            if row.layer:
                blobs.add(str(json.loads(row.layer).get("digest")))
            if row.chain_id:
                chains.add(row.chain_id)
        return blobs, chains

    # -- RUN --mount=type=cache directories --------------------------------

    def mounts(self) -> list[MountRow]:
        return [MountRow(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in self._db.query(
            "SELECT id, size, created, last_used FROM build_mounts")]

    def put_mount(self, row: MountRow) -> None:
        with self._db.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO build_mounts(id, size, created, last_used) "
                        "VALUES(?, ?, ?, ?)", (row.id, row.size, row.created, row.last_used))

    def touch_mount(self, ident: str, when: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("UPDATE build_mounts SET last_used=? WHERE id=?", (when, ident))

    def delete_mounts(self, ids: list[str]) -> None:
        with self._db.transaction() as cur:
            cur.executemany("DELETE FROM build_mounts WHERE id=?", [(i,) for i in ids])


def _row(r: Row) -> CacheRow:
    return CacheRow(str(r[0]), None if r[1] is None else str(r[1]),
                    None if r[2] is None else str(r[2]), None if r[3] is None else str(r[3]),
                    str(r[4]), int(str(r[5])), str(r[6]), str(r[7]))
