"""Volume rows, and a version 1 database brought up to date."""

import sqlite3
from pathlib import Path

import pytest

from berth.metadata.db import SCHEMA_VERSION, Database
from berth.metadata.volumes import VolumeRow, VolumeTable


def test_insert_keeps_the_first_and_says_so(tmp_path: Path) -> None:
    table = VolumeTable(Database(tmp_path / "b.db"))
    first = VolumeRow("data", "local", "2026-01-01T00:00:00Z", {"a": "b"}, {"type": "tmpfs"})
    assert table.insert(first) == (first, True)
    again = VolumeRow("data", "local", "2027-01-01T00:00:00Z")
    assert table.insert(again) == (first, False)
    anon = VolumeRow("f" * 64, "local", "2026-01-02T00:00:00Z", anonymous=True)
    table.insert(anon)
    assert table.get("data") == first and table.get("nope") is None
    assert table.all() == [first, anon]
    assert table.delete("data") and not table.delete("data")
    assert table.all() == [anon]


def test_a_version_1_database_is_migrated_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES('schema_version', '1');
        CREATE TABLE containers(id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,
            image_id TEXT NOT NULL, image_ref TEXT NOT NULL, record TEXT NOT NULL,
            created TEXT NOT NULL);
        INSERT INTO containers VALUES('c1', 'web', 'sha256:x', 'busybox', '{}', '2026');
    """)
    conn.commit()
    conn.close()
    db = Database(path)
    assert db.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(
        SCHEMA_VERSION) == "4"
    assert db.query("SELECT name FROM containers")[0][0] == "web"
    VolumeTable(db).insert(VolumeRow("data", "local", "2026"))
    db.close()
    assert VolumeTable(Database(path)).get("data") is not None  # opened again: as it was


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    Database(tmp_path / "b.db").close()
    conn = sqlite3.connect(tmp_path / "b.db")
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer than"):
        Database(tmp_path / "b.db")
