"""A build from its Dockerfile to a tagged image: stages planned, run, the image stored.

Before any step runs, everything docker can know up front is checked: the
Dockerfile parses, the target exists, every stage a ``FROM`` or ``--from`` names
exists and none depends on itself. Only the stages the target needs are built
(``--target``); each runs as its own task as soon as the stages it reads from
are done, so stages that do not depend on each other build at once. Their
output is shown one stage after another (``berth.builder.output``). When a step
fails or the build is cancelled, the other stages are cancelled, their running
containers killed and removed, and nothing is tagged.
"""

import asyncio
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from berth.builder.ast import Dockerfile, Stage
from berth.builder.backend import BaseImage, Executor, ImageStore, Layer
from berth.builder.cache import Cache
from berth.builder.context import Context
from berth.builder.copy import Ignored
from berth.builder.dockerignore import IgnoreRules, read_dockerignore
from berth.builder.expand import expand
from berth.builder.keyvalues import parse_key_values
from berth.builder.options import BuildOptions
from berth.builder.output import Emit, Sequencer
from berth.builder.parser import parse
from berth.builder.plan import check_platform, needed_stages, stage_refs
from berth.builder.sources import Tree
from berth.builder.stage import StageRunner
from berth.builder.state import StageState
from berth.errors import BerthError, InvalidArgument, NotFound
from berth.metadata.build_cache import BuildCacheTable
from berth.oci import reference


class ContextIgnored(Ignored):
    def __init__(self, rules: IgnoreRules) -> None:
        self._rules = rules

    def __call__(self, rel: str) -> bool:
        return self._rules.matches(rel)


