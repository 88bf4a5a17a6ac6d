"""Image and tag rows (schema in ``berth.metadata.db``).

``tags.ref`` is a normalized reference (``docker.io/library/busybox:latest``,
or ``...@sha256:`` for a digest reference); ``images.id`` the config digest.
Every change is one transaction.
"""

from dataclasses import dataclass
from sqlite3 import Row

from berth.metadata.db import Database

_COLUMNS = "id, manifest_digest, manifest_media_type, config, size, created"


@dataclass(frozen=True, slots=True)
class ImageRow:
    id: str
    manifest_digest: str
    manifest_media_type: str
    config: bytes
    size: int
    created: str


class ImageTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, row: ImageRow, tags: list[str]) -> dict[str, str]:
        """Insert the image (if new) and point the tags at it; returns {tag: old image}
        for the tags that pointed at another image."""
        displaced: dict[str, str] = {}
        with self._db.transaction() as cur:
            cur.execute(
                f"INSERT OR IGNORE INTO images({_COLUMNS}) VALUES(?, ?, ?, ?, ?, ?)",
                (row.id, row.manifest_digest, row.manifest_media_type, row.config, row.size,
                 row.created),
            )
            for tag in tags:
                old = cur.execute("SELECT image_id FROM tags WHERE ref=?", (tag,)).fetchone()
                cur.execute("INSERT OR REPLACE INTO tags(ref, image_id) VALUES(?, ?)",
                            (tag, row.id))
                if old is not None and old[0] != row.id:
                    displaced[tag] = str(old[0])
        return displaced

    def set_tag(self, ref: str, image_id: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO tags(ref, image_id) VALUES(?, ?)", (ref, image_id))

    def remove_tag(self, ref: str) -> bool:
        with self._db.transaction() as cur:
            return cur.execute("DELETE FROM tags WHERE ref=?", (ref,)).rowcount > 0

    def delete(self, image_id: str) -> bool:
        """Remove the image and every reference to it; False when there was none."""
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM tags WHERE image_id=?", (image_id,))
            return cur.execute("DELETE FROM images WHERE id=?", (image_id,)).rowcount > 0

    def get(self, image_id: str) -> ImageRow | None:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM images WHERE id=?", (image_id,))
        return _row(rows[0]) if rows else None

    def by_prefix(self, prefix: str) -> list[str]:
        """Ids starting with ``prefix`` (compared exactly: LIKE ignores case)."""
        return [str(r[0]) for r in self._db.query(
            "SELECT id FROM images WHERE substr(id, 1, ?) = ?", (len(prefix), prefix))]

    def tag_target(self, ref: str) -> str | None:
        rows = self._db.query("SELECT image_id FROM tags WHERE ref=?", (ref,))
        return str(rows[0][0]) if rows else None

    def tags_of(self, image_id: str) -> list[str]:
        return [str(r[0]) for r in self._db.query(
            "SELECT ref FROM tags WHERE image_id=? ORDER BY ref", (image_id,))]

    def all(self) -> list[ImageRow]:
        return [_row(r) for r in self._db.query(f"SELECT {_COLUMNS} FROM images")]

    def tags(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ref, image_id in self._db.query("SELECT ref, image_id FROM tags ORDER BY ref"):
            out.setdefault(str(image_id), []).append(str(ref))
        return out


def _row(r: Row) -> ImageRow:
    config = r[3]
    return ImageRow(str(r[0]), str(r[1] or ""), str(r[2] or ""),
                    config if isinstance(config, bytes) else str(config).encode(),
                    int(str(r[4])), str(r[5]))
