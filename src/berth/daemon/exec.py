"""``docker exec``: exec instances, created on a running container and started once.

An instance keeps docker's ``ExecConfig`` and its outcome (running, pid, exit
code) in memory, as dockerd does; it goes with its container. The process is
built from the container's own (the bundle's ``config.json``, written at
start): its environment plus ``Env``, its user unless ``User`` is given, its
capabilities unless ``Privileged``, its seccomp filter and namespaces. The
supervisor starts it (``op: exec``) and streams its stdio like a container's.
"""

import asyncio
import contextlib
import json
import secrets
import signal
from dataclasses import dataclass, field
from typing import Any, Protocol

from berth.daemon import validate
from berth.daemon.containers import ContainerService
from berth.daemon.specgen import host_capabilities, merge_env, process_user
from berth.errors import (
    BerthError,
    CommandNotFound,
    CommandNotInvokable,
    Conflict,
    InvalidArgument,
    NotFound,
)
from berth.oci.spec import capabilities
from berth.paths import Paths
from berth.supervisor.aioclient import Session
from berth.util.detachkeys import detach_keys


class Supervisor(Protocol):
    async def exec(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]: ...
    async def resize(self, id_: str, height: int, width: int, exec_: bool) -> None: ...
    async def kill(self, cid: str, sig: int, exec_: bool = False) -> None: ...
    async def forget(self, cid: str) -> None: ...


@dataclass
class ExecInstance:
    id: str
    container_id: str
    config: dict[str, Any]  # docker's ExecConfig as created
    process: dict[str, Any]  # the OCI process the supervisor runs
    running: bool = False
    started: bool = False
    pid: int = 0
    exit_code: int | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    up: asyncio.Event = field(default_factory=asyncio.Event)  # its process runs
    detach_keys: bytes = b""  # what ends a client's session on a tty exec
    detached: bool = False  # its client left with them

    def inspect(self) -> dict[str, Any]:
        cmd = list(self.config.get("Cmd") or [])
        return {
            "ID": self.id, "ContainerID": self.container_id, "Running": self.running,
            "ExitCode": self.exit_code, "Pid": self.pid, "CanRemove": False,
            "DetachKeys": self.config.get("DetachKeys") or "",
            "OpenStdin": bool(self.config.get("AttachStdin")),
            "OpenStdout": bool(self.config.get("AttachStdout")),
            "OpenStderr": bool(self.config.get("AttachStderr")),
            "ProcessConfig": {"tty": bool(self.config.get("Tty")), "entrypoint": cmd[0],
                              "arguments": cmd[1:],
                              "privileged": bool(self.config.get("Privileged")),
                              "user": self.config.get("User") or ""},
        }


