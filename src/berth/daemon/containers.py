"""The container service: the façade the API and the Engine call.

The supervisor owns the processes; this service owns the records. Every state
change is saved before it is announced, so a daemon killed at any instant
restarts from a record that matches what the supervisor reports.

Each concern is a module beside this one: the records and their lookup
(``container_records``), ``create`` (``container_create``), a run from its bundle
to its exit and restarts by policy (``container_runs``), kill, stop and pause
(``container_stop``), live restore (``container_recovery``), top and update
(``container_resources``), diff, export and commit (``commit``). What stays here
is what ties them: start, wait, restart, rename, remove, resize, attach and logs.
"""

import asyncio
import logging
import shutil
import signal
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from berth.daemon import commit as container_files
from berth.daemon import container_create, container_recovery, container_resources, container_stop
from berth.daemon import logs as container_logs
from berth.daemon.container import Container
from berth.daemon.container_create import Warnings
from berth.daemon.container_networks import ContainerNetworks
from berth.daemon.container_records import EventSink, Records
from berth.daemon.container_runs import Runs
from berth.daemon.container_stop import signal_number as signal_number  # the API's kill
from berth.daemon.hub import Chunk, OutputHub
from berth.daemon.logs import LogConfig
from berth.daemon.naming import valid_name
from berth.daemon.volume_mounts import volume_names
from berth.daemon.volumes import VolumeService
from berth.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from berth.images.service import ImageService
from berth.metadata.containers import ContainerTable
from berth.paths import Paths
from berth.supervisor.aioclient import Session

log = logging.getLogger("berth.containers")


class Supervisor(Protocol):
    async def connect(self) -> bool:
        ...

    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        ...

    async def attach(self, cid: str) -> Session:
        ...

    async def kill(self, cid: str, sig: int) -> None:
        ...

    async def state(self) -> dict[str, Any]:
        ...

    async def forget(self, cid: str) -> None:
        ...

    async def resize(self, id_: str, height: int, width: int, exec_: bool) -> None:
        ...


_WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


