"""The SQLite database: one connection, one schema, one version.

Schema (version 4)::

    meta(key TEXT PRIMARY KEY, value TEXT)           -- 'schema_version'
    images(id TEXT PRIMARY KEY,                       -- 'sha256:<hex>' of the config
           manifest_digest TEXT, manifest_media_type TEXT,
           config BLOB, size INTEGER, created TEXT)
    tags(ref TEXT PRIMARY KEY,              -- normalized: 'docker.io/library/busybox:latest'
         image_id TEXT NOT NULL REFERENCES images(id))
    containers(id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,
               image_id TEXT NOT NULL, image_ref TEXT NOT NULL,
               record TEXT NOT NULL,                  -- JSON of the container's config and state
               created TEXT NOT NULL)
    volumes(name TEXT PRIMARY KEY, driver TEXT NOT NULL,
            labels TEXT NOT NULL, options TEXT NOT NULL,   -- JSON objects
            anonymous INTEGER NOT NULL,           -- made for a container, without a name
            created TEXT NOT NULL)                -- version 2
    build_cache(key TEXT PRIMARY KEY,                -- a build step's key (berth.builder.cache)
                layer TEXT,                           -- its layer's descriptor (JSON) or NULL
                diff_id TEXT, chain_id TEXT,          -- of that layer, and of the stack it ends
                history TEXT NOT NULL,                -- the step's history entry (JSON)
                size INTEGER NOT NULL, created TEXT NOT NULL,
                last_used TEXT NOT NULL)              -- version 3
    build_mounts(id TEXT PRIMARY KEY,                -- a RUN --mount=type=cache directory
                 size INTEGER NOT NULL, created TEXT NOT NULL,
                 last_used TEXT NOT NULL)             -- version 3
    networks(id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,
             record TEXT NOT NULL,                  -- JSON: driver, IPAM, options, labels
             created TEXT NOT NULL)                 -- version 4

A database of an older version is brought up to date when it is opened, one
step of ``_MIGRATIONS`` after another, in the same transaction that reads the
version: a berthd killed meanwhile leaves it at the old version, whole.

Every change is one transaction (``with db.transaction() as cur``). The
connection is shared by the daemon's threads behind a lock: SQLite serializes
writers anyway, and one connection keeps WAL checkpoints simple.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 4

# Version 1's tables; later versions add to them through _MIGRATIONS.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images(
    id TEXT PRIMARY KEY,
    manifest_digest TEXT,
    manifest_media_type TEXT,
    config BLOB NOT NULL,
    size INTEGER NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tags(
    ref TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id)
);
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
CREATE TABLE IF NOT EXISTS containers(
    id TEXT PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    image_id TEXT NOT NULL,
    image_ref TEXT NOT NULL,
    record TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS containers_image ON containers(image_id);
"""

# _MIGRATIONS[n]: the statements that take a version n-1 database to version n.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("""CREATE TABLE volumes(
        name TEXT PRIMARY KEY,
        driver TEXT NOT NULL,
        labels TEXT NOT NULL,
        options TEXT NOT NULL,
        anonymous INTEGER NOT NULL,
        created TEXT NOT NULL
    )""",),
    3: ("""CREATE TABLE build_cache(
        key TEXT PRIMARY KEY,
        layer TEXT,
        diff_id TEXT,
        chain_id TEXT,
        history TEXT NOT NULL,
        size INTEGER NOT NULL,
        created TEXT NOT NULL,
        last_used TEXT NOT NULL
    )""", """CREATE TABLE build_mounts(
        id TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        created TEXT NOT NULL,
        last_used TEXT NOT NULL
    )"""),
    4: ("""CREATE TABLE networks(
        id TEXT PRIMARY KEY,
        name TEXT UNIQUE NOT NULL,
        record TEXT NOT NULL,
        created TEXT NOT NULL
    )""",),
}


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self.transaction() as cur:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            row = cur.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = 1 if row is None else int(row[0])  # a new database: version 1's tables
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"database {path} has schema version {version}, newer than "
                    f"{SCHEMA_VERSION}")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    cur.execute(statement)
            cur.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)",
                        (str(SCHEMA_VERSION),))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """One atomic change: committed when the block ends, rolled back on error."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            try:
                return list(cur.fetchall())
            finally:
                cur.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
