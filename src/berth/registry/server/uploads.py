"""Blob uploads: ``POST/PATCH/PUT/GET/DELETE /v2/<name>/blobs/uploads/[<uuid>]``.

An upload session is a row in the registry database (its repository) and an
ingest of the content store under the ref ``registry-upload-<uuid>``: bytes
survive a restart of the server, and a session goes on where it stopped. The
writer of a session stays open between requests (a reopened one hashes again
what is already there), and is closed, keeping its bytes, after a minute idle.
``PUT ?digest=`` commits through the store, which checks the digest before the
blob becomes visible; only then is it linked into the repository.
"""

import asyncio
import contextlib
import hashlib
import re
import time

from aiohttp import web

from berth.content.store import LocalWriter, Writer
from berth.errors import BerthError, InvalidArgument
from berth.registry.server.context import check_digest, check_name, name_of, state
from berth.registry.server.errors import RegistryError
from berth.registry.server.storage import UPLOAD_REF_PREFIX, Storage

_CONTENT_RANGE = re.compile(r"(?:bytes[ =])?(\d+)-(\d+)(?:/\d+|/\*)?")
_FLUSH = 1 << 20
IDLE_SECONDS = 60.0


class Uploads:
    """The open writers of upload sessions, one request at a time per session."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._open: dict[str, tuple[LocalWriter, float]] = {}
        self._busy: set[str] = set()

    async def acquire(self, uuid: str) -> LocalWriter:
        """The session's writer, for this request alone (opened off the loop: a
        reopened ingest is hashed again)."""
        if uuid in self._busy:
            raise RegistryError("BLOB_UPLOAD_INVALID", "another request is writing this upload",
                                {"uuid": uuid})
        self._busy.add(uuid)
        entry = self._open.pop(uuid, None)
        if entry is not None:
            return entry[0]
        try:
            return await asyncio.to_thread(self.storage.content.writer, UPLOAD_REF_PREFIX + uuid)
        except BerthError as e:
            self._busy.discard(uuid)
            raise RegistryError("BLOB_UPLOAD_INVALID", e.message, {"uuid": uuid}) from None

    def release(self, uuid: str, writer: LocalWriter | None) -> None:
        self._busy.discard(uuid)
        if writer is not None:
            self._open[uuid] = (writer, time.monotonic())

    def offset(self, uuid: str) -> int:
        """Bytes received so far, without opening (and hashing) the ingest."""
        entry = self._open.get(uuid)
        if entry is not None:
            return entry[0].size
        ref = hashlib.sha256((UPLOAD_REF_PREFIX + uuid).encode()).hexdigest()
        try:
            return (self.storage.content.ingest / ref / "data").stat().st_size
        except FileNotFoundError:
            return 0

    def close_idle(self, older_than: float = IDLE_SECONDS) -> None:
        now = time.monotonic()
        for uuid, (writer, used) in list(self._open.items()):
            if now - used >= older_than:
                del self._open[uuid]
                writer.__exit__(None, None, None)  # closes, keeping the bytes to resume

    def close_all(self) -> None:
        self.close_idle(older_than=-1)


def _location(name: str, uuid: str) -> str:
    return f"/v2/{name}/blobs/uploads/{uuid}"


def _session_headers(name: str, uuid: str, size: int) -> dict[str, str]:
    return {"Location": _location(name, uuid), "Docker-Upload-UUID": uuid,
            "Range": f"0-{max(size - 1, 0)}", "Content-Length": "0"}


def _created(name: str, digest: str) -> web.Response:
    return web.Response(status=201, headers={
        "Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest,
        "Content-Length": "0"})


async def copy_body(request: web.Request, writer: Writer) -> int:
    """Stream the request body into ``writer``: written and hashed on a thread, a
    megabyte at a time, while the next megabyte is read from the socket."""
    buf = bytearray()
    total = 0
    pending: asyncio.Future[None] | None = None
    try:
        async for chunk in request.content.iter_any():
            buf += chunk
            total += len(chunk)
            if len(buf) >= _FLUSH:
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(asyncio.to_thread(writer.write, buf))
                buf = bytearray()
    finally:
        # Also when the body broke off: the writes end before the writer is released,
        # and the bytes that came are kept, for the client to resume after them.
        if pending is not None:
            await pending
        if buf:
            await asyncio.to_thread(writer.write, buf)
    return total


def _commit(storage: Storage, writer: Writer, name: str, digest: str) -> None:
    try:
        writer.commit(digest)
    except InvalidArgument as e:
        raise RegistryError("DIGEST_INVALID", "provided digest did not match uploaded content",
                            {"digest": digest, "reason": e.message}) from None
    storage.link_blob(name, digest)


async def start_upload(request: web.Request) -> web.Response:
    """POST: a mount, a monolithic upload (``?digest=``), or a new session (202)."""
    name = name_of(request)
    storage = state(request).storage
    mount = request.query.get("mount")
    if mount is not None:
        digest = check_digest(mount)
        source = request.query.get("from")
        if source is not None:
            size = await asyncio.to_thread(storage.blob_size, check_name(source), digest)
        else:
            size = await asyncio.to_thread(storage.stored_size, digest)
        if size is not None:
            await asyncio.to_thread(storage.link_blob, name, digest)
            return _created(name, digest)
    elif "digest" in request.query:
        digest = check_digest(request.query["digest"])
        with storage.content.writer() as writer:
            await copy_body(request, writer)
            await asyncio.to_thread(_commit, storage, writer, name, digest)
        return _created(name, digest)
    uuid = await asyncio.to_thread(storage.start_upload, name)
    return web.Response(status=202, headers=_session_headers(name, uuid, 0))


async def _session(request: web.Request) -> tuple[str, str]:
    name, uuid = name_of(request), request.match_info["uuid"]
    if await asyncio.to_thread(state(request).storage.upload_repo, uuid) != name:
        raise RegistryError("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry",
                            {"uuid": uuid})
    return name, uuid


def _check_content_range(request: web.Request, offset: int) -> None:
    header = request.headers.get("Content-Range")
    if header is None:
        return
    m = _CONTENT_RANGE.fullmatch(header.strip())
    if m is None:
        raise RegistryError("RANGE_INVALID", "invalid content range", {"range": header},
                            headers={"Range": f"0-{max(offset - 1, 0)}"})
    first, last = int(m.group(1)), int(m.group(2))
    if first != offset or last < first:
        raise RegistryError("RANGE_INVALID", f"chunk must start at {offset}",
                            {"range": header, "offset": offset},
                            headers={"Range": f"0-{max(offset - 1, 0)}"})
    length = request.headers.get("Content-Length")
    if length is not None and int(length) != last - first + 1:
        raise RegistryError("SIZE_INVALID", "content length does not match content range",
                            {"range": header, "length": length})


async def patch_upload(request: web.Request) -> web.Response:
    """PATCH: one more chunk (in order: ``Content-Range`` must start where it stopped)."""
    name, uuid = await _session(request)
    uploads = state(request).uploads
    _check_content_range(request, uploads.offset(uuid))
    writer = await uploads.acquire(uuid)
    try:
        _check_content_range(request, writer.size)
        await copy_body(request, writer)
    finally:
        uploads.release(uuid, writer)
    return web.Response(status=202, headers=_session_headers(name, uuid, writer.size))


async def finish_upload(request: web.Request) -> web.Response:
    """PUT ?digest=: the last bytes (if any), the digest checked, the blob linked."""
    name, uuid = await _session(request)
    digest = check_digest(request.query.get("digest"))
    registry = state(request)
    writer = await registry.uploads.acquire(uuid)
    keep: LocalWriter | None = writer  # kept open for a retry unless the commit ran
    try:
        await copy_body(request, writer)
        keep = None
        await asyncio.to_thread(_commit, registry.storage, writer, name, digest)
    finally:
        registry.uploads.release(uuid, keep)
        if keep is None:  # committed, or dropped by the store on a wrong digest
            await asyncio.to_thread(registry.storage.end_upload, uuid)
    return _created(name, digest)


async def upload_status(request: web.Request) -> web.Response:
    name, uuid = await _session(request)
    size = state(request).uploads.offset(uuid)
    headers = _session_headers(name, uuid, size)
    del headers["Content-Length"]
    return web.Response(status=204, headers=headers)


async def cancel_upload(request: web.Request) -> web.Response:
    _, uuid = await _session(request)
    registry = state(request)
    writer = await registry.uploads.acquire(uuid)
    try:
        with contextlib.suppress(BerthError):
            writer.abort()
    finally:
        registry.uploads.release(uuid, None)
    await asyncio.to_thread(registry.storage.end_upload, uuid)
    return web.Response(status=204)
