"""Builds: the context unpacked, the builder run, the build cache shown and pruned.

Layout under ``<data-root>/builder``::

    contexts/<random>/     a build's context, unpacked from its tar; removed after
    steps/step-<random>/   a step's upper and work dirs; removed after the step
    cache-mounts/<id>/     a RUN --mount=type=cache directory, kept between builds
    empty/                 the lower dir of a root with no layers (FROM scratch)

What a crash leaves in ``contexts`` and ``steps`` is removed when berthd starts.
A running build can be cancelled by its id (``POST /build/cancel``) or by its
client leaving: the running step's container is killed and removed, nothing is
tagged.
"""

import asyncio
import dataclasses
import json
import secrets
import shutil
import stat
from pathlib import Path
from typing import Any

from berth.builder import SECRETS_DIR
from berth.builder.build import Builder
from berth.builder.context import Context, unpack
from berth.builder.options import BuildOptions
from berth.builder.output import Emit
from berth.daemon import build_remote
from berth.daemon.build_executor import BuildExecutor, Supervisor
from berth.daemon.build_store import BuildImageStore
from berth.diff.compression import Reader
from berth.images.service import ImageService, host_arch
from berth.metadata.build_cache import BuildCacheTable
from berth.metadata.db import Database
from berth.paths import Paths
from berth.util.disk import tree_size
from berth.util.timefmt import now_rfc3339


class BuildService:
    def __init__(self, paths: Paths, db: Database, images: ImageService,
                 supervisor: Supervisor) -> None:
        work = paths.data_root / "builder"
        self._work = work
        self._contexts = work / "contexts"
        for sub in ("contexts", "steps", "secrets"):
            shutil.rmtree(work / sub, ignore_errors=True)  # a crashed build's leftovers
        self._contexts.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._images = images
        self._table = BuildCacheTable(db)
        self.store = BuildImageStore(images, work / "empty")
        self.builder = Builder(self.store, BuildExecutor(paths, supervisor), self._table, work,
                               host_arch())
        self._running: dict[str, asyncio.Task[Any]] = {}

    async def build(self, body: Reader, opts: BuildOptions, emit: Emit,
                    build_id: str = "") -> str:
        """Build from the context tar ``body`` (read in a thread); the image id."""
        ctx_dir = self._contexts / secrets.token_hex(16)
        task = asyncio.current_task()
        if build_id and task is not None:
            self._running[build_id] = task
        secrets_dir = self._work / "secrets" / ctx_dir.name
        try:
            if opts.remote:
                if await asyncio.to_thread(build_remote.fetch, opts.remote, ctx_dir):
                    opts = dataclasses.replace(opts, dockerfile="Dockerfile")
            else:
                await asyncio.to_thread(unpack, body, ctx_dir)
            if opts.secret_ids:
                found = await asyncio.to_thread(_take_secrets, ctx_dir, secrets_dir,
                                                opts.secret_ids)
                opts = dataclasses.replace(opts, secrets=found)
            return await self.builder.build(Context(ctx_dir), opts, emit)
        finally:
            self._running.pop(build_id, None)
            await asyncio.to_thread(shutil.rmtree, ctx_dir, True)
            await asyncio.to_thread(shutil.rmtree, secrets_dir, True)

    def cancel(self, build_id: str) -> None:
        """``POST /build/cancel``: stop the build (docker answers 200 for any id)."""
        task = self._running.get(build_id)
        if task is not None:
            task.cancel()

    def prune(self) -> dict[str, Any]:
        """``POST /build/prune``: every cache row and cache mount, then what they held."""
        rows = self._table.all()
        mounts = self._table.mounts()
        reclaimed = 0
        for m in mounts:
            path = self._work / "cache-mounts" / m.id
            reclaimed += tree_size(path) if path.exists() else 0
            shutil.rmtree(path, ignore_errors=True)
        self._table.delete_mounts([m.id for m in mounts])
        self._table.delete([r.key for r in rows])
        swept = self._images.collect()
        return {"CachesDeleted": [r.key.removeprefix("sha256:") for r in rows]
                + [m.id for m in mounts] or None,
                "SpaceReclaimed": reclaimed + swept.reclaimed}

    def usage(self) -> list[dict[str, Any]]:
        """``system df``'s BuildCache entries, in docker's shape."""
        out = []
        for row in self._table.all():
            created_by = str(json.loads(row.history).get("created_by") or "")
            out.append({"ID": row.key.removeprefix("sha256:")[:25], "Parent": "",
                        "Parents": None, "Type": "regular", "Description": created_by,
                        "InUse": False, "Shared": False, "Size": row.size,
                        "CreatedAt": row.created, "LastUsedAt": row.last_used,
                        "UsageCount": 1})
        for m in self._table.mounts():
            path = self._work / "cache-mounts" / m.id
            out.append({"ID": m.id[:25], "Parent": "", "Parents": None,
                        "Type": "exec.cachemount", "Description": "cached mount",
                        "InUse": False, "Shared": True,
                        "Size": tree_size(path) if path.exists() else 0,
                        "CreatedAt": m.created, "LastUsedAt": m.last_used or now_rfc3339(),
                        "UsageCount": 1})
        return out


def _take_secrets(ctx_dir: Path, into: Path, ids: tuple[str, ...]) -> dict[str, Path]:
    """Move the build secrets out of the context (``.berth-build-secrets/<id>``, put
    there by the client) into a dir of root's alone: no step can copy them."""
    sent = ctx_dir / SECRETS_DIR
    into.mkdir(parents=True, mode=0o700)
    found = {}
    for ident in ids:
        src = sent / ident
        try:
            st = src.lstat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISREG(st.st_mode):
            dest = into / ident
            src.rename(dest)
            dest.chmod(0o400)
            found[ident] = dest
    shutil.rmtree(sent, ignore_errors=True)
    if sent.is_symlink():
        sent.unlink()
    return found
