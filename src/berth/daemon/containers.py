"""The container service: create, start, wait, remove, list, logs, attach.

The supervisor owns the processes; this service owns the records. Every state
change is saved before it is announced, so a daemon killed at any instant
restarts from a record that matches what the supervisor reports.
"""

import asyncio
import json
import logging
import os
import shutil
import signal
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from berth.daemon import blkio, container_resources, ipc, validate
from berth.daemon import commit as container_files
from berth.daemon import logs as container_logs
from berth.daemon.container import Container, State
from berth.daemon.hub import Chunk, OutputHub
from berth.daemon.logs import LogConfig
from berth.daemon.naming import new_id, random_name, valid_name
from berth.daemon.restart import RestartPolicy, next_delay
from berth.daemon.specgen import build_spec, command_of, joined_containers, merge_config
from berth.errors import (
    BerthError,
    CommandNotFound,
    CommandNotInvokable,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from berth.images.service import ImageService
from berth.metadata.containers import ContainerTable
from berth.paths import Paths
from berth.runtime import pause as runtime_pause
from berth.runtime import seccomp
from berth.supervisor.aioclient import Session
from berth.util.timefmt import now_rfc3339, parse_rfc3339

log = logging.getLogger("berth.containers")
Warnings = list[str]  # docker's warnings in a create or update response



class Supervisor(Protocol):
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
EventSink = Callable[[str, str, str, dict[str, str]], None]


def _no_events(type_: str, action: str, id_: str, attributes: dict[str, str]) -> None:
    pass


class ContainerService:
    def __init__(self, paths: Paths, table: ContainerTable, images: ImageService,
                 supervisor: Supervisor) -> None:
        self._paths = paths
        self._table = table
        self._images = images
        self._sup = supervisor
        self._by_id: dict[str, Container] = {}
        self._hubs: dict[str, OutputHub] = {}
        self._exit_waiters: dict[str, list[asyncio.Future[int]]] = {}
        self._remove_waiters: dict[str, list[asyncio.Future[int]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sessions: dict[str, Session] = {}
        # stdin that arrived on an attach before the container started (docker -i).
        self._early_stdin: dict[str, list[bytes]] = {}
        self._busy = container_files.Busy()  # commits reading a container's dirs
        self.on_event: EventSink = _no_events  # the Engine connects its event bus
        for text in table.all():
            c = Container.from_json(text)
            self._by_id[c.id] = c

    # -- lookup -----------------------------------------------------------

    def get(self, ref: str) -> Container:
        """By full id, name, or unique id prefix, as docker resolves them."""
        if ref in self._by_id:
            return self._by_id[ref]
        name = ref.lstrip("/")
        for c in self._by_id.values():
            if c.name == name:
                return c
        if ref:
            matches = [c for c in self._by_id.values() if c.id.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise InvalidArgument(f"multiple IDs found with provided prefix: {ref}")
        raise NotFound(f"No such container: {ref}")

    def list(self, all_: bool = False) -> list[Container]:
        items = sorted(self._by_id.values(), key=lambda c: c.created, reverse=True)
        return [c for c in items if all_ or c.state.running]

    def _save(self, c: Container) -> None:
        self._table.update(c.id, c.to_json())

    # -- create -----------------------------------------------------------

    def create(self, name: str | None, body: dict[str, Any]) -> tuple[Container, Warnings]:
        """The new container, and docker's warnings for what it had to drop."""
        body = validate.create_body(body)
        image_name = body.get("Image")
        if not image_name or not isinstance(image_name, str):
            raise InvalidArgument("config cannot be empty in order to create a container")
        if name is not None and name != "" and not valid_name(name):
            raise InvalidArgument(
                f'Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed')
        image = self._images.resolve(image_name)
        host_config = body.get("HostConfig") or {}
        if not isinstance(host_config, dict):
            raise InvalidArgument("HostConfig must be an object")
        request = {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")}
        config = merge_config(image.config, request)
        config["Image"] = image_name
        argv = command_of(config)
        cid = new_id()
        if not config.get("Hostname"):  # the host's name when sharing the host's network
            host_net = (body.get("HostConfig") or {}).get("NetworkMode") == "host"
            config["Hostname"] = os.uname().nodename if host_net else cid[:12]
        host_config = _default_host_config(host_config)
        # Refuse what the runtime would refuse at start (capabilities, security options,
        # limits) now, as dockerd does, with nothing stored.
        RestartPolicy.from_host_config(host_config)
        LogConfig.from_host_config(host_config)
        for ref in joined_containers(host_config).values():
            self.get(ref)  # NotFound now, as docker's create says it
        host_config = ipc.settle(host_config, self.get)
        host_config, warnings = blkio.checked(host_config)
        spec = build_spec(cid, config, blkio.without_device_limits(host_config), "/",
                          config["Hostname"])
        if spec["linux"].get("seccomp"):
            seccomp.compile_filter(spec["linux"]["seccomp"])  # cached: the next is free
        name = name.lstrip("/") if name else random_name({c.name for c in self._by_id.values()})
        c = Container(
            id=cid, name=name, image_id=image.id, image_ref=image_name, created=now_rfc3339(),
            path=argv[0], args=argv[1:], config=config, host_config=host_config,
        )
        cdir = self._paths.container(cid)
        for sub in ("upper", "work", "merged"):
            (cdir / sub).mkdir(parents=True, exist_ok=True)
        try:
            self._table.insert(cid, name, image.id, image_name, c.to_json(), c.created)
        except BaseException:
            shutil.rmtree(cdir, ignore_errors=True)
            raise
        self._by_id[cid] = c
        self.emit("create", c)
        return c, warnings

    def emit(self, action: str, c: Container, **extra: str) -> None:
        """Report a container event (docker's attributes: image, name, labels)."""
        attrs = {**(c.config.get("Labels") or {}), "image": c.image_ref, "name": c.name,
                 **extra}
        self.on_event("container", action, c.id, attrs)

    # -- start ------------------------------------------------------------

    async def start(self, ref: str) -> bool:
        """Start; False when it was already running (docker's 304)."""
        c = self.get(ref)
        if c.state.status in ("running", "paused", "restarting"):
            return False
        if c.state.status == "removing" or c.state.status == "dead":
            raise Conflict(f"container {c.id} is marked for removal and cannot be started")
        c.manually_stopped = False
        await self._run(c)
        return True

    async def _run(self, c: Container) -> None:
        """Start the container's process (for ``start`` and for restart policies)."""
        hub = self._hubs.setdefault(c.id, OutputHub())
        try:
            request = await asyncio.to_thread(self.prepare_bundle, c)
            reply, session = await self._sup.start(request)
        except (CommandNotFound, CommandNotInvokable) as e:
            self._release_shm(c)
            c.state.exit_code = 127 if isinstance(e, CommandNotFound) else 126
            c.state.error = e.message
            self._save(c)
            self._hubs.pop(c.id, None)
            hub.close()
            if c.host_config.get("AutoRemove"):
                await self.remove(c.id, force=True)  # as dockerd does: `run --rm` waits for it
            raise
        except BaseException:
            self._release_shm(c)
            self._hubs.pop(c.id, None)
            hub.close()
            if c.host_config.get("AutoRemove") and c.id in self._by_id:
                await self.remove(c.id, force=True)
            raise
        c.state = State(status="running", pid=int(reply["pid"]),
                        started_at=reply.get("started_at") or now_rfc3339())
        self._save(c)
        self.emit("start", c)
        self._sessions[c.id] = session
        for data in self._early_stdin.pop(c.id, []):
            await session.write_stdin(data)
        self._spawn(self._follow(c, hub, session))

    def bundle_dir(self, cid: str) -> str:
        return str(self._paths.container(cid))

    def _joined_pids(self, c: Container) -> dict[str, int]:
        """For ``--network container:x`` and friends: x's init pid, x running."""
        pids = {}
        for kind, ref in joined_containers(c.host_config).items():
            other = self.get(ref)
            if not other.state.running or not other.state.pid:
                word = {"network": "network", "ipc": "IPC", "pid": "PID", "uts": "UTS"}[kind]
                raise Conflict(f"cannot join {word} of a non running container: {other.id}")
            pids[kind] = other.state.pid
        return pids

    def prepare_bundle(self, c: Container) -> dict[str, Any]:
        cdir = self._paths.container(c.id)
        image = self._images.resolve(c.image_id)
        mounts = self._images.rootfs_mounts(image, cdir / "upper", cdir / "work")
        shm = ipc.shm_source(c, self._paths, self.get)
        spec = build_spec(c.id, c.config, c.host_config, str(cdir / "merged"),
                          c.config.get("Hostname") or c.id[:12], self._joined_pids(c), shm)
        for m in spec["mounts"]:
            if m.get("type") == "bind" and not os.path.exists(m["source"]):
                os.makedirs(m["source"], exist_ok=True)  # docker creates a missing bind source
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
                "log_max_size": config.max_size, "log_max_file": config.max_files}

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, c: Container, hub: OutputHub, session: Session) -> None:
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
            if self._sessions.get(c.id) is session:
                del self._sessions[c.id]
            if self._hubs.get(c.id) is hub:
                del self._hubs[c.id]
            hub.close()
        if exit_event is None:
            return  # the supervisor went away: recovery will find the exit
        await self._record_exit(c, exit_event)

    def _release_shm(self, c: Container) -> None:
        """Unmount a shareable container's host-side /dev/shm (docker does at stop)."""
        try:
            ipc.release_shm(c.id, self._paths)
        except OSError as e:
            log.warning("could not unmount the /dev/shm of %s: %s", c.id, e)

    async def _record_exit(self, c: Container, event: dict[str, Any]) -> None:
        self._release_shm(c)
        c.state = State(
            status="exited", pid=0, exit_code=int(event.get("exit_code", 255)),
            oom_killed=bool(event.get("oom_killed")), started_at=c.state.started_at,
            finished_at=event.get("finished_at") or now_rfc3339(),
        )
        self._save(c)
        if c.state.oom_killed:
            self.emit("oom", c)
        self.emit("die", c, exitCode=str(c.state.exit_code))
        try:
            await self._sup.forget(c.id)
        except Exception:
            log.warning("supervisor could not forget %s", c.id)
        for fut in self._exit_waiters.pop(c.id, []):
            if not fut.done():
                fut.set_result(c.state.exit_code)
        if c.host_config.get("AutoRemove"):
            await self.remove(c.id, force=True)
            return
        policy = RestartPolicy.from_host_config(c.host_config)
        if policy.after_exit(c.state.exit_code, c.restart_count, c.manually_stopped):
            self._schedule_restart(c)

    def _schedule_restart(self, c: Container) -> None:
        ran = parse_rfc3339(c.state.finished_at) - parse_rfc3339(c.state.started_at)
        c.restart_delay = next_delay(c.restart_delay, ran)
        c.state.status = "restarting"
        self._save(c)
        self._spawn(self._restart_later(c))

    async def _restart_later(self, c: Container) -> None:
        await asyncio.sleep(c.restart_delay)
        if self._by_id.get(c.id) is not c or c.state.status != "restarting":
            return  # stopped or removed meanwhile
        c.restart_count += 1
        try:
            await self._run(c)
        except BerthError as e:
            log.warning("restart of %s failed: %s", c.id, e.message)
            c.state.status = "exited"
            c.state.finished_at = now_rfc3339()
            c.state.error = e.message
            if not c.state.exit_code:
                c.state.exit_code = 128
            self._save(c)
            policy = RestartPolicy.from_host_config(c.host_config)
            if policy.after_exit(c.state.exit_code, c.restart_count, c.manually_stopped):
                self._schedule_restart(c)

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
            self._exit_waiters.setdefault(c.id, []).append(fut)
        return fut

    async def wait(self, ref: str, condition: str = "not-running") -> int:
        return await self.waiter(ref, condition)

    async def kill(self, ref: str, sig: int = signal.SIGKILL) -> None:
        c = self.get(ref)
        if c.state.status == "restarting":
            raise Conflict(f"Container {c.id} is restarting, wait until the container is "
                           "running")
        if not c.state.running:
            raise Conflict(f"Cannot kill container: {ref}: Container {c.id} is not running")
        c.manually_stopped = True
        self._save(c)
        self.emit("kill", c, signal=str(sig))
        await self._sup.kill(c.id, sig)
        await self._thaw_if_paused(c)

    async def _thaw_if_paused(self, c: Container) -> None:
        """A frozen process cannot act on a signal: thaw it after sending one."""
        if c.state.status == "paused":
            await asyncio.to_thread(runtime_pause.resume, c.state.pid)
            c.state.status = "running"
            self._save(c)

    async def stop(self, ref: str, timeout: float | None = None) -> bool:
        c = self.get(ref)
        if c.state.status == "restarting":  # the pending restart sees this and gives up
            c.state.status = "exited"
            c.manually_stopped = True
            self._save(c)
            return True
        if not c.state.running:
            return False
        c.manually_stopped = True
        self._save(c)
        stop_signal = signal_number(c.config.get("StopSignal") or "SIGTERM")
        if timeout is None:
            timeout = float(c.config.get("StopTimeout") or 10)
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._exit_waiters.setdefault(c.id, []).append(fut)
        if timeout >= 0:
            self.emit("kill", c, signal=str(stop_signal))
            await self._sup.kill(c.id, stop_signal)
            await self._thaw_if_paused(c)
            try:
                await asyncio.wait_for(asyncio.shield(fut), timeout)
                self.emit("stop", c)
                return True
            except TimeoutError:
                pass
        if c.state.running:
            await self._sup.kill(c.id, signal.SIGKILL)
            await self._thaw_if_paused(c)
        await fut
        self.emit("stop", c)
        return True

    async def restart(self, ref: str, timeout: float | None = None) -> None:
        c = self.get(ref)
        await self.stop(c.id, timeout)
        await self.start(c.id)
        self.emit("restart", c)

    async def pause(self, ref: str) -> None:
        c = self.get(ref)
        if c.state.status == "paused":
            raise Conflict(f"Container {c.id} is already paused")
        if c.state.status != "running":
            raise Conflict(f"Container {c.id} is not running")
        await asyncio.to_thread(runtime_pause.pause, c.state.pid)
        c.state.status = "paused"
        self._save(c)
        self.emit("pause", c)

    async def unpause(self, ref: str) -> None:
        c = self.get(ref)
        if c.state.status != "paused":
            raise Conflict(f"Container {c.id} is not paused")
        await asyncio.to_thread(runtime_pause.resume, c.state.pid)
        c.state.status = "running"
        self._save(c)
        self.emit("unpause", c)

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
        self._save(c)
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
            self._table.rename(c.id, new_name, c.to_json())
        except BaseException:
            c.name = old
            raise
        self.emit("rename", c, oldName="/" + old)

    async def remove(self, ref: str, force: bool = False) -> None:
        c = self.get(ref)
        if c.state.running:
            if not force:
                raise Conflict(
                    f"You cannot remove a running container {c.id}. Stop the container before "
                    "attempting removal or force remove")
            await self.stop(c.id, timeout=-1)
        await self._busy.wait(c.id)  # a commit reading its dirs finishes first
        if c.id not in self._by_id:
            return  # removed meanwhile (AutoRemove)
        del self._by_id[c.id]
        self._busy.forget(c.id)
        self._early_stdin.pop(c.id, None)
        hub = self._hubs.pop(c.id, None)
        if hub is not None:  # attached clients of a container that never ran
            hub.close()
        self._table.delete(c.id)
        self._release_shm(c)  # rmtree must never descend into a mounted tmpfs
        await asyncio.to_thread(shutil.rmtree, self._paths.container(c.id), True)
        self.emit("destroy", c)
        for fut in self._remove_waiters.pop(c.id, []):
            if not fut.done():
                fut.set_result(c.state.exit_code)
        for fut in self._exit_waiters.pop(c.id, []):
            if not fut.done():
                fut.set_result(c.state.exit_code)

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
            if self._by_id.get(c.id) is not c:
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
        return self._hubs.setdefault(c.id, OutputHub()).subscribe()

    def detach(self, ref: str, queue: "asyncio.Queue[Chunk | None]") -> None:
        hub = self._hubs.get(ref)
        if hub is not None:
            hub.unsubscribe(queue)

    async def write_stdin(self, cid: str, data: bytes) -> None:
        """``b""`` closes the container's stdin."""
        session = self._sessions.get(cid)
        if session is not None:
            await session.write_stdin(data)
        elif self._by_id.get(cid) is not None and self._by_id[cid].state.status == "created":
            self._early_stdin.setdefault(cid, []).append(data)

    async def close_stdin(self, cid: str) -> None:
        await self.write_stdin(cid, b"")

    def logs(self, ref: str, stdout: bool, stderr: bool, follow: bool, tail: int | None,
             timestamps: bool, since: float = 0.0, until: float = 0.0,
             connected: Callable[[], bool] = lambda: True) -> AsyncIterator[Chunk]:
        """The container's log (checked now, read as the stream is iterated)."""
        c = self.get(ref)
        if LogConfig.from_host_config(c.host_config).driver == "none":
            raise FailedPrecondition("configured logging driver does not support reading")
        return container_logs.read(
            self._paths.container_log(c.id), lambda: c.id in self._by_id and c.state.running,
            stdout, stderr, follow, tail, timestamps, since, until, connected)

    # -- recovery ---------------------------------------------------------

    async def recover(self) -> None:
        """Match the records with what the supervisor still has (live restore)."""
        known = (await self._sup.state()).get("containers", {})
        # Host-side /dev/shm mounts of containers not running by the records: a berthd
        # killed between a mount and the record of an exit. The running ones' exits
        # found below release theirs.
        ipc.sweep(self._paths, {c.id for c in self._by_id.values()
                                if c.state.status in ("running", "paused")})
        for c in list(self._by_id.values()):
            if c.state.status == "restarting":  # berthd stopped during the back-off
                self._schedule_restart(c)
                continue
            if not c.state.running:
                policy = RestartPolicy.from_host_config(c.host_config)
                if c.state.status == "exited" and policy.at_daemon_start(
                        c.state.exit_code, c.restart_count, c.manually_stopped):
                    self._schedule_restart(c)
                continue
            info = known.get(c.id)
            if info is None:
                await self._record_exit(c, {"exit_code": 255, "finished_at": now_rfc3339()})
                c.state.error = "container was lost while berthd was down"
                self._save(c)
            elif info.get("status") == "exited":
                await self._record_exit(c, {"exit_code": info.get("exit_code", 255),
                                            "finished_at": info.get("finished_at")})
            else:
                hub = self._hubs.setdefault(c.id, OutputHub())
                self._spawn(self._follow(c, hub, await self._sup.attach(c.id)))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _default_host_config(hc: dict[str, Any]) -> dict[str, Any]:
    out = dict(hc)
    out["NetworkMode"] = hc.get("NetworkMode") or "default"
    if not (out.get("LogConfig") or {}).get("Type"):
        out["LogConfig"] = {"Type": "json-file", "Config": {}}
    out.setdefault("RestartPolicy", {"Name": "no", "MaximumRetryCount": 0})
    out.setdefault("AutoRemove", False)
    out.setdefault("Binds", None)
    return out


def signal_number(name: str | int) -> int:
    if isinstance(name, int):
        return name
    text = name.upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    try:
        return int(signal.Signals[text])
    except KeyError:
        raise InvalidArgument(f"Invalid signal: {name}") from None
