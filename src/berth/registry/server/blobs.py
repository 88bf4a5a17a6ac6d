"""``GET``/``HEAD``/``DELETE /v2/<name>/blobs/<digest>``: a blob of a repository.

Reads are served by sendfile (aiohttp's ``FileResponse``), with a single
``Range`` answered 206; the range is checked here first so a bad one gets the
spec's JSON error. Deleting unlinks the blob from the repository; its bytes
stay until ``berth registry gc`` finds no manifest referencing them.
"""

import asyncio
import re

from aiohttp import web

from berth.registry.server.context import check_digest, name_of, state
from berth.registry.server.errors import RegistryError

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def check_range(header: str | None, size: int) -> None:
    """Only one satisfiable byte range (or none) goes on to ``FileResponse``."""
    if header is None:
        return
    m = _RANGE.fullmatch(header.strip())
    unsatisfiable = RegistryError("RANGE_INVALID", "requested range not satisfiable",
                                  {"range": header, "size": size},
                                  headers={"Content-Range": f"bytes */{size}"})
    if m is None or m.group(1) == m.group(2) == "":
        raise unsatisfiable
    first, last = m.group(1), m.group(2)
    if first == "":  # a suffix: the last N bytes
        if int(last) == 0 or size == 0:
            raise unsatisfiable
        return
    if int(first) >= size or (last != "" and int(last) < int(first)):
        raise unsatisfiable


async def get_blob(request: web.Request) -> web.StreamResponse:
    name, digest = name_of(request), check_digest(request.match_info["digest"])
    storage = state(request).storage
    size = await asyncio.to_thread(storage.blob_size, name, digest)
    if size is None:
        raise RegistryError("BLOB_UNKNOWN", "blob unknown to registry", {"digest": digest})
    headers = {"Docker-Content-Digest": digest, "Content-Type": "application/octet-stream",
               "Accept-Ranges": "bytes", "Cache-Control": "max-age=31536000",
               "ETag": f'"{digest}"'}
    if request.method == "GET":
        check_range(request.headers.get("Range"), size)
        return web.FileResponse(storage.blob_path(digest), headers=headers)
    headers["Content-Length"] = str(size)
    return web.Response(status=200, headers=headers)


async def delete_blob(request: web.Request) -> web.Response:
    name, digest = name_of(request), check_digest(request.match_info["digest"])
    if not await asyncio.to_thread(state(request).storage.unlink_blob, name, digest):
        raise RegistryError("BLOB_UNKNOWN", "blob unknown to registry", {"digest": digest})
    return web.Response(status=202, headers={"Docker-Content-Digest": digest,
                                             "Content-Length": "0"})
