"""``docker cp`` through the archive API: stat, get and put a path in a container.

The supervisor forks a child that works inside the container's root
(``berth.runtime.archive``); this module asks for it and relays the answer: a
JSON header line, then tar bytes. A container that is not running is served
from its overlay, mounted in the child's own mount namespace only.
"""

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any, Protocol

from berth.daemon.containers import ContainerService
from berth.errors import FailedPrecondition, InvalidArgument, NotFound


class Supervisor(Protocol):
    async def archive(self, request: dict[str, Any]) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]: ...


def _check(header: dict[str, Any], path: str, container: str) -> dict[str, Any]:
    error = header.get("error")
    if error == "not_found":
        raise NotFound(f"Could not find the file {path} in container {container}")
    if error == "invalid":
        raise InvalidArgument(str(header.get("message") or "invalid path"))
    if error:
        raise FailedPrecondition(str(header.get("message") or "archive failed"))
    return header


class ArchiveService:
    def __init__(self, containers: ContainerService, supervisor: Supervisor) -> None:
        self._containers = containers
        self._sup = supervisor

    async def _open(self, ref: str, mode: str, path: str, no_overwrite: bool = False,
                    copy_uid_gid: bool = False
                    ) -> tuple[str, dict[str, Any], asyncio.StreamReader,
                               asyncio.StreamWriter]:
        """The helper's connection and its first line, read: by then it is inside."""
        if not path:
            raise InvalidArgument("path cannot be empty")
        c = self._containers.get(ref)
        holder = ""
        if c.state.running:
            bundle: dict[str, Any] = {"bundle": self._containers.bundle_dir(c.id),
                                      "rootfs_mounts": []}
        else:  # its overlay is mounted for the request, in the helper's own namespace
            if c.mount_points:  # volumes with driver options too, as dockerd mounts them
                holder = f"archive-{secrets.token_hex(8)}"
                await asyncio.to_thread(self._containers.hold_volumes, c, holder)
            try:
                bundle = await asyncio.to_thread(self._containers.prepare_bundle, c)
            except BaseException:
                if holder:
                    await asyncio.to_thread(self._containers.release_volumes, c, holder)
                raise
        request = {"id": c.id, "mode": mode, "path": path, "bundle": bundle["bundle"],
                   "rootfs_mounts": bundle["rootfs_mounts"],
                   "no_overwrite_dir_non_dir": no_overwrite,
                   # copyUIDGID: dockerd chowns to the container's user, when it has one
                   "owner": str(c.config.get("User") or "") if copy_uid_gid else ""}
        try:
            reader, writer = await self._sup.archive(request)
            try:
                header = json.loads(await reader.readline() or b"{}")
            except BaseException:
                writer.close()
                raise
        finally:  # the helper holds its own binds of them now: the host's go
            if holder:
                await asyncio.to_thread(self._containers.release_volumes, c, holder)
        return c.name, header, reader, writer

    async def stat(self, ref: str, path: str) -> dict[str, Any]:
        name, header, _, writer = await self._open(ref, "stat", path)
        try:
            return dict(_check(header, path, name)["stat"])
        finally:
            writer.close()

    async def get(self, ref: str, path: str) -> tuple[dict[str, Any], AsyncIterator[bytes]]:
        """The path's stat and its tar, streamed."""
        name, header, reader, writer = await self._open(ref, "get", path)
        try:
            header = _check(header, path, name)
        except BaseException:
            writer.close()
            raise

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while data := await reader.read(1 << 16):
                    yield data
            finally:
                writer.close()
        return dict(header["stat"]), chunks()

    async def put(self, ref: str, path: str, body: AsyncIterator[bytes],
                  no_overwrite_dir_non_dir: bool = False, copy_uid_gid: bool = False) -> None:
        """Extract the tar ``body`` into the directory ``path``; ``copy_uid_gid``: owned
        by the container's user if it has one (else the tar's owners stay, as without)."""
        name, header, reader, writer = await self._open(ref, "put", path,
                                                        no_overwrite_dir_non_dir, copy_uid_gid)
        try:
            _check(header, path, name)
            async for data in body:
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
            _check(json.loads(await reader.readline() or b'{"error": "failed"}'), path, name)
        finally:
            writer.close()
