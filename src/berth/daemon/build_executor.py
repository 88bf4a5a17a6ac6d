"""The builder's ``Executor``: each RUN in a real container, started as ``berth run`` starts one.

The step's spec is made by ``berth.daemon.specgen.build_spec`` (docker's default
isolation: namespaces, capabilities, seccomp, masked paths, cgroup limits) and
the supervisor starts it in the bundle ``containers/<id>``, streaming its output
back; the root is the builder's overlay (the stage's layers under the step's
upper dir). The container has no record: it lives for the step only, and its
bundle is removed as soon as it exits, or when the step is cancelled (it is
killed first). ``put_archive`` writes a tar into a step's root through the
supervisor's archive helper, which mounts that root in a private namespace and
resolves every name inside it (``berth.runtime.archive``).
"""

import asyncio
import contextlib
import json
import secrets
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from berth.builder.backend import JSON, Output, RunRequest
from berth.daemon.specgen import build_spec
from berth.errors import FailedPrecondition, InvalidArgument
from berth.paths import Paths
from berth.supervisor.aioclient import Session

_LIMITS = ("Memory", "MemorySwap", "CpuShares", "CpuPeriod", "CpuQuota", "CpusetCpus",
           "CpusetMems", "ShmSize")


class Supervisor(Protocol):
    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]: ...
    async def kill(self, cid: str, sig: int) -> None: ...
    async def forget(self, cid: str) -> None: ...
    async def archive(self, request: dict[str, Any]) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]: ...


class BuildExecutor:
    def __init__(self, paths: Paths, supervisor: Supervisor) -> None:
        self._paths = paths
        self._sup = supervisor

    def _bundle(self, cid: str, spec: JSON) -> Path:
        cdir = self._paths.container(cid)
        (cdir / "merged").mkdir(parents=True, mode=0o700)
        (cdir / "config.json").write_text(json.dumps(spec))
        return cdir

    async def run(self, req: RunRequest, output: Output) -> int:
        hostname = req.id[:12]
        config = {"Cmd": req.argv, "Entrypoint": None, "Env": req.env, "User": req.user,
                  "WorkingDir": req.workdir, "Hostname": hostname}
        host_config: JSON = {"NetworkMode": req.network}
        host_config.update({k: v for k, v in req.resources.items() if k in _LIMITS and v})
        cdir = self._paths.container(req.id)
        spec = build_spec(req.id, config, host_config, str(cdir / "merged"), hostname)
        spec["mounts"] += req.mounts
        hosts = _hosts(req.extra_hosts) if req.extra_hosts else None
        if hosts is not None:
            spec["mounts"].append({"destination": "/etc/hosts", "type": "bind",
                                   "source": str(cdir / "hosts"), "options": ["rbind", "ro"]})
        await asyncio.to_thread(self._bundle, req.id, spec)
        try:
            if hosts is not None:
                (cdir / "hosts").write_text(hosts)
            return await self._follow(req, cdir, output)
        finally:
            await asyncio.to_thread(shutil.rmtree, cdir, True)

    async def _follow(self, req: RunRequest, cdir: Path, output: Output) -> int:
        request = {"op": "start", "id": req.id, "bundle": str(cdir),
                   "rootfs_mounts": req.rootfs_mounts, "log_path": None, "open_stdin": False,
                   "tty": False, "stream": True}
        exit_event: dict[str, Any] | None = None
        start = asyncio.ensure_future(self._sup.start(request))
        try:
            _, session = await asyncio.shield(start)
            async for item in session.events():
                if isinstance(item, dict):
                    exit_event = item
                    break
                output(*item)
        except asyncio.CancelledError:
            # the start goes on to its reply, then the step is killed: a cancel that
            # comes while the container starts leaves none behind
            await asyncio.shield(self._stop(req.id, start))
            raise
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._forget(req.id, exit_event is None))
        if exit_event is None:
            raise FailedPrecondition(f"the build step {req.id[:12]} ended without an exit code")
        return int(exit_event.get("exit_code", 255))

    async def _stop(self, cid: str, start: "asyncio.Future[Any]") -> None:
        try:
            await start
        except Exception:
            return  # it never started
        with contextlib.suppress(Exception):
            await self._sup.kill(cid, signal.SIGKILL)

    async def _forget(self, cid: str, killed: bool) -> None:
        """The supervisor drops the step once it has exited (a killed one shortly after)."""
        for _ in range(200 if killed else 1):
            try:
                await self._sup.forget(cid)
                return
            except Exception:
                await asyncio.sleep(0.05)

    async def put_archive(self, rootfs_mounts: list[JSON], path: str,
                          tar: AsyncIterator[bytes]) -> None:
        cid = "build-" + secrets.token_hex(16)
        cdir = await asyncio.to_thread(
            self._bundle, cid, {"root": {"path": str(self._paths.container(cid) / "merged")},
                                "mounts": []})
        try:
            reader, writer = await self._sup.archive({
                "id": cid, "mode": "put", "path": path, "bundle": str(cdir),
                "rootfs_mounts": rootfs_mounts, "no_overwrite_dir_non_dir": False})
            try:
                _check(json.loads(await reader.readline() or b"{}"), path)
                async for data in tar:
                    writer.write(data)
                    await writer.drain()
                if writer.can_write_eof():
                    writer.write_eof()
                _check(json.loads(await reader.readline() or b'{"error": "failed"}'), path)
            finally:
                writer.close()
        finally:
            await asyncio.to_thread(shutil.rmtree, cdir, True)


def _hosts(extra: list[str]) -> str:
    """/etc/hosts for ``--add-host name:ip`` (berth has no network to write one from)."""
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    for entry in extra:
        name, sep, ip = entry.partition(":")
        if not sep or not name or not ip:
            raise InvalidArgument(f"invalid IP address in add-host: {ip!r}")
        lines.append(f"{ip}\t{name}")
    return "\n".join(lines) + "\n"


def _check(header: JSON, path: str) -> None:
    error = header.get("error")
    if error:
        raise FailedPrecondition(f"copying to {path}: {header.get('message') or error}")
