"""Mounts as values: what a snapshotter returns and the runtime performs.

``Mount.to_json`` gives the OCI runtime-spec shape without a destination
(``{"type", "source", "options"}``), which is what the supervisor's
``rootfs_mounts`` carries.
"""

from dataclasses import dataclass
from typing import Any

from berth.errors import FailedPrecondition

# The kernel copies mount data into one page: longer lowerdir lists fail with EINVAL.
MAX_MOUNT_DATA = 4095


@dataclass(frozen=True, slots=True)
class Mount:
    type: str
    source: str
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "source": self.source, "options": list(self.options)}

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> "Mount":
        return cls(str(j["type"]), str(j.get("source", j["type"])),
                   tuple(str(o) for o in j.get("options") or ()))


def overlay(lowers: list[str], upper: str | None = None, work: str | None = None) -> Mount:
    """An overlay of ``lowers`` (topmost first), writable when ``upper`` and ``work`` are set."""
    if not lowers:
        raise FailedPrecondition("an overlay mount needs at least one lower dir")
    options = [f"lowerdir={':'.join(lowers)}"]
    if upper is not None and work is not None:
        options += [f"upperdir={upper}", f"workdir={work}"]
    elif len(lowers) < 2:
        raise FailedPrecondition("a read-only overlay mount needs two lower dirs or more")
    if len(",".join(options)) > MAX_MOUNT_DATA:
        raise FailedPrecondition(
            f"overlay mount options are too long ({len(lowers)} layers): over one page")
    return Mount("overlay", "overlay", tuple(options))


def bind(source: str, readonly: bool = True) -> Mount:
    return Mount("bind", source, ("rbind", "ro") if readonly else ("rbind", "rw"))
