"""Container rows: the record is the container's JSON, kept whole.

The daemon owns the record's shape (``berth.daemon.container``); here it is an
opaque JSON text plus the columns the database must index or keep unique.
"""

from berth.errors import AlreadyExists
from berth.metadata.db import Database


class ContainerTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, cid: str, name: str, image_id: str, image_ref: str, record: str,
               created: str) -> None:
        with self._db.transaction() as cur:
            row = cur.execute("SELECT id FROM containers WHERE name=?", (name,)).fetchone()
            if row is not None:
                raise AlreadyExists(
                    f'Conflict. The container name "/{name}" is already in use by container '
                    f'"{row[0]}". You have to remove (or rename) that container to be able '
                    "to reuse that name."
                )
            cur.execute(
                "INSERT INTO containers(id, name, image_id, image_ref, record, created) "
                "VALUES(?, ?, ?, ?, ?, ?)",
                (cid, name, image_id, image_ref, record, created),
            )

    def rename(self, cid: str, name: str, record: str) -> None:
        with self._db.transaction() as cur:
            row = cur.execute("SELECT id FROM containers WHERE name=?", (name,)).fetchone()
            if row is not None and row[0] != cid:
                raise AlreadyExists(
                    f'Error when allocating new name: Conflict. The container name "/{name}" is '
                    f'already in use by container "{row[0]}". You have to remove (or rename) '
                    "that container to be able to reuse that name.")
            cur.execute("UPDATE containers SET name=?, record=? WHERE id=?", (name, record, cid))

    def update(self, cid: str, record: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("UPDATE containers SET record=? WHERE id=?", (record, cid))

    def delete(self, cid: str) -> None:
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM containers WHERE id=?", (cid,))

    def all(self) -> list[str]:
        """Every record, oldest first."""
        return [row[0] for row in self._db.query(
            "SELECT record FROM containers ORDER BY created, rowid")]

    def image_in_use(self, image_id: str) -> list[str]:
        return [row[0] for row in self._db.query(
            "SELECT id FROM containers WHERE image_id=?", (image_id,))]
