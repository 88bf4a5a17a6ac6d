"""A container's runs: its bundle, its start, its exit, and restarts by policy.

``Runs`` prepares the bundle and asks the supervisor to start it, relays the
session's output to the attached clients, and records the exit the session ends
with (before the waiters hear of it); a restart policy then brings the container
back after docker's back-off (``berth.daemon.restart``).
"""

import asyncio
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from berth.daemon import ipc
from berth.daemon.container import Container, State
from berth.daemon.container_records import Records
from berth.daemon.hub import OutputHub
from berth.daemon.logs import LogConfig, log_attributes
from berth.daemon.restart import RestartPolicy, next_delay
from berth.daemon.specgen import build_spec, joined_containers
from berth.daemon.volume_mounts import oci_mounts
from berth.errors import BerthError, CommandNotFound, CommandNotInvokable, Conflict
from berth.images.service import ImageService
from berth.paths import Paths
from berth.supervisor.aioclient import Session
from berth.util.timefmt import now_rfc3339, parse_rfc3339

log = logging.getLogger("berth.containers")
ExitWaiters = dict[str, list[asyncio.Future[int]]]


class Supervisor(Protocol):
    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]: ...
    async def forget(self, cid: str) -> None: ...


class Remove(Protocol):
    """``ContainerService.remove``: an AutoRemove container goes when its run ends (with
    its anonymous volumes, as dockerd removes them)."""

    async def __call__(self, ref: str, force: bool = False, volumes: bool = False) -> None: ...


class Volumes(Protocol):
    """``VolumeService``: a run's volumes mounted before it and let go after it."""

    def mount(self, cid: str, points: list[dict[str, Any]]) -> None: ...
    def unmount(self, cid: str, points: list[dict[str, Any]]) -> None: ...


class Networks(Protocol):
    """``ContainerNetworks``: a run's endpoint made before it and undone after it."""

    def attach(self, c: Container) -> str | None: ...
    def release(self, c: Container) -> None: ...