class BuildRun:
    """One build's shared state: what every stage of it reads."""

    def __init__(self, builder: "Builder", context: Context, opts: BuildOptions,
                 df: Dockerfile, seq: Sequencer, ignored: Ignored) -> None:
        self.store = builder.store
        self.executor = builder.executor
        self.cache_table = builder.table
        self.steps_dir = builder.work / "steps"
        self.cache_mounts_dir = builder.work / "cache-mounts"
        self.arch = builder.arch
        self.context = context
        self.opts = opts
        self.df = df
        self.escape = df.escape
        self.seq = seq
        self.cache = Cache(builder.table, [])
        self.ignored = ignored
        self.used_args: set[str] = set()
        self.meta_values: dict[str, str | None] = {}
        self.total_steps = 0
        self._stage_tasks: dict[int, asyncio.Task[StageState]] = {}
        self._images: dict[str, BaseImage] = {}
        self._image_lock = asyncio.Lock()
        self._removals: list[asyncio.Future[None]] = []

    # -- planning -----------------------------------------------------------

    def meta_args(self) -> None:
        """The ARGs before the first FROM: their defaults, or the --build-arg value."""
        platform = f"linux/{self.arch}"
        env: dict[str, str] = {"BUILDPLATFORM": platform, "TARGETPLATFORM": platform,
                               "BUILDOS": "linux", "BUILDARCH": self.arch,
                               "TARGETOS": "linux", "TARGETARCH": self.arch}
        for ins in self.df.meta_args:
            for name, default in parse_key_values(ins.args[0], "ARG", self.escape):
                value = expand(default, env, self.escape) if default is not None else None
                given = self.opts.build_args.get(name)
                if name in self.opts.build_args and given is not None:
                    value = given
                    self.used_args.add(name)
                self.meta_values[name] = value
                if value is not None:
                    env[name] = value
        self._meta_env = env

    def base_name(self, stage: Stage) -> str:
        name = expand(stage.base, self._meta_env, self.escape)
        if not name:
            raise InvalidArgument(f"{self.df.filename}:{stage.line}: base name ({stage.base}) "
                                  "should not be blank")
        return name

    # -- running ----------------------------------------------------------------

    async def execute(self) -> str:
        self.meta_args()
        refs = stage_refs(self.df, self.base_name)
        target = self.df.stages[-1]
        if self.opts.target:
            found = self.df.stage(self.opts.target)
            if found is None:
                raise InvalidArgument(f"failed to reach build target {self.opts.target} in "
                                      "Dockerfile")
            target = found
        needed = needed_stages(self.df, refs, target.index)
        self.total_steps = len(self.df.meta_args) + sum(
            1 + len(self.df.stages[i].instructions) for i in needed)
        if self.opts.labels:
            self.total_steps += 1
        await self._seed_cache()
        first = 1
        for ins in self.df.meta_args:  # dockerd counts and shows them as steps
            self.seq.direct({"stream": f"Step {first}/{self.total_steps} : {ins.original}\n"})
            first += 1
        runners: dict[int, StageRunner] = {}
        for i in needed:
            stage = self.df.stages[i]
            runners[i] = StageRunner(self, stage, self.seq.stage(), first)
            first += 1 + len(stage.instructions)
        for i, runner in runners.items():
            self._stage_tasks[i] = asyncio.ensure_future(self._stage(runner))
        try:
            await asyncio.gather(*self._stage_tasks.values())
            last = runners[target.index]
            if self.opts.labels:
                await self._labels(last)
            return await self._finish(last.st)
        except BaseException:
            for task in self._stage_tasks.values():
                task.cancel()
            await asyncio.gather(*self._stage_tasks.values(), return_exceptions=True)
            raise
        finally:
            await asyncio.shield(asyncio.gather(*self._removals, return_exceptions=True))

    def remove_later(self, path: Path) -> None:
        """Remove a finished step's dir off the build's path (a thousand files take
        seconds on a busy disk); the build waits for it before it ends."""
        self._removals.append(asyncio.ensure_future(
            asyncio.to_thread(shutil.rmtree, path, True)))

    async def _stage(self, runner: StageRunner) -> StageState:
        try:
            return await runner.build()
        finally:
            if not runner.log.done:
                runner.log.finish()

    async def _labels(self, runner: StageRunner) -> None:
        """``--label``: one more LABEL step on the target stage, as dockerd adds it."""
        text = " ".join(f"{k}={v}" for k, v in sorted(self.opts.labels.items()))
        runner.log = self.seq.stage()
        runner.step = self.total_steps
        runner.announce(f"LABEL {text}")
        labels = dict(runner.st.config.get("Labels") or {})
        labels.update(self.opts.labels)
        runner.st.config["Labels"] = labels
        try:
            await runner.metadata("LABEL " + text)
        finally:
            runner.log.finish()

    async def _finish(self, st: StageState) -> str:
        unused = sorted(set(self.opts.build_args) - self.used_args - set(self.meta_values)
                        - _declared(self.df))
        if unused:
            self.seq.direct({"stream": "[Warning] One or more build-args "
                                       f"[{' '.join(unused)}] were not consumed\n"})
        created = str(st.history[-1].get("created") or "") if st.history else ""
        config = st.image_config(created)
        image_id = await asyncio.to_thread(self.store.store, config, st.layers,
                                           list(self.opts.tags))
        self.seq.direct({"aux": {"ID": image_id}})
        if self.opts.quiet:
            self.seq.always({"stream": image_id + "\n"})
        self.seq.direct({"stream": f"Successfully built {image_id.removeprefix('sha256:')[:12]}\n"})
        for tag in self.opts.tags:
            self.seq.direct({"stream": f"Successfully tagged {reference.familiar(tag)}\n"})
        return image_id

    # -- what stages read ----------------------------------------------------------

    async def _seed_cache(self) -> None:
        images: list[BaseImage] = []
        for name in self.opts.cache_from:
            try:
                images.append(await self.image(name, pull_missing=True))
            except BerthError as e:
                self.seq.direct({"stream": f"[Warning] cache-from {name}: {e.message}\n"})
        self.cache = Cache(self.cache_table, images)

    async def image(self, name: str, pull_missing: bool = True) -> BaseImage:
        """An image by name: local, or pulled (always with --pull)."""
        async with self._image_lock:
            if name in self._images:
                return self._images[name]
            found = None if self.opts.pull else await asyncio.to_thread(self.store.lookup, name)
            if found is None:
                if not pull_missing:
                    raise NotFound(f"No such image: {name}")
                found = await asyncio.to_thread(self.store.pull, name, self.opts.platform,
                                                self.opts.registry_auth)
            self._images[name] = found
            return found

    async def stage_state(self, index: int) -> StageState:
        return await self._stage_tasks[index]

    async def base_state(self, stage: Stage) -> StageState:
        check_platform((stage.platform and expand(stage.platform, self._meta_env, self.escape))
                       or self.opts.platform, self.arch)
        name = self.base_name(stage)
        if name.lower() == "scratch":
            return StageState.from_image(None, self.arch)
        earlier = self._stage_named(name, stage.index)
        if earlier is not None:
            return (await self.stage_state(earlier)).child()
        return StageState.from_image(await self.image(name), self.arch)

    def _stage_named(self, name: str, before: int) -> int | None:
        for s in self.df.stages[:before]:
            if s.name is not None and s.name == name.lower():
                return s.index
        return None

    async def tree_of(self, ref: str, current: int) -> Tree:
        """The files of a stage (by name or index) or an image, for ``--from``."""
        found = self.df.stage(ref)
        if found is not None:
            if found.index == current:
                raise InvalidArgument(f"invalid from flag value {ref}: refers to current "
                                      "build stage")
            layers: Sequence[Layer] = (await self.stage_state(found.index)).layers
        else:
            layers = (await self.image(ref)).layers
        dirs = await asyncio.to_thread(self.store.layer_dirs, layers)
        return Tree([str(d) for d in dirs])


