"""COPY and ADD steps: sources found, digested for the cache key, written into the root.

History and key as dockerd's legacy builder writes them:
``/bin/sh -c #(nop) COPY file:<digest> in /dest `` (``dir:`` for one directory,
``multi:`` for several sources); ``--chown``/``--chmod`` reach the digest. ADD
also fetches a URL (``--checksum`` verified, mode 0600 as docker's) and unpacks a
local tar archive (gzip, bzip2, xz or plain) into the destination; the archive's
names are resolved inside the step's root like every copy.
"""

import asyncio
import hashlib
import os
import posixpath
import shutil
import stat
import tempfile
import urllib.parse
import urllib.request
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from berth.builder import copy as copying
from berth.builder.ast import Heredoc, Instruction
from berth.builder.expand import expand_heredoc
from berth.builder.heredocs import copy_sources
from berth.builder.meta import Meta
from berth.builder.sources import Entry, Tree
from berth.builder.state import chain_key
from berth.errors import InvalidArgument

if TYPE_CHECKING:
    from berth.builder.stage import StageRunner

_URL_TIMEOUT = 60
_TAR_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


class CopyStep:
    def __init__(self, runner: "StageRunner", ins: Instruction) -> None:
        self.r = runner
        self.ins = ins
        self.kw = ins.keyword

    async def execute(self) -> None:
        r, ins = self.r, self.ins
        meta = Meta(r.st, r.run.escape)
        raw_sources, raw_dest = copy_sources(ins)
        heredocs = [s for s in raw_sources if isinstance(s, Heredoc)]
        patterns = [meta.word(s) for s in raw_sources if isinstance(s, str)]
        dest = meta.word(raw_dest)
        written_dest = dest
        if not dest.startswith("/"):
            trailing = dest.endswith("/") or dest in (".", "./")
            dest = posixpath.join(r.st.config.get("WorkingDir") or "/", dest)
            dest = posixpath.normpath(dest) + ("/" if trailing else "")
        image = await r.image_tree()
        chown = ins.flag("chown")
        owner = copying.parse_chown(meta.word(chown), image) if chown else None
        chmod = ins.flag("chmod")
        mode = copying.parse_chmod(chmod) if chmod else None
        frm = ins.flag("from")
        scratch = Path(tempfile.mkdtemp(prefix="add-", dir=r.run.steps_dir))
        try:
            sources = await self._heredoc_sources(heredocs, scratch / "heredocs")
            if frm and patterns:
                tree = await r.run.tree_of(meta.word(frm), r.stage.index)
                sources += await asyncio.to_thread(copying.find_sources, tree, patterns,
                                                   copying.Ignored(), self.kw, False)
            elif patterns:
                sources += await self._local_sources(patterns, scratch, image)
            archives = [s for s in sources if self.kw == "ADD" and not frm and
                        s.tree is r.run.context and _is_archive(s.tree, s.entry)]
            files = [s for s in sources if s not in archives]
            plan = copying.plan(files, dest, image, self.kw, owner, mode) if files else None
            digest = await asyncio.to_thread(_digest, plan, archives, dest)
            kind = "multi" if len(sources) > 1 else (
                "dir" if stat.S_ISDIR(sources[0].entry.st.st_mode) else "file")
            # dockerd's words, its missing space after --chown included
            flag = f"--chown={chown}" if chown else ""
            created_by = " ".join([*r.st.shell(), f"#(nop) {self.kw} {flag}{kind}:"
                                   f"{digest.removeprefix('sha256:')} in {written_dest} "])
            key = chain_key(r.st.key, created_by)
            if await r.cached(key, created_by):
                return
            async with r.step_dir() as d:
                if plan is not None:
                    await r.put_plan(d, plan, "/")
                for src in archives:
                    target = dest.rstrip("/") or "/"
                    made = copying.dest_items(image, target.lstrip("/"))
                    if made:
                        await r.put_plan(d, copying.CopyPlan(tuple(made), owner, None), "/")
                    await r.put_file(d, partial(_copy_entry, src.tree, src.entry), target)
                await r.record(key, created_by, d.upper)
        finally:
            await asyncio.to_thread(shutil.rmtree, scratch, True)

    async def _heredoc_sources(self, heredocs: list[Heredoc], into: Path
                               ) -> list[copying.Source]:
        """Each heredoc a file named after its delimiter (expanded when unquoted)."""
        if not heredocs:
            return []
        env = self.r.st.expansion_env()
        into.mkdir()
        for doc in heredocs:
            text = expand_heredoc(doc.text(), env) if doc.expand else doc.text()
            if "/" in doc.name or doc.name in (".", ".."):
                raise InvalidArgument(f"invalid heredoc name {doc.name!r}")
            (into / doc.name).write_text(text)
            (into / doc.name).chmod(0o644)
        tree = Tree([str(into)])
        out = []
        for doc in heredocs:
            entry = tree.entry(doc.name)
            assert entry is not None
            out.append(copying.Source(tree, doc.name, entry))
        return out

    async def _local_sources(self, patterns: list[str], scratch: Path,
                             image: Tree) -> list[copying.Source]:
        """Sources from the context; for ADD, URLs fetched into ``scratch`` first."""
        urls = [p for p in patterns if _is_url(p)]
        if urls and self.kw == "COPY":
            raise InvalidArgument("source can't be a URL for COPY")
        local = [p for p in patterns if not _is_url(p)]
        out: list[copying.Source] = []
        if local:
            ctx = self.r.run.context
            out += await asyncio.to_thread(copying.find_sources, ctx, local,
                                           self.r.run.ignored, self.kw, True)
        if urls:
            checksum = self.ins.flag("checksum")
            if checksum and len(urls) > 1:
                raise InvalidArgument("checksum can't be specified for multiple sources")
            fetched = Tree([str(scratch)])
            for url in urls:
                name = await asyncio.to_thread(_fetch, url, scratch, checksum)
                entry = fetched.entry(name)
                assert entry is not None
                out.append(copying.Source(fetched, name, entry))
        return out


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _is_archive(tree: Tree, entry: Entry) -> bool:
    if not stat.S_ISREG(entry.st.st_mode):
        return False
    fd = tree.open(entry)
    try:
        head = os.pread(fd, 512, 0)
    finally:
        os.close(fd)
    return head.startswith(_TAR_MAGIC) or (len(head) >= 262 and head[257:262] == b"ustar")