def exec_process(base: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The exec's OCI process from the container's ``base`` process and the ExecConfig."""
    cmd = config.get("Cmd")
    if not isinstance(cmd, list) or not cmd or not all(isinstance(a, str) for a in cmd):
        raise InvalidArgument("No exec command specified")
    proc = json.loads(json.dumps(base))  # a deep copy of plain JSON
    proc["args"] = list(cmd)
    proc["terminal"] = bool(config.get("Tty"))
    size = console_size(config.get("ConsoleSize"))
    if size:
        proc["consoleSize"] = size
    proc["env"] = merge_env(base.get("env"), config.get("Env") or [])
    if config.get("WorkingDir"):
        if not str(config["WorkingDir"]).startswith("/"):
            raise InvalidArgument(f"the working directory '{config['WorkingDir']}' is invalid, "
                                  "it needs to be an absolute path")
        proc["cwd"] = config["WorkingDir"]
    if config.get("User"):
        proc["user"] = process_user(str(config["User"]))
    if config.get("Privileged"):
        caps = capabilities(privileged=True, available=host_capabilities())
        proc["capabilities"] = {k: list(caps) for k in ("bounding", "effective", "permitted")}
    return proc


def console_size(value: object) -> dict[str, int] | None:
    """docker's ``ConsoleSize`` ``[height, width]`` as OCI ``process.consoleSize``."""
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        return {"height": value[0], "width": value[1]}
    return None


class ExecService:
    def __init__(self, paths: Paths, containers: ContainerService,
                 supervisor: Supervisor) -> None:
        self._paths = paths
        self._containers = containers
        self._sup = supervisor
        self._execs: dict[str, ExecInstance] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def create(self, ref: str, config: dict[str, Any]) -> ExecInstance:
        if not isinstance(config, dict):
            raise InvalidArgument("exec config must be an object")
        validate.exec_body(config)
        c = self._containers.get(ref)
        if c.state.status == "paused":
            raise Conflict(f"Container {c.id} is paused, unpause the container before exec")
        if not c.state.running:
            raise Conflict(f"Container {c.id} is not running")
        try:
            keys = detach_keys(config.get("DetachKeys"))
        except InvalidArgument:  # dockerd names the whole setting
            raise InvalidArgument(
                f"Invalid escape keys ({config['DetachKeys']}) provided") from None
        spec = json.loads((self._paths.container(c.id) / "config.json").read_text())
        instance = ExecInstance(secrets.token_hex(32), c.id, dict(config),
                                exec_process(spec["process"], config), detach_keys=keys)
        self._forget_removed()
        self._execs[instance.id] = instance
        self._containers.emit("exec_create: " + " ".join(instance.config["Cmd"]), c,
                              execID=instance.id)
        return instance

    def get(self, exec_id: str) -> ExecInstance:
        self._forget_removed()
        instance = self._execs.get(exec_id)
        if instance is None:
            raise NotFound(f"No such exec instance: {exec_id}")
        return instance

    def _forget_removed(self) -> None:
        for instance in list(self._execs.values()):
            try:
                self._containers.get(instance.container_id)
            except NotFound:
                del self._execs[instance.id]

    async def start(self, exec_id: str) -> Session:
        """Start the process; its session streams the output and ends with its exit."""
        instance = self.get(exec_id)
        if instance.started:
            state = "is already running" if instance.running else "has already run"
            raise Conflict(f"Error: Exec command {exec_id} {state}")
        c = self._containers.get(instance.container_id)
        if not c.state.running or c.state.status == "paused":
            raise Conflict(f"Container {c.id} is not running")
        instance.started = True
        try:
            reply, session = await self._sup.exec({
                "id": instance.id, "container": c.id,
                "bundle": str(self._paths.container(c.id)), "process": instance.process,
                "open_stdin": bool(instance.config.get("AttachStdin")), "stream": True})
        except (CommandNotFound, CommandNotInvokable) as e:
            self._finish(instance, 127 if isinstance(e, CommandNotFound) else 126)
            raise
        except BaseException:
            self._finish(instance, 126)
            raise
        instance.running = True
        instance.up.set()
        instance.pid = int(reply.get("pid") or 0)
        self._containers.emit("exec_start: " + " ".join(instance.config["Cmd"]), c,
                              execID=instance.id)
        return session

    def finished(self, instance: ExecInstance, event: dict[str, Any] | None) -> None:
        """Record the exit event the session ended with (None: the supervisor went away)."""
        code = int(event.get("exit_code", 255)) if event else 255
        if instance.detached:
            code = 126
        self._finish(instance, code)
        try:
            c = self._containers.get(instance.container_id)
        except NotFound:
            pass
        else:
            self._containers.emit("exec_die", c, execID=instance.id, exitCode=str(code))
        task = asyncio.get_running_loop().create_task(self._forget(instance.id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _finish(self, instance: ExecInstance, code: int) -> None:
        instance.running = False
        instance.exit_code = code
        instance.done.set()

    async def _forget(self, exec_id: str) -> None:
        try:
            await self._sup.forget(exec_id)
        except Exception:
            pass

    async def drain(self, instance: ExecInstance, session: Session) -> None:
        """Run a detached exec to its end: its output is dropped, as docker's is."""
        event: dict[str, Any] | None = None
        async for item in session.events():
            if isinstance(item, dict):
                event = item
        self.finished(instance, event)

    def detach(self, instance: ExecInstance, session: Session) -> None:
        task = asyncio.get_running_loop().create_task(self.drain(instance, session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def hang_up(self, instance: ExecInstance) -> None:
        """A client detached from a tty exec: its terminal is gone, and its process hears
        SIGHUP, as under dockerd (containerd closes the console once the exec's stdin
        ends). dockerd records the exec as failed (126) at once: so is it here, before
        the client hears of it."""
        instance.detached = True
        self._finish(instance, 126)
        with contextlib.suppress(BerthError):  # it has exited already
            await self._sup.kill(instance.id, signal.SIGHUP, True)

    async def resize(self, exec_id: str, height: int, width: int) -> None:
        instance = self.get(exec_id)
        if instance.started and not instance.running and not instance.done.is_set():
            # a client that resizes right after the start (docker 20.10): wait for it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(instance.up.wait(), 5)
        if not instance.running:
            raise Conflict(f"Exec {exec_id} is not running")
        await self._sup.resize(exec_id, height, width, True)
