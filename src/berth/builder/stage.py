"""One stage, step by step: FROM, then each instruction, each step cached or made.

Every step has a cache key (``state.chain_key``): a hit restores the step's layer
and history entry and starts nothing; a miss makes it. A step that changes files
works on a fresh upper dir over the stage's layers (``<builder>/steps/<id>``),
which becomes the step's layer (none when it stayed empty: then the history
entry says ``empty_layer``, as docker's does). RUN runs in a real container
(``Executor.run``); COPY, ADD and WORKDIR write a tar into the step's root
through ``Executor.put_archive``, which resolves every name inside that root.
"""

import asyncio
import contextlib
import posixpath
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from berth.builder import copy as copying
from berth.builder.ast import Instruction, Stage
from berth.builder.backend import Layer
from berth.builder.cache import Hit
from berth.builder.copystep import CopyStep
from berth.builder.heredocs import RunScript, run_script
from berth.builder.keyvalues import parse_key_values
from berth.builder.meta import Meta, command_form
from berth.builder.output import StageLog
from berth.builder.parser import parse_trigger
from berth.builder.runsteps import RunStep
from berth.builder.sources import Tree
from berth.builder.state import PROXY_ARGS, StageState, chain_key
from berth.errors import InvalidArgument
from berth.snapshots.overlay import chain_ids
from berth.util.timefmt import now_rfc3339

if TYPE_CHECKING:
    from berth.builder.build import BuildRun

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class StepDir:
    root: Path

    @property
    def upper(self) -> Path:
        return self.root / "upper"

    @property
    def work(self) -> Path:
        return self.root / "work"


