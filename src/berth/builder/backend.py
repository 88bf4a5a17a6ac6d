"""The builder's two seams, implemented by ``berth.daemon.build``.

The builder sits beside ``images`` in the layers and may import neither it nor the
daemon: it reaches the image store through ``ImageStore`` and runs ``RUN`` steps
(and writes ``COPY`` sources into a step's root) through ``Executor``. Both work
on ``Layer`` values: a layer blob's descriptor and its diff_id, the stack of a
build state bottom first.
"""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from berth.oci.image import Descriptor

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Layer:
    descriptor: Descriptor
    diff_id: str


@dataclass(frozen=True, slots=True)
class BaseImage:
    """An image a ``FROM`` or a ``--from`` names, as stored."""

    id: str  # "sha256:..." of its config
    config: JSON  # the OCI image config JSON
    layers: tuple[Layer, ...]


class ImageStore(Protocol):
    """The image service, as the builder needs it (all synchronous: run in a thread)."""

    def lookup(self, name: str) -> BaseImage | None:
        """A local image by reference or id; None when there is none."""

    def pull(self, name: str, platform: str,
             auth: Mapping[str, Mapping[str, str]]) -> BaseImage:
        """Pull ``name`` from its registry (``platform``: "" for the host's; ``auth``:
        {registry host: docker's AuthConfig}, the build's X-Registry-Config)."""

    def writing(self) -> AbstractContextManager[None]:
        """Held from a layer's first blob until the cache row naming it is stored."""

    def layer_dirs(self, layers: Sequence[Layer]) -> list[Path]:
        """The stack's unpacked dirs, topmost first (unpacked when missing)."""

    def rootfs_mounts(self, layers: Sequence[Layer], upper: Path, work: Path) -> list[JSON]:
        """The OCI-shaped mounts of a writable root over the stack (none: a bare upper)."""

    def commit_layer(self, upper: Path, parent: Sequence[Layer]) -> Layer | None:
        """The upper dir as a new layer over ``parent`` (blob and snapshot); None when
        it holds nothing (an empty layer is not stored, as docker does)."""

    def layer_size(self, layers: Sequence[Layer]) -> int:
        """The unpacked size of the top layer of the stack."""

    def store(self, config: JSON, layers: Sequence[Layer], tags: Sequence[str]) -> str:
        """The image (config, manifest, row) with ``tags`` (normalized); its id."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One ``RUN``: the command, its process settings and its root."""

    id: str  # the container's id
    argv: list[str]
    env: list[str]
    user: str
    workdir: str
    rootfs_mounts: list[JSON]
    mounts: list[JSON] = field(default_factory=list)  # OCI mounts: cache, bind, tmpfs, secrets
    network: str = "default"  # "default", "none", "host"
    extra_hosts: list[str] = field(default_factory=list)
    resources: JSON = field(default_factory=dict)  # HostConfig limits (Memory, CpuShares...)


Output = Callable[[int, bytes], None]  # (1 stdout | 2 stderr, data)


class Executor(Protocol):
    """Runs steps in real containers, the way ``berth run`` does."""

    async def run(self, req: RunRequest, output: Output) -> int:
        """Run to its exit; its exit code. Cancelling kills it and removes it."""

    async def put_archive(self, rootfs_mounts: list[JSON], path: str,
                          tar: AsyncIterator[bytes]) -> None:
        """Extract ``tar`` into ``path`` of the root the mounts make, every path
        resolved inside that root (``berth.runtime.archive``)."""
