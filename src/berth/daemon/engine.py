"""The Engine: the composition root that owns every service of one berthd.

Made once by ``berthd``'s entry from a ``DaemonConfig``; nothing else in the
process is global.
"""

import asyncio
from collections import Counter
from typing import Any

from berth.daemon import data_root, platforms, system, volume_seed
from berth.daemon.archive import ArchiveService
from berth.daemon.build import BuildService
from berth.daemon.config import DaemonConfig
from berth.daemon.container import Container
from berth.daemon.container_networks import ContainerNetworks
from berth.daemon.containers import ContainerService
from berth.daemon.disk_usage import TYPES, disk_usage
from berth.daemon.events import EventBus
from berth.daemon.exec import ExecService
from berth.daemon.image_delete import ImageRemover
from berth.daemon.networks import NetworkService
from berth.daemon.supervision import SupervisorLink
from berth.daemon.volumes import VolumeService
from berth.errors import InvalidArgument, NotFound
from berth.images.service import ImageService
from berth.metadata.containers import ContainerTable
from berth.metadata.db import Database
from berth.metadata.networks import NetworkTable
from berth.metadata.volumes import VolumeTable
from berth.network.store import NetworkStore
from berth.util.disk import tree_size
from berth.volumes.store import VolumeStore


class Engine:
    def __init__(self, config: DaemonConfig) -> None:
        self.config = config
        paths = config.paths
        data_root.prepare(paths)
        self.db = Database(paths.db)
        self.images = ImageService(paths, self.db, config.insecure_registries,
                                   config.push_compression, config.proxies)
        self.supervisor = SupervisorLink(paths)
        self.volumes = VolumeService(VolumeStore(paths, VolumeTable(self.db)),
                                     self._volume_users)
        store = NetworkStore(NetworkTable(self.db), config.default_bridge, paths.exec_root)
        self.container_networks = ContainerNetworks(
            store, paths.exec_root, lambda: self.containers.list(all_=True))
        self.networks = NetworkService(store, self.container_networks.users)
        self.containers = ContainerService(paths, ContainerTable(self.db), self.images,
                                           self.supervisor, self.volumes,
                                           self.container_networks)
        self.execs = ExecService(paths, self.containers, self.supervisor)
        self.archives = ArchiveService(self.containers, self.supervisor)
        self.builds = BuildService(paths, self.db, self.images, self.supervisor)
        self.image_remover = ImageRemover(self.images, lambda: self.containers.list(all_=True))
        self.events = EventBus()
        self.images.on_event = self.events.emit
        self.containers.on_event = self.events.emit
        self.volumes.on_event = self.events.emit
        self.networks.on_event = self.events.emit

    def _volume_users(self) -> dict[str, list[str]]:
        users: dict[str, list[str]] = {}
        for c in self.containers.list(all_=True):
            for point in c.mount_points:
                if point.get("Type") == "volume":
                    users.setdefault(str(point["Name"]), []).append(c.id)
        return users

    async def start(self) -> None:
        self.events.bind(asyncio.get_running_loop())
        # the networks first: a bridge this berthd may not have refuses its start with
        # nothing else begun (no supervisor spawned for it)
        await asyncio.to_thread(self.networks.store.start)
        await self.supervisor.connect()
        await self.containers.recover()
        running = {c.id: c.mount_points for c in self.containers.list() if c.state.running}
        await asyncio.to_thread(self.volumes.recover, running)
        await asyncio.to_thread(self.images.collect)  # what a crash left unreferenced

    async def create_container(self, name: str | None, body: dict[str, Any],
                               platform: str = "") -> tuple[Container, list[str]]:
        """``POST /containers/create``: the container, its new volumes seeded from its
        image (dockerd's copy-up at create), and docker's warnings. ``platform``: the
        one its image must be of (``berth.daemon.platforms``)."""
        if platform and isinstance(body, dict) and isinstance(body.get("Image"), str):
            await asyncio.to_thread(platforms.check, self.images, body["Image"], platform)
        c, warnings = await asyncio.to_thread(self.containers.create, name, body)
        if c.mount_points:
            await volume_seed.seed(c, self.supervisor, self.images, self.volumes.store,
                                   self.config.paths)
        return c, warnings

    async def close(self) -> None:
        await self.containers.close()
        if not any(c.state.running for c in self.containers.list(all_=True)):
            await self.supervisor.shutdown()
            await asyncio.to_thread(self.networks.store.stop)
        await asyncio.to_thread(self.db.close)

    def version(self) -> dict[str, Any]:
        return system.version()

    def image_ids(self, name: str) -> set[str]:
        """The image a name or id stands for, as a set (empty: no such image)."""
        try:
            return {self.images.resolve(name).id}
        except (NotFound, InvalidArgument):
            return set()

    def container_sizes(self, containers: list[Container]) -> list[tuple[int, int]]:
        """(SizeRw, SizeRootFs) of each container: its writable layer, plus its image."""
        image_sizes: dict[str, int] = {}  # containers of one image walk its layers once
        out = []
        for c in containers:
            rw = tree_size(self.config.paths.container(c.id) / "upper")
            if c.image_id not in image_sizes:
                try:
                    image = self.images.resolve(c.image_id)
                    image_sizes[c.image_id] = sum(self.images.layer_sizes(image))
                except NotFound:
                    image_sizes[c.image_id] = 0
            out.append((rw, rw + image_sizes[c.image_id]))
        return out

    def disk_usage(self, types: set[str] | None = None) -> dict[str, Any]:
        types = set(types or TYPES)
        out = disk_usage(self.images, self.containers.list(all_=True),
                         self.config.paths.containers, types, self.builds.usage)
        if "volume" in types:
            out["Volumes"] = self.volumes.usage()
        return out

    def info(self) -> dict[str, Any]:
        states = Counter(c.state.status for c in self.containers.list(all_=True))
        return system.info(self.config, dict(states), len(self.images.list()))