def _declared(df: Dockerfile) -> set[str]:
    names: set[str] = set()
    for stage in df.stages:
        for ins in stage.instructions:
            if ins.keyword == "ARG":
                names.update(n for n, _ in parse_key_values(ins.args[0], "ARG", df.escape))
    return names


def _ignore_rules(context: Context, dockerfile: str) -> IgnoreRules:
    """The context's .dockerignore; then, as dockerd does, the Dockerfile and the
    .dockerignore themselves are taken out of the context when it names them (a
    client that adds a Dockerfile from outside lists its name there)."""
    rules = read_dockerignore(str(context.root), dockerfile)
    for name in (".dockerignore", dockerfile):
        if rules.matches(name):
            try:
                rel = context.resolve(name, follow_last=False)
            except NotFound:
                continue
            path = context.root / rel
            if path.is_file() or path.is_symlink():
                path.unlink()
    return rules


class Builder:
    """Builds images; made once per daemon with its image store and executor."""

    def __init__(self, store: ImageStore, executor: Executor, table: BuildCacheTable,
                 work: Path, arch: str) -> None:
        self.store = store
        self.executor = executor
        self.table = table
        self.work = work
        self.arch = arch
        for sub in ("steps", "cache-mounts"):
            (work / sub).mkdir(parents=True, exist_ok=True, mode=0o700)

    async def build(self, context: Context, opts: BuildOptions, emit: Emit) -> str:
        """Build; the image id. Errors raise (the API turns them into docker's)."""
        text = await asyncio.to_thread(self._dockerfile, context, opts.dockerfile)
        df = parse(text, os.path.basename(opts.dockerfile) or "Dockerfile")
        rules = await asyncio.to_thread(_ignore_rules, context, opts.dockerfile)
        seq = Sequencer(emit, opts.quiet)
        for note in df.notes:
            seq.direct({"stream": f"[Warning] {note}\n"})
        return await BuildRun(self, context, opts, df, seq, ContextIgnored(rules)).execute()

    @staticmethod
    def _dockerfile(context: Context, path: str) -> str:
        try:
            data = context.read(path)
        except NotFound:
            raise InvalidArgument(f"Cannot locate specified Dockerfile: {path}") from None
        return data.decode("utf-8", "replace")