class StageRunner:
    def __init__(self, run: "BuildRun", stage: Stage, log: StageLog, first_step: int) -> None:
        self.run = run
        self.stage = stage
        self.log = log
        self.step = first_step
        self.st: StageState

    # -- the stage ------------------------------------------------------------

    async def build(self) -> StageState:
        self.announce(self.stage.original or f"FROM {self.stage.base}")
        self.st = await self.run.base_state(self.stage)
        if self.st.base is not None and self.stage.base.lower() != "scratch":
            self.log.line(f" ---> {self.st.base.id.removeprefix('sha256:')[:12]}")
        await self._triggers()
        for ins in self.stage.instructions:
            self.announce(ins.original)
            await self.dispatch(ins)
        return self.st

    def announce(self, text: str) -> None:
        self.log.line(f"Step {self.step}/{self.run.total_steps} : {text}")
        self.step += 1

    async def _triggers(self) -> None:
        triggers = list(self.st.config.get("OnBuild") or [])
        self.st.config["OnBuild"] = None  # not inherited by the grandchildren
        if not triggers:
            return
        word = "trigger" if len(triggers) == 1 else "triggers"
        self.log.line(f"# Executing {len(triggers)} build {word}")
        for text in triggers:
            await self.dispatch(parse_trigger(str(text)))

    async def dispatch(self, ins: Instruction) -> None:
        kw = ins.keyword
        if kw == "RUN":
            await RunStep(self, ins).execute()
        elif kw in ("COPY", "ADD"):
            await CopyStep(self, ins).execute()
        elif kw == "WORKDIR":
            await self._workdir(ins)
        elif kw == "ARG":
            await self.metadata(self._arg(ins))
        else:
            handler = Meta(self.st, self.run.escape).handler(kw)
            if handler is None:
                raise InvalidArgument(f"unknown instruction: {kw}")
            await self.metadata(handler(ins))

    # -- steps --------------------------------------------------------------

    async def metadata(self, text: str) -> None:
        created_by = self.st.nop(text)
        key = chain_key(self.st.key, created_by)
        if not await self.cached(key, created_by):
            await self.record(key, created_by, None)

    def _arg(self, ins: Instruction) -> str:
        meta = Meta(self.st, self.run.escape)
        parts = []
        for name, default in parse_key_values(ins.args[0], "ARG", self.run.escape):
            value = meta.word(default) if default is not None else None
            text = name if default is None else f"{name}={value}"
            if name in self.run.opts.build_args and self.run.opts.build_args[name] is not None:
                value = self.run.opts.build_args[name]
                self.run.used_args.add(name)
            elif value is None and name in self.run.meta_values:
                value = self.run.meta_values[name]
            self.st.args[name] = value
            parts.append(text)
        return "ARG " + " ".join(parts)

    async def _workdir(self, ins: Instruction) -> None:
        path = Meta(self.st, self.run.escape).word(ins.args[0])
        if not path.startswith("/"):
            path = posixpath.join(self.st.config.get("WorkingDir") or "/", path)
        path = posixpath.normpath(path)
        self.st.config["WorkingDir"] = path
        created_by = " ".join([*self.st.shell(), f"#(nop) WORKDIR {path}"])
        key = chain_key(self.st.key, created_by)
        if await self.cached(key, created_by):
            return
        tree = await self.image_tree()
        items = copying.dest_items(tree, path.lstrip("/"))
        if not items:
            await self.record(key, created_by, None)
            return
        plan = copying.CopyPlan(tuple(items), None, None)
        async with self.step_dir() as d:
            await self.put_plan(d, plan, "/")
            await self.record(key, created_by, d.upper)

    # -- the cache and the state -----------------------------------------------

    async def cached(self, key: str, created_by: str) -> bool:
        """Apply the step from the cache when it is there (docker's ``Using cache``)."""
        if self.run.opts.no_cache:
            return False
        # dockerd: with --cache-from, only what those images hold is a hit
        hit = None if self.run.opts.cache_from else \
            await asyncio.to_thread(self.run.cache.lookup, key)
        seeded = False
        if hit is None:
            hit = self.run.cache.from_images(self.st.layers, self.st.history, created_by)
            seeded = hit is not None
        if hit is None:
            return False
        if seeded:
            await asyncio.to_thread(self._save, key, hit.layer, hit.history)
        self._apply(key, hit)
        self.log.line(" ---> Using cache")
        self.log.line(f" ---> {key.removeprefix('sha256:')[:12]}")
        return True

    def _save(self, key: str, layer: Layer | None, history: dict[str, object]) -> None:
        stack = [*self.st.layers, layer] if layer else self.st.layers
        chain = chain_ids([x.diff_id for x in stack])[-1] if layer else None
        size = self.run.store.layer_size(stack) if layer else 0
        self.run.cache.save(key, layer, chain, dict(history), size)

    def _apply(self, key: str, hit: Hit) -> None:
        if hit.layer is not None:
            self.st.layers.append(hit.layer)
        self.st.history.append(dict(hit.history))
        self.st.key = key

    async def record(self, key: str, created_by: str, upper: Path | None) -> None:
        """Make the step's layer from ``upper`` (None: no files changed), store it and
        its history entry under ``key``, and move the stage on."""

        def store() -> Hit:
            with self.run.store.writing():
                layer = self.run.store.commit_layer(upper, self.st.layers) if upper else None
                history: dict[str, object] = {"created": now_rfc3339(), "created_by": created_by}
                if layer is None:
                    history["empty_layer"] = True
                self._save(key, layer, history)
            return Hit(layer, history)

        self._apply(key, await asyncio.to_thread(store))
        self.log.line(f" ---> {key.removeprefix('sha256:')[:12]}")

    # -- the step's root ------------------------------------------------------

    @contextlib.asynccontextmanager
    async def step_dir(self) -> AsyncIterator[StepDir]:
        root = Path(tempfile.mkdtemp(prefix="step-", dir=self.run.steps_dir))
        d = StepDir(root)
        d.upper.mkdir()
        d.work.mkdir()
        try:
            yield d
        finally:
            self.run.remove_later(root)

    async def mounts(self, d: StepDir) -> list[dict[str, object]]:
        return await asyncio.to_thread(self.run.store.rootfs_mounts, self.st.layers, d.upper,
                                       d.work)

    async def image_tree(self) -> Tree:
        """The stage's files as they are now (its layers, merged)."""
        dirs = await asyncio.to_thread(self.run.store.layer_dirs, self.st.layers)
        return Tree([str(x) for x in dirs])

    async def put_plan(self, d: StepDir, plan: copying.CopyPlan, path: str) -> None:
        """Write the plan's tar into the step's root at ``path``."""
        await self.put_file(d, lambda f: plan.write_tar(f), path)

    async def put_file(self, d: StepDir, write: Callable[[BinaryIO], object], path: str) -> None:
        tar = d.root / "payload.tar"

        def make() -> None:
            with open(tar, "wb") as f:
                write(f)

        await asyncio.to_thread(make)
        try:
            await self.run.executor.put_archive(await self.mounts(d), path, _chunks(tar))
        finally:
            tar.unlink(missing_ok=True)

    def run_env(self) -> tuple[list[str], list[str]]:
        """(the RUN's environment, the ``K=V`` of its ARGs that history shows)."""
        values = self.st.arg_values()
        shown = sorted(f"{k}={v}" for k, v in values.items() if k not in PROXY_ARGS)
        env = [*(self.st.config.get("Env") or []), *(f"{k}={v}" for k, v in values.items())]
        for name in PROXY_ARGS:  # predefined: reach RUN without an ARG line
            value = self.run.opts.build_args.get(name)
            if value is not None and name not in values:
                env.append(f"{name}={value}")
                self.run.used_args.add(name)
        return env, shown

    def argv(self, ins: Instruction) -> tuple[list[str], RunScript | None]:
        """The RUN's argv; with heredocs, what they make of it (``berth.builder.heredocs``:
        a ``#!`` body is a program written to /dev/pipes)."""
        if ins.heredocs and not ins.json_form:
            script = run_script(ins)
            return [*self.st.shell(), script.command], script
        return command_form(ins, self.st), None

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(32)


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    f = await asyncio.to_thread(open, path, "rb")
    try:
        while data := await asyncio.to_thread(f.read, _CHUNK):
            yield data
    finally:
        f.close()