def _copy_entry(tree: Tree, entry: Entry, out: BinaryIO) -> None:
    with os.fdopen(tree.open(entry), "rb") as f:
        shutil.copyfileobj(f, out)


def _digest(plan: copying.CopyPlan | None, archives: list[copying.Source], dest: str) -> str:
    h = hashlib.sha256(dest.encode())
    if plan is not None:
        h.update(plan.digest().encode())
    for src in archives:
        h.update(b"archive " + src.rel.encode())
        fd = src.tree.open(src.entry)
        try:
            while data := os.read(fd, 1 << 20):
                h.update(data)
        finally:
            os.close(fd)
    return "sha256:" + h.hexdigest()


def _fetch(url: str, into: Path, checksum: str | None) -> str:
    """Download ``url`` into ``into`` as docker's ADD names it; the name."""
    path = urllib.parse.urlparse(url).path
    name = posixpath.basename(path.rstrip("/")) if path else ""
    if not name or name in (".", ".."):
        raise InvalidArgument(f"cannot determine filename from url: {url}")
    target = into / name
    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=_URL_TIMEOUT) as resp, \
                open(target, "xb") as f:
            while data := resp.read(1 << 20):
                h.update(data)
                f.write(data)
            modified = resp.headers.get("Last-Modified")
    except OSError as e:
        raise InvalidArgument(f"failed to fetch {url}: {e}") from None
    if checksum:
        algo, _, want = checksum.partition(":")
        if algo != "sha256" or not want:
            raise InvalidArgument(f"unsupported checksum {checksum!r}: sha256:<hex>")
        if h.hexdigest() != want:
            raise InvalidArgument(f"digest mismatch for {url}: sha256:{h.hexdigest()}, "
                                  f"expected {checksum}")
    os.chmod(target, 0o600)
    if modified:
        try:
            when = parsedate_to_datetime(modified).timestamp()
            os.utime(target, (when, when))
        except (TypeError, ValueError):
            pass
    return name
