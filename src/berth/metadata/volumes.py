"""Volume rows (schema in ``berth.metadata.db``): a volume's name, driver, labels and
driver options, whether it was made anonymous, and when. The data itself lives under
``Paths.volume_data``; the row is what makes it a volume."""

import json
from dataclasses import dataclass, field
from sqlite3 import Row

from berth.metadata.db import Database

_COLUMNS = "name, driver, labels, options, anonymous, created"


@dataclass(frozen=True, slots=True)
class VolumeRow:
    name: str
    driver: str
    created: str
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    anonymous: bool = False


class VolumeTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, row: VolumeRow) -> tuple[VolumeRow, bool]:
        """Store ``row`` unless a volume of that name exists: the one stored either way,
        and whether it is ``row``."""
        with self._db.transaction() as cur:
            inserted = cur.execute(
                f"INSERT OR IGNORE INTO volumes({_COLUMNS}) VALUES(?, ?, ?, ?, ?, ?)",
                (row.name, row.driver, json.dumps(row.labels), json.dumps(row.options),
                 int(row.anonymous), row.created)).rowcount > 0
            stored = cur.execute(f"SELECT {_COLUMNS} FROM volumes WHERE name=?",
                                 (row.name,)).fetchone()
        return _row(stored), inserted

    def get(self, name: str) -> VolumeRow | None:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM volumes WHERE name=?", (name,))
        return _row(rows[0]) if rows else None

    def all(self) -> list[VolumeRow]:
        return [_row(r) for r in self._db.query(
            f"SELECT {_COLUMNS} FROM volumes ORDER BY created, rowid")]

    def delete(self, name: str) -> bool:
        with self._db.transaction() as cur:
            return cur.execute("DELETE FROM volumes WHERE name=?", (name,)).rowcount > 0


def _row(r: Row) -> VolumeRow:
    return VolumeRow(name=str(r[0]), driver=str(r[1]), labels=json.loads(str(r[2])),
                     options=json.loads(str(r[3])), anonymous=bool(r[4]), created=str(r[5]))
