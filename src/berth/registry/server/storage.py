"""What the registry keeps under its root ``DIR``::

    blobs/sha256/<hex>      every blob and manifest, once, shared by all repositories
                            (berth's content store: verified, fsynced, renamed)
    ingest/<sha256(ref)>/   uploads in progress, ref ``registry-upload-<uuid>``
    registry.db             SQLite (WAL): which repository has which blob, manifests,
                            tags, upload sessions (schema below)
    registry.lock           flock: held shared by a server, exclusively by gc

Schema (version 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)        -- 'schema_version'
    repositories(name TEXT PRIMARY KEY)
    blobs(repo, digest)                           -- a blob pushed or mounted into repo
    manifests(repo, digest, media_type, size, subject, artifact_type, annotations)
    manifest_refs(manifest, child)                -- config, layers, index children
    tags(repo, tag, digest)
    uploads(uuid PRIMARY KEY, repo, started)

A repository "has" a blob once it was pushed or mounted into it; a blob's
bytes live once in the content store whatever the number of repositories.
Every change is one transaction; a blob is linked only after the content store
committed it, and a manifest row only after its bytes are stored, so a crash
leaves no link to something missing (at worst an unreferenced blob that gc frees).
"""

import json
import sqlite3
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from berth.content.store import LocalContentStore

