"""Image and tag rows (schema in ``berth.metadata.db``)."""

from dataclasses import dataclass

from berth.metadata.db import Database


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

    def add(self, row: ImageRow, tag: str | None) -> str | None:
        """Insert the image (if new) and point the tag at it; returns the tag's old image."""
        with self._db.transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO images(id, manifest_digest, manifest_media_type, config, "
                "size, created) VALUES(?, ?, ?, ?, ?, ?)",
                (row.id, row.manifest_digest, row.manifest_media_type, row.config, row.size,
                 row.created),
            )
            if tag is None:
                return None
            old = cur.execute("SELECT image_id FROM tags WHERE ref=?", (tag,)).fetchone()
            cur.execute("INSERT OR REPLACE INTO tags(ref, image_id) VALUES(?, ?)", (tag, row.id))
            return None if old is None or old[0] == row.id else str(old[0])

    def get(self, image_id: str) -> ImageRow | None:
        rows = self._db.query(
            "SELECT id, manifest_digest, manifest_media_type, config, size, created "
            "FROM images WHERE id=?", (image_id,))
        return _row(rows[0]) if rows else None

    def by_prefix(self, prefix: str) -> list[str]:
        escaped = prefix.replace("%", "").replace("_", "")
        return [r[0] for r in self._db.query(
            "SELECT id FROM images WHERE id LIKE ?", (escaped + "%",))]

    def tag_target(self, ref: str) -> str | None:
        rows = self._db.query("SELECT image_id FROM tags WHERE ref=?", (ref,))
        return str(rows[0][0]) if rows else None

    def all(self) -> list[ImageRow]:
        return [_row(r) for r in self._db.query(
            "SELECT id, manifest_digest, manifest_media_type, config, size, created FROM images")]

    def tags(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ref, image_id in self._db.query("SELECT ref, image_id FROM tags ORDER BY ref"):
            out.setdefault(image_id, []).append(ref)
        return out


def _row(r: tuple[object, ...]) -> ImageRow:
    return ImageRow(str(r[0]), str(r[1] or ""), str(r[2] or ""), bytes(r[3]),  # type: ignore[arg-type]
                    int(r[4]), str(r[5]))  # type: ignore[call-overload]
