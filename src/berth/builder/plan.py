"""Which stages a build needs, and what each waits for: known before any step runs.

A stage depends on the earlier stage its ``FROM`` names, and on every stage a
``COPY --from``, ``ADD --from`` or ``RUN --mount=...,from=`` names (by name or
index; a name may come later in the file, as BuildKit allows). Only the target
and what it depends on, transitively, are built; a stage that depends on
itself, directly or not, is refused up front, naming it.
"""

from collections.abc import Callable

from berth.builder.ast import Dockerfile, Stage
from berth.builder.runmounts import parse_mount
from berth.errors import InvalidArgument

Refs = dict[int, set[int]]


def _from_values(stage: Stage) -> list[tuple[str, int]]:
    out = []
    for ins in stage.instructions:
        if ins.keyword in ("COPY", "ADD") and ins.flag("from"):
            out.append((str(ins.flag("from")), ins.line))
        elif ins.keyword == "RUN":
            for text in ins.flag_values("mount"):
                frm = parse_mount(text).options.get("from")
                if frm:
                    out.append((frm, ins.line))
    return out


def stage_refs(df: Dockerfile, base_name: Callable[[Stage], str]) -> Refs:
    """{stage index: the stage indices it reads from}."""
    refs: Refs = {}
    for stage in df.stages:
        deps: set[int] = set()
        base = base_name(stage).lower()
        for earlier in df.stages[:stage.index]:
            if earlier.name is not None and earlier.name == base:
                deps.add(earlier.index)
        for value, line in _from_values(stage):
            found = df.stage(value)
            if found is None:
                continue  # an image
            if found.index == stage.index:
                raise InvalidArgument(f"{df.filename}:{line}: invalid from flag value "
                                      f"{value}: refers to current build stage")
            deps.add(found.index)
        refs[stage.index] = deps
    return refs


def needed_stages(df: Dockerfile, refs: Refs, target: int) -> list[int]:
    """The target and its dependencies, in file order; a cycle refused."""
    needed: set[int] = set()
    visiting: set[int] = set()

    def visit(i: int) -> None:
        if i in needed:
            return
        if i in visiting:
            stage = df.stages[i]
            raise InvalidArgument(f"{df.filename}:{stage.line}: circular dependency detected "
                                  f"on stage: {stage.name or i}")
        visiting.add(i)
        for dep in sorted(refs.get(i, ())):
            visit(dep)
        visiting.discard(i)
        needed.add(i)

    visit(target)
    return sorted(needed)


def check_platform(platform: str | None, arch: str) -> None:
    """``--platform``: berth builds for its host only (it runs no emulator)."""
    if not platform:
        return
    parts = platform.lower().split("/")
    os_, want = parts[0], parts[1] if len(parts) > 1 else arch
    if os_ != "linux" or want != arch:
        raise InvalidArgument(f"platform {platform} is not supported: berth builds for "
                              f"linux/{arch}, this host's platform, and runs no emulator")