SCHEMA_VERSION = 1
UPLOAD_REF_PREFIX = "registry-upload-"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repositories(name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS blobs(repo TEXT NOT NULL, digest TEXT NOT NULL,
                                 PRIMARY KEY(repo, digest));
CREATE INDEX IF NOT EXISTS blobs_digest ON blobs(digest);
CREATE TABLE IF NOT EXISTS manifests(
    repo TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL,
    size INTEGER NOT NULL, subject TEXT, artifact_type TEXT NOT NULL,
    annotations TEXT NOT NULL, PRIMARY KEY(repo, digest));
CREATE INDEX IF NOT EXISTS manifests_subject ON manifests(repo, subject);
CREATE TABLE IF NOT EXISTS manifest_refs(manifest TEXT NOT NULL, child TEXT NOT NULL,
                                         PRIMARY KEY(manifest, child));
CREATE TABLE IF NOT EXISTS tags(repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,
                                PRIMARY KEY(repo, tag));
CREATE TABLE IF NOT EXISTS uploads(uuid TEXT PRIMARY KEY, repo TEXT NOT NULL,
                                   started REAL NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class StoredManifest:
    digest: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Referrer:
    digest: str
    media_type: str
    size: int
    artifact_type: str
    annotations: dict[str, str]


@dataclass(frozen=True, slots=True)
class NewManifest:
    """A parsed manifest about to be stored: what it references and says of itself."""

    digest: str
    media_type: str
    data: bytes
    refs: tuple[str, ...]
    subject: str | None
    artifact_type: str
    annotations: dict[str, str]


class Storage:
    """The registry's state under ``root`` (see the module docstring); thread-safe."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.content = LocalContentStore(root)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(root / "registry.db", check_same_thread=False,
                                   isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._tx() as cur:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            row = cur.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                cur.execute("INSERT INTO meta VALUES('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise RuntimeError(f"{root / 'registry.db'}: schema version {row[0]} is newer "
                                   f"than {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- blobs ---------------------------------------------------------------

    def blob_path(self, digest: str) -> Path:
        return self.content.path(digest)

    def blob_size(self, repo: str, digest: str) -> int | None:
        """The size of a blob ``repo`` has, or None."""
        if not self._query("SELECT 1 FROM blobs WHERE repo=? AND digest=?", (repo, digest)):
            return None
        try:
            return self.content.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def stored_size(self, digest: str) -> int | None:
        """The size of a blob in the store, whichever repository has it."""
        try:
            return self.content.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def link_blob(self, repo: str, digest: str) -> None:
        with self._tx() as cur:
            cur.execute("INSERT OR IGNORE INTO repositories VALUES(?)", (repo,))
            cur.execute("INSERT OR IGNORE INTO blobs VALUES(?, ?)", (repo, digest))

    def unlink_blob(self, repo: str, digest: str) -> bool:
        with self._tx() as cur:
            return cur.execute("DELETE FROM blobs WHERE repo=? AND digest=?",
                               (repo, digest)).rowcount > 0

    # -- uploads -------------------------------------------------------------

    def start_upload(self, repo: str) -> str:
        uuid = str(uuidlib.uuid4())
        with self._tx() as cur:
            cur.execute("INSERT INTO uploads VALUES(?, ?, ?)", (uuid, repo, time.time()))
        return uuid

    def upload_repo(self, uuid: str) -> str | None:
        rows = self._query("SELECT repo FROM uploads WHERE uuid=?", (uuid,))
        return str(rows[0][0]) if rows else None

    def end_upload(self, uuid: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM uploads WHERE uuid=?", (uuid,))

    def uploads(self) -> list[tuple[str, float]]:
        return [(str(u), float(s)) for u, s in  # type: ignore[arg-type]
                self._query("SELECT uuid, started FROM uploads")]

    # -- manifests and tags --------------------------------------------------

    def put_manifest(self, repo: str, m: NewManifest, tag: str | None) -> None:
        """Store the bytes, then record the manifest (and the tag) in one transaction."""
        self.content.put(m.data, m.digest)
        with self._tx() as cur:
            cur.execute("INSERT OR IGNORE INTO repositories VALUES(?)", (repo,))
            cur.execute("INSERT OR REPLACE INTO manifests VALUES(?, ?, ?, ?, ?, ?, ?)",
                        (repo, m.digest, m.media_type, len(m.data), m.subject,
                         m.artifact_type, json.dumps(m.annotations)))
            cur.executemany("INSERT OR IGNORE INTO manifest_refs VALUES(?, ?)",
                            [(m.digest, child) for child in m.refs])
            if tag is not None:
                cur.execute("INSERT OR REPLACE INTO tags VALUES(?, ?, ?)", (repo, tag, m.digest))

    def manifest(self, repo: str, digest: str) -> StoredManifest | None:
        rows = self._query("SELECT media_type, size FROM manifests WHERE repo=? AND digest=?",
                           (repo, digest))
        if not rows:
            return None
        return StoredManifest(digest, str(rows[0][0]), int(rows[0][1]))  # type: ignore[call-overload]

    def tagged(self, repo: str, tag: str) -> StoredManifest | None:
        rows = self._query("SELECT digest FROM tags WHERE repo=? AND tag=?", (repo, tag))
        return self.manifest(repo, str(rows[0][0])) if rows else None

    def delete_manifest(self, repo: str, digest: str) -> bool:
        """Drop the manifest from ``repo`` with every tag naming it."""
        with self._tx() as cur:
            cur.execute("DELETE FROM tags WHERE repo=? AND digest=?", (repo, digest))
            return cur.execute("DELETE FROM manifests WHERE repo=? AND digest=?",
                               (repo, digest)).rowcount > 0

    def delete_tag(self, repo: str, tag: str) -> bool:
        with self._tx() as cur:
            return cur.execute("DELETE FROM tags WHERE repo=? AND tag=?",
                               (repo, tag)).rowcount > 0

    def repository_exists(self, repo: str) -> bool:
        return bool(self._query("SELECT 1 FROM repositories WHERE name=?", (repo,)))

    def tags(self, repo: str, last: str, limit: int | None) -> list[str]:
        sql = "SELECT tag FROM tags WHERE repo=? AND tag>? ORDER BY tag"
        params: tuple[object, ...] = (repo, last)
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return [str(r[0]) for r in self._query(sql, params)]

    def repositories(self, last: str, limit: int | None) -> list[str]:
        sql = "SELECT name FROM repositories WHERE name>? ORDER BY name"
        params: tuple[object, ...] = (last,)
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return [str(r[0]) for r in self._query(sql, params)]

    def referrers(self, repo: str, subject: str) -> list[Referrer]:
        rows = self._query("SELECT digest, media_type, size, artifact_type, annotations "
                           "FROM manifests WHERE repo=? AND subject=? ORDER BY digest",
                           (repo, subject))
        return [Referrer(str(d), str(mt), int(s), str(at), json.loads(str(a)))  # type: ignore[call-overload]
                for d, mt, s, at, a in rows]

    # -- garbage collection --------------------------------------------------

    def referenced(self) -> set[str]:
        """Every digest a manifest of any repository is or references (gc's mark)."""
        marked: set[str] = set()
        for (digest,) in self._query("SELECT DISTINCT digest FROM manifests"):
            marked.add(str(digest))
        for (child,) in self._query(
                "SELECT DISTINCT r.child FROM manifest_refs r "
                "JOIN manifests m ON m.digest = r.manifest"):
            marked.add(str(child))
        return marked

    def forget_blobs(self, digests: list[str]) -> None:
        """Drop every repository's link to blobs gc swept, and refs of manifests gone."""
        with self._tx() as cur:
            cur.executemany("DELETE FROM blobs WHERE digest=?", [(d,) for d in digests])
            cur.execute("DELETE FROM manifest_refs WHERE manifest NOT IN "
                        "(SELECT digest FROM manifests)")