class Runs:
    def __init__(self, paths: Paths, images: ImageService, supervisor: Supervisor,
                 records: Records, remove: Remove, volumes: Volumes,
                 networks: Networks) -> None:
        self._paths = paths
        self._volumes = volumes
        self._networks = networks
        self._images = images
        self._sup = supervisor
        self._records = records
        self._remove = remove
        self.hubs: dict[str, OutputHub] = {}
        self.sessions: dict[str, Session] = {}
        # stdin that arrived on an attach before the container started (docker -i).
        self.early_stdin: dict[str, list[bytes]] = {}
        self.exit_waiters: ExitWaiters = {}  # resolved with the code of the next exit
        # Called when a run's session ends without its exit (the supervisor died).
        self.lost: Callable[[], None] = lambda: None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, c: Container) -> None:
        """Start the container's process (for ``start`` and for restart policies)."""
        hub = self.hubs.setdefault(c.id, OutputHub())
        try:
            request = await asyncio.to_thread(self._prepare_run, c)
            reply, session = await self._sup.start(request)
        except (CommandNotFound, CommandNotInvokable) as e:
            self.release_shm(c)
            self.release_volumes(c)
            self.release_networks(c)
            c.state.exit_code = 127 if isinstance(e, CommandNotFound) else 126
            c.state.error = e.message
            self._records.save(c)
            self.hubs.pop(c.id, None)
            hub.close()
            if c.host_config.get("AutoRemove"):  # as dockerd does: `run --rm` waits for it
                await self._remove(c.id, force=True, volumes=True)
            raise
        except BaseException:
            self.release_shm(c)
            self.release_volumes(c)
            self.release_networks(c)
            self.hubs.pop(c.id, None)
            hub.close()
            if c.host_config.get("AutoRemove") and c.id in self._records.by_id:
                await self._remove(c.id, force=True, volumes=True)
            raise
        c.state = State(status="running", pid=int(reply["pid"]),
                        started_at=reply.get("started_at") or now_rfc3339())
        self._records.save(c)
        self._records.emit("start", c)
        self.sessions[c.id] = session
        for data in self.early_stdin.pop(c.id, []):
            await session.write_stdin(data)
        self.spawn(self.follow(c, hub, session))

    # -- the bundle -------------------------------------------------------

    def _joined_pids(self, c: Container) -> dict[str, int]:
        """For ``--network container:x`` and friends: x's init pid, x running."""
        pids = {}
        for kind, ref in joined_containers(c.host_config).items():
            other = self._records.get(ref)
            if not other.state.running or not other.state.pid:
                word = {"network": "network", "ipc": "IPC", "pid": "PID", "uts": "UTS"}[kind]
                raise Conflict(f"cannot join {word} of a non running container: {other.id}")
            pids[kind] = other.state.pid
        return pids

    def _prepare_run(self, c: Container) -> dict[str, Any]:
        """The start request, with the container's volumes mounted for it."""
        if c.mount_points:
            self._volumes.mount(c.id, c.mount_points)
        return self.prepare_bundle(c)

    def prepare_bundle(self, c: Container) -> dict[str, Any]:
        cdir = self._paths.container(c.id)
        image = self._images.resolve(c.image_id)
        mounts = self._images.rootfs_mounts(image, cdir / "upper", cdir / "work")
        shm = ipc.shm_source(c, self._paths, self._records.get)
        spec = build_spec(c.id, c.config, c.host_config, str(cdir / "merged"),
                          c.config.get("Hostname") or c.id[:12], self._joined_pids(c), shm,
                          oci_mounts(c.mount_points))
        for m in spec["mounts"]:
            if m.get("type") == "bind" and not os.path.exists(m["source"]):
                os.makedirs(m["source"], exist_ok=True)  # docker creates a missing bind source
        netns_path = self._networks.attach(c)
        if netns_path is not None:
            joined_network(spec, netns_path, cdir / "hosts", c)
        tmp = cdir / "config.json.tmp"
        tmp.write_text(json.dumps(spec))
        tmp.replace(cdir / "config.json")
        (cdir / "hostname").write_text(spec.get("hostname", c.id[:12]) + "\n")
        ipc.mount_shm(c, self._paths)  # last: a failure before it leaves nothing mounted
        return {
            "op": "start", "id": c.id, "bundle": str(cdir), "rootfs_mounts": mounts,
            **self._log_options(c),
            "open_stdin": bool(c.config.get("OpenStdin")), "tty": bool(c.config.get("Tty")),
            "stream": True,
        }

    def _log_options(self, c: Container) -> dict[str, Any]:
        config = LogConfig.from_host_config(c.host_config)
        if config.driver == "none":
            return {"log_path": None}
        return {"log_path": str(self._paths.container_log(c.id)),
                "log_max_size": config.max_size, "log_max_file": config.max_files,
                "log_attrs": log_attributes(c.config, c.host_config)}

    # -- following a run to its exit --------------------------------------

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def follow(self, c: Container, hub: OutputHub, session: Session) -> None:
        """Relay output until the exit event, then record the exit."""
        exit_event: dict[str, Any] | None = None
        try:
            async for item in session.events():
                if isinstance(item, dict):
                    exit_event = item
                    break
                hub.publish(*item)
        except Exception:
            log.exception("lost the output stream of %s", c.id)
        finally:
            if self.sessions.get(c.id) is session:
                del self.sessions[c.id]
            if self.hubs.get(c.id) is hub:
                del self.hubs[c.id]
            hub.close()
        if exit_event is None:
            self.lost()  # the supervisor went away (a berthd closing cancels us instead)
            return
        await self.record_exit(c, exit_event)

    def release_shm(self, c: Container) -> None:
        """Unmount a shareable container's host-side /dev/shm (docker does at stop)."""
        try:
            ipc.release_shm(c.id, self._paths)
        except OSError as e:
            log.warning("could not unmount the /dev/shm of %s: %s", c.id, e)

    def release_networks(self, c: Container) -> None:
        """The run is over: its veth, namespace file and address go."""
        try:
            self._networks.release(c)
        except OSError as e:
            log.warning("could not remove the network endpoint of %s: %s", c.id, e)

    def release_volumes(self, c: Container) -> None:
        """The run is over: its volumes let go (the last user unmounts a driver mount)."""
        if not c.mount_points:
            return
        try:
            self._volumes.unmount(c.id, c.mount_points)
        except OSError as e:
            log.warning("could not unmount the volumes of %s: %s", c.id, e)

    async def record_exit(self, c: Container, event: dict[str, Any]) -> None:
        self.release_shm(c)
        self.release_volumes(c)
        self.release_networks(c)
        c.state = State(
            status="exited", pid=0, exit_code=int(event.get("exit_code", 255)),
            error=str(event.get("error") or ""),
            oom_killed=bool(event.get("oom_killed")), started_at=c.state.started_at,
            finished_at=event.get("finished_at") or now_rfc3339(),
        )
        self._records.save(c)
        if c.state.oom_killed:
            self._records.emit("oom", c)
        self._records.emit("die", c, exitCode=str(c.state.exit_code))
        try:
            await self._sup.forget(c.id)
        except Exception:
            log.warning("supervisor could not forget %s", c.id)
        for fut in self.exit_waiters.pop(c.id, []):
            if not fut.done():
                fut.set_result(c.state.exit_code)
        if c.host_config.get("AutoRemove"):
            await self._remove(c.id, force=True, volumes=True)
            return
        policy = RestartPolicy.from_host_config(c.host_config)
        if policy.after_exit(c.state.exit_code, c.restart_count, c.manually_stopped):
            self.schedule_restart(c)

    # -- restart policies -------------------------------------------------

    def schedule_restart(self, c: Container) -> None:
        ran = parse_rfc3339(c.state.finished_at) - parse_rfc3339(c.state.started_at)
        c.restart_delay = next_delay(c.restart_delay, ran)
        c.state.status = "restarting"
        self._records.save(c)
        self.spawn(self._restart_later(c))

    async def _restart_later(self, c: Container) -> None:
        await asyncio.sleep(c.restart_delay)
        if self._records.by_id.get(c.id) is not c or c.state.status != "restarting":
            return  # stopped or removed meanwhile
        c.restart_count += 1
        try:
            await self.run(c)
        except BerthError as e:
            log.warning("restart of %s failed: %s", c.id, e.message)
            c.state.status = "exited"
            c.state.finished_at = now_rfc3339()
            c.state.error = e.message
            if not c.state.exit_code:
                c.state.exit_code = 128
            self._records.save(c)
            policy = RestartPolicy.from_host_config(c.host_config)
            if policy.after_exit(c.state.exit_code, c.restart_count, c.manually_stopped):
                self.schedule_restart(c)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def joined_network(spec: dict[str, Any], netns_path: str, hosts: Path, c: Container) -> None:
    """The spec joins the namespace file made for it, and gets dockerd's /etc/hosts
    (localhost, then the container's address and hostname)."""
    for ns in spec["linux"]["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = netns_path
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
             "fe00::0\tip6-localnet", "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes",
             "ff02::2\tip6-allrouters"]
    hostname = spec.get("hostname") or c.id[:12]
    lines += [f"{rec['ip']}\t{hostname}" for rec in c.endpoints.values()]
    tmp = hosts.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(hosts)
    if not any(m.get("destination") == "/etc/hosts" for m in spec["mounts"]):
        spec["mounts"].append({"destination": "/etc/hosts", "type": "bind",
                               "source": str(hosts), "options": ["rbind", "rprivate"]})