class ContainerService:
    def __init__(self, paths: Paths, table: ContainerTable, images: ImageService,
                 supervisor: Supervisor, volumes: VolumeService,
                 networks: ContainerNetworks) -> None:
        self._paths = paths
        self._images = images
        self._sup = supervisor
        self._volumes = volumes
        self._records = Records(table)
        self._networks = networks
        self._runs = Runs(paths, images, supervisor, self._records, self.remove, volumes,
                          networks)
        self._runs.lost = self._supervisor_lost
        self._lost_again = False
        self._lost_task: asyncio.Task[None] | None = None
        self._remove_waiters: dict[str, list[asyncio.Future[int]]] = {}
        self._busy = container_files.Busy()  # commits reading a container's dirs

    @property
    def on_event(self) -> EventSink:
        return self._records.on_event

    @on_event.setter
    def on_event(self, sink: EventSink) -> None:
        self._records.on_event = sink  # the Engine connects its event bus

    # -- lookup -----------------------------------------------------------

    def get(self, ref: str) -> Container:
        """By full id, name, or unique id prefix, as docker resolves them."""
        return self._records.get(ref)

    def list(self, all_: bool = False) -> list[Container]:
        return self._records.list(all_)

    # -- create -----------------------------------------------------------

    def create(self, name: str | None, body: dict[str, Any]) -> tuple[Container, Warnings]:
        """The new container, and docker's warnings for what it had to drop."""
        host_config = body.get("HostConfig") if isinstance(body, dict) else None
        if isinstance(host_config, dict):
            self._networks.network_of(host_config)  # dockerd's 404 for a missing network
        return container_create.create(self._records, self._paths, self._images,
                                       self._volumes, name, body)

    def emit(self, action: str, c: Container, **extra: str) -> None:
        """Report a container event (docker's attributes: image, name, labels)."""
        self._records.emit(action, c, **extra)

    # -- start ------------------------------------------------------------

    async def start(self, ref: str) -> bool:
        """Start; False when it was already running (docker's 304)."""
        c = self.get(ref)
        if c.state.status in ("running", "paused", "restarting"):
            return False
        if c.state.status == "removing" or c.state.status == "dead":
            raise Conflict(f"container {c.id} is marked for removal and cannot be started")
        c.manually_stopped = False
        await self._runs.run(c)
        return True

    def bundle_dir(self, cid: str) -> str:
        return str(self._paths.container(cid))

    def hold_volumes(self, c: Container, holder: str) -> None:
        """A stopped container's volumes with driver options mounted for ``holder`` (cp)."""
        for point in c.mount_points:
            if point.get("Type") == "volume":
                try:
                    self._volumes.store.acquire(self._volumes.store.get(str(point["Name"])),
                                                holder)
                except BaseException:
                    self.release_volumes(c, holder)
                    raise

    def release_volumes(self, c: Container, holder: str) -> None:
        for point in c.mount_points:
            if point.get("Type") == "volume":
                self._volumes.store.release(str(point["Name"]), holder)

    def prepare_bundle(self, c: Container) -> dict[str, Any]:
        """Write the bundle and mount what it needs; the supervisor's start request."""
        return self._runs.prepare_bundle(c)

    # -- wait, kill, remove -----------------------------------------------

    def waiter(self, ref: str, condition: str = "not-running") -> "asyncio.Future[int]":
        """A future for the exit code, registered now: the API answers the head first."""
        if condition not in _WAIT_CONDITIONS:
            raise InvalidArgument(f'invalid condition: "{condition}"')
        c = self.get(ref)
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if condition == "removed":
            self._remove_waiters.setdefault(c.id, []).append(fut)
        elif condition == "not-running" and not c.state.running:
            fut.set_result(c.state.exit_code)
        else:
            self._runs.exit_waiters.setdefault(c.id, []).append(fut)
        return fut

    async def wait(self, ref: str, condition: str = "not-running") -> int:
        return await self.waiter(ref, condition)

    async def kill(self, ref: str, sig: int = signal.SIGKILL) -> None:
        await container_stop.kill(self._records, self._sup, self._runs.exit_waiters, ref, sig)

    async def stop(self, ref: str, timeout: float | None = None,
                   sig: int | None = None) -> bool:
        return await container_stop.stop(self._records, self._sup, self._runs.exit_waiters,
                                         ref, timeout, sig)

    async def restart(self, ref: str, timeout: float | None = None,
                      sig: int | None = None) -> None:
        c = self.get(ref)
        await self.stop(c.id, timeout, sig)
        await self.start(c.id)
        self.emit("restart", c)

    async def pause(self, ref: str) -> None:
        await container_stop.pause(self._records, ref)

    async def unpause(self, ref: str) -> None:
        await container_stop.unpause(self._records, ref)

    def top(self, ref: str, ps_args: str = "-ef") -> dict[str, Any]:
        """docker top: the host's ``ps`` output, keeping the container's processes."""
        c = self.get(ref)
        if c.state.status not in ("running", "paused"):
            raise Conflict(f"Container {c.id} is not running")
        return container_resources.top(c.state.pid, ps_args)

    def update(self, ref: str, changes: dict[str, Any]) -> Warnings:
        """``docker update``: new limits (live when running) and restart policy; docker's
        warnings for what it had to drop."""
        c = self.get(ref)
        host_config, warnings = container_resources.updated_host_config(c.host_config,
                                                                        changes)
        if c.state.running and c.state.pid:
            container_resources.apply_limits(c.state.pid, host_config)
        c.host_config = host_config
        self._records.save(c)
        self.emit("update", c)
        return warnings

    def rename(self, ref: str, new_name: str) -> None:
        c = self.get(ref)
        new_name = new_name.lstrip("/")
        if not valid_name(new_name):
            raise InvalidArgument(f"Invalid container name ({new_name}), only "
                                  "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        if new_name == c.name:
            raise InvalidArgument("Renaming a container with the same name as its current name")
        old = c.name
        c.name = new_name
        try:
            self._records.table.rename(c.id, new_name, c.to_json())
        except BaseException:
            c.name = old
            raise
        self.emit("rename", c, oldName="/" + old)

    async def remove(self, ref: str, force: bool = False, volumes: bool = False) -> None:
        """``volumes`` (``rm -v``, and ``--rm``): its anonymous volumes go too, unless
        another container uses them; named ones always stay."""
        c = self.get(ref)
        if c.state.running:
            if not force:
                raise Conflict(
                    f"You cannot remove a running container {c.id}. Stop the container before "
                    "attempting removal or force remove")
            await self.stop(c.id, timeout=-1)
        await self._busy.wait(c.id)  # a commit reading its dirs finishes first
        if c.id not in self._records.by_id:
            return  # removed meanwhile (AutoRemove)
        del self._records.by_id[c.id]
        self._busy.forget(c.id)
        self._runs.early_stdin.pop(c.id, None)
        hub = self._runs.hubs.pop(c.id, None)
        if hub is not None:  # attached clients of a container that never ran
            hub.close()
        self._records.table.delete(c.id)
        self._runs.release_shm(c)  # rmtree must never descend into a mounted tmpfs
        await asyncio.to_thread(shutil.rmtree, self._paths.container(c.id), True)
        self.emit("destroy", c)
        if volumes:
            await asyncio.to_thread(self._remove_volumes, c)
        for fut in self._remove_waiters.pop(c.id, []):
            if not fut.done():
                fut.set_result(c.state.exit_code)
        for fut in self._runs.exit_waiters.pop(c.id, []):
            if not fut.done():
                fut.set_result(c.state.exit_code)

    def _remove_volumes(self, c: Container) -> None:
        for name in volume_names(c, anonymous_only=True):
            try:
                self._volumes.remove(name)
            except (Conflict, NotFound):
                pass  # another container's too (dockerd says nothing), or gone already

    async def resize(self, ref: str, height: int, width: int) -> None:
        """The container's terminal size (``-t`` only)."""
        c = self.get(ref)
        if not c.state.running:
            raise Conflict(f"Container {c.id} is not running")
        if not c.config.get("Tty"):
            return  # docker accepts it and does nothing
        await self._sup.resize(c.id, height, width, False)

    # -- its files: diff, export, commit (berth.daemon.commit) --------------

    def changes(self, ref: str) -> container_files.Changes:
        c = self.get(ref)
        return container_files.changes(self._images, c, self._paths.container(c.id) / "upper")

    def export(self, ref: str) -> container_files.ByteStream:
        """The tar of the container's root as it sees it (checked before it streams)."""
        c = self.get(ref)
        upper = self._paths.container(c.id) / "upper"
        return container_files.export(container_files.export_dirs(self._images, c, upper))

    async def commit(self, ref: str, repo: str = "", tag: str = "", comment: str = "",
                     author: str = "", changes: tuple[str, ...] = (), pause: bool = True,
                     config: dict[str, Any] | None = None) -> str:
        """``docker commit``: the new image's id; a running container frozen meanwhile."""
        c = self.get(ref)
        req = container_files.request(c, self._paths.container(c.id) / "upper", repo, tag,
                                      comment, author, list(changes), config)
        async with self._busy.hold(c.id):
            if self._records.by_id.get(c.id) is not c:
                raise NotFound(f"No such container: {ref}")  # removed while this waited
            async with container_files.frozen(self, c, pause):
                image_id = await asyncio.to_thread(self._images.commit, req)
                self.emit("commit", c, comment=comment, imageID=image_id,
                          imageRef=req.tag or "")
        return image_id

    # -- attach and logs --------------------------------------------------

    def attach(self, ref: str) -> "asyncio.Queue[Chunk | None]":
        """A queue of the container's output from now until it exits."""
        c = self.get(ref)
        if c.state.status == "exited" or c.state.status == "dead":
            raise Conflict("You cannot attach to a stopped container, start it first")
        self.emit("attach", c)
        return self._runs.hubs.setdefault(c.id, OutputHub()).subscribe()

    def detach(self, ref: str, queue: "asyncio.Queue[Chunk | None]") -> None:
        hub = self._runs.hubs.get(ref)
        if hub is not None:
            hub.unsubscribe(queue)

    async def write_stdin(self, cid: str, data: bytes) -> None:
        """``b""`` closes the container's stdin."""
        session = self._runs.sessions.get(cid)
        if session is not None:
            await session.write_stdin(data)
        elif (self._records.by_id.get(cid) is not None
              and self._records.by_id[cid].state.status == "created"):
            self._runs.early_stdin.setdefault(cid, []).append(data)

    async def close_stdin(self, cid: str) -> None:
        await self.write_stdin(cid, b"")

    def logs(self, ref: str, stdout: bool, stderr: bool, follow: bool, tail: int | None,
             timestamps: bool, since: float = 0.0, until: float = 0.0,
             connected: Callable[[], bool] = lambda: True,
             details: bool = False) -> AsyncIterator[Chunk]:
        """The container's log (checked now, read as the stream is iterated); ``details``:
        each line's attrs before it."""
        c = self.get(ref)
        if LogConfig.from_host_config(c.host_config).driver == "none":
            raise FailedPrecondition("configured logging driver does not support reading")
        return container_logs.read(
            self._paths.container_log(c.id),
            lambda: c.id in self._records.by_id and c.state.running,
            stdout, stderr, follow, tail, timestamps, since, until, connected, details)

    # -- recovery ---------------------------------------------------------

    async def recover(self) -> None:
        """Match the records with what the supervisor still has (live restore)."""
        await container_recovery.recover(self._paths, self._sup, self._records, self._runs)

    def _supervisor_lost(self) -> None:
        """Settle once for all the sessions that end together when the supervisor dies
        (again if another ends meanwhile)."""
        self._lost_again = True
        if self._lost_task is None or self._lost_task.done():
            self._lost_task = asyncio.get_running_loop().create_task(self._settle_lost())

    async def _settle_lost(self) -> None:
        while self._lost_again:
            self._lost_again = False
            try:
                await container_recovery.supervisor_lost(self._paths, self._sup,
                                                         self._records, self._runs)
            except Exception:
                log.exception("could not settle the containers of a lost supervisor")

    async def close(self) -> None:
        if self._lost_task is not None:
            self._lost_task.cancel()
        await self._runs.close()
