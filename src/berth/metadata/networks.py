"""Network rows (schema in ``berth.metadata.db``): a network's id, unique name and
its record (driver, IPAM, options, labels as JSON). Devices and filter rules are
the network driver's; the row is what makes the network exist across restarts."""

import json
from dataclasses import dataclass
from sqlite3 import IntegrityError, Row
from typing import Any

from berth.metadata.db import Database


@dataclass(frozen=True, slots=True)
class NetworkRow:
    id: str
    name: str
    created: str
    record: dict[str, Any]


class NetworkTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, row: NetworkRow) -> bool:
        """Store ``row``; False when a network of that name (or id) exists."""
        try:
            with self._db.transaction() as cur:
                cur.execute("INSERT INTO networks(id, name, record, created) VALUES(?, ?, ?, ?)",
                            (row.id, row.name, json.dumps(row.record), row.created))
        except IntegrityError:
            return False
        return True

    def update(self, row: NetworkRow) -> None:
        with self._db.transaction() as cur:
            cur.execute("UPDATE networks SET record=? WHERE id=?",
                        (json.dumps(row.record), row.id))

    def all(self) -> list[NetworkRow]:
        return [_row(r) for r in self._db.query(
            "SELECT id, name, record, created FROM networks ORDER BY created, rowid")]

    def delete(self, id_: str) -> bool:
        with self._db.transaction() as cur:
            return cur.execute("DELETE FROM networks WHERE id=?", (id_,)).rowcount > 0


def _row(r: Row) -> NetworkRow:
    return NetworkRow(id=str(r[0]), name=str(r[1]), record=json.loads(str(r[2])),
                      created=str(r[3]))
