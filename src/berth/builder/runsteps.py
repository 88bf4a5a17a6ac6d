"""RUN: a real container over the stage's layers; its upper dir becomes the step's layer.

The history text is docker's: the command as it runs (``/bin/sh -c ...`` for the
shell form), after ``|N K=V ...`` when ARGs reach it (sorted; the predefined
proxy ARGs are left out of history and key, as docker leaves them). The cache key
adds the step's mounts and network. A non-zero exit fails the build with
docker's words. The mount points the runtime made in the upper dir for
``--mount`` targets are removed before the layer is made, so a secret's or a
cache's mount point never lands in the image.
"""

import asyncio
import os
import posixpath
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from berth.builder.ast import Instruction
from berth.builder.backend import RunRequest
from berth.builder.heredocs import RunScript
from berth.builder.runmounts import MountSpec, network_mode, parse_mount
from berth.builder.sources import Tree
from berth.builder.state import chain_key
from berth.errors import BerthError, InvalidArgument, NotFound
from berth.metadata.build_cache import MountRow
from berth.util.timefmt import now_rfc3339

if TYPE_CHECKING:
    from berth.builder.stage import StageRunner, StepDir

JSON = dict[str, Any]


class StepFailed(BerthError):
    """A RUN that exited non-zero: docker's message and its code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class RunStep:
    def __init__(self, runner: "StageRunner", ins: Instruction) -> None:
        self.r = runner
        self.ins = ins

    async def execute(self) -> None:
        r, ins = self.r, self.ins
        argv, script = r.argv(ins)
        env, shown = r.run_env()
        created_by = " ".join(argv)
        if shown:
            created_by = " ".join([f"|{len(shown)}", *shown, created_by])
        mounts = [parse_mount(m) for m in ins.flag_values("mount")]
        network = network_mode(ins.flag("network"), r.run.opts.network)
        program = script.program if script is not None else None
        key_text = "\n".join([created_by, f"network={network}", f"program={program!r}",
                              *(m.key_text() for m in mounts if m.type != "secret")])
        key = chain_key(r.st.key, key_text)
        if await r.cached(key, created_by):
            return
        async with r.step_dir() as d:
            oci_mounts = await self._mounts(d, mounts)
            if script is not None and script.program is not None:
                oci_mounts.append(await asyncio.to_thread(_pipes, d.root, script))
            cid = r.new_id()
            req = RunRequest(
                argv=argv, env=env, user=str(r.st.config.get("User") or ""),
                workdir=str(r.st.config.get("WorkingDir") or "/"),
                rootfs_mounts=await r.mounts(d), mounts=oci_mounts, network=network,
                extra_hosts=list(r.run.opts.extra_hosts), resources=dict(r.run.opts.resources),
                id=cid)
            r.log.line(f" ---> Running in {cid[:12]}")
            code = await r.run.executor.run(req, r.log.raw)
            r.log.line(f"Removing intermediate container {cid[:12]}")
            if code != 0:
                raise StepFailed(f"The command '{' '.join(argv)}' returned a non-zero code: "
                                 f"{code}", code)
            lower = await r.image_tree()
            targets = [m.target for m in mounts]
            if req.extra_hosts:
                targets.append("/etc/hosts")
            await asyncio.to_thread(_drop_mount_points, d.upper, targets, lower)
            await r.record(key, created_by, d.upper)
            await asyncio.to_thread(self._touch_caches, mounts)

    async def _mounts(self, d: "StepDir", mounts: list[MountSpec]) -> list[JSON]:
        out: list[JSON] = []
        for m in mounts:
            if m.type == "cache":
                out.append(await asyncio.to_thread(self._cache_mount, m))
            elif m.type == "tmpfs":
                opts = ["nosuid", "nodev"]
                if m.options.get("size"):
                    opts.append(f"size={m.options['size']}")
                out.append({"destination": m.target, "type": "tmpfs", "source": "tmpfs",
                            "options": opts})
            elif m.type == "secret":
                mount = self._secret_mount(m)
                if mount is not None:
                    out.append(mount)
            else:
                out.append(await self._bind_mount(d, m))
        return out

    def _cache_mount(self, m: MountSpec) -> JSON:
        path = self.r.run.cache_mounts_dir / m.cache_id()
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # made by an earlier build, or a stage running beside
            pass
        else:
            os.chmod(path, int(m.options.get("mode", "755"), 8))
            os.chown(path, int(m.options.get("uid", "0")), int(m.options.get("gid", "0")))
            now = now_rfc3339()
            self.r.run.cache_table.put_mount(MountRow(m.cache_id(), 0, now, now))
        options = ["rbind", "ro" if m.readonly else "rw"]
        return {"destination": m.target, "type": "bind", "source": str(path), "options": options}

    def _touch_caches(self, mounts: list[MountSpec]) -> None:
        for m in mounts:
            if m.type == "cache":
                self.r.run.cache_table.touch_mount(m.cache_id(), now_rfc3339())

    def _secret_mount(self, m: MountSpec) -> JSON | None:
        ident = m.options["id"]
        source = self.r.run.opts.secrets.get(ident)
        if source is None:
            if m.options.get("required", "false") != "false":
                raise NotFound(f"secret {ident} not found: pass it with --secret id={ident}")
            return None
        return {"destination": m.target, "type": "bind", "source": str(source),
                "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]}

    async def _bind_mount(self, d: "StepDir", m: MountSpec) -> JSON:
        source = m.options.get("source", m.options.get("src", "/"))
        frm = m.options.get("from")
        if frm:
            tree = await self.r.run.tree_of(frm, self.r.stage.index)
            if source.strip("/") not in ("", "."):
                raise InvalidArgument("RUN --mount=type=bind,from= binds the stage's or image's "
                                      "root only in berth: copy the path with COPY --from")
            lowers = tree.dirs
            if not lowers:
                raise InvalidArgument(f"RUN --mount: {frm} has no files")
        else:
            rel = self.r.run.context.resolve(source)
            lowers = [str(self.r.run.context.root / rel) if rel else str(self.r.run.context.root)]
        if m.options.get("rw", "false") != "false" or len(lowers) > 1:
            # a writable view whose writes are dropped with the step, or a stack of layers
            scratch = d.root / f"bind-{len(os.listdir(d.root))}"
            opts = [f"lowerdir={':'.join(lowers)}"]
            if m.options.get("rw", "false") != "false":
                (scratch / "u").mkdir(parents=True)
                (scratch / "w").mkdir()
                opts += [f"upperdir={scratch / 'u'}", f"workdir={scratch / 'w'}"]
            return {"destination": m.target, "type": "overlay", "source": "overlay",
                    "options": opts}
        return {"destination": m.target, "type": "bind", "source": lowers[0],
                "options": ["rbind", "ro"]}


def _pipes(root: Path, script: RunScript) -> JSON:
    """A ``#!`` heredoc's program at /dev/pipes/<name>, mode 0755, bound read-only."""
    pipes = root / "pipes"
    pipes.mkdir(mode=0o755)
    program = pipes / posixpath.basename(script.path)
    program.write_text(script.program or "")
    program.chmod(0o755)
    return {"destination": posixpath.dirname(script.path), "type": "bind",
            "source": str(pipes), "options": ["rbind", "ro"]}


def _drop_mount_points(upper: Path, targets: list[str], lower: Tree) -> None:
    """Remove what the runtime made in ``upper`` only to mount on: an empty file or dir
    at a target, and its empty parents, where the image had none."""
    for target in targets:
        rel = posixpath.normpath(target).lstrip("/")
        if not rel or rel.startswith(".."):
            continue
        parts = rel.split("/")
        while parts:
            here = "/".join(parts)
            path = upper / here
            try:
                st = path.lstat()
            except (FileNotFoundError, NotADirectoryError):
                break
            existed = lower.entry(here) is not None
            if existed:
                break
            if stat.S_ISDIR(st.st_mode):
                try:
                    path.rmdir()  # only when empty
                except OSError:
                    break
            elif stat.S_ISREG(st.st_mode) and st.st_size == 0:
                path.unlink()
            else:
                break
            parts.pop()
