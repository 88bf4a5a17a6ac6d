"""``/containers/{id}/archive``: HEAD (stat), GET (a tar of a path), PUT (extract a tar),
with the path's stat in ``X-Docker-Container-Path-Stat`` (base64 JSON), as dockerd."""

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.api.streams import stream_response
from berth.daemon.engine import Engine
from berth.errors import InvalidArgument

STAT_HEADER = "X-Docker-Container-Path-Stat"


def _stat_header(stat: dict[str, Any]) -> dict[str, str]:
    return {STAT_HEADER: base64.b64encode(json.dumps(stat).encode()).decode()}


def _path(request: web.Request) -> str:
    path = request.query.get("path")
    if not path:
        raise InvalidArgument("path cannot be empty")
    return path


def register(router: Router, engine: Engine) -> None:
    archives = engine.archives

    async def head(request: web.Request) -> web.Response:
        stat = await archives.stat(request.match_info["id"], _path(request))
        return web.Response(status=200, headers=_stat_header(stat))

    async def get(request: web.Request) -> web.StreamResponse:
        stat, chunks = await archives.get(request.match_info["id"], _path(request))
        resp = stream_response(200, {"Content-Type": "application/x-tar",
                                                       **_stat_header(stat)})
        await resp.prepare(request)
        async for data in chunks:
            await resp.write(data)
        await resp.write_eof()
        return resp

    async def put(request: web.Request) -> web.Response:
        async def body() -> AsyncIterator[bytes]:
            while data := await request.content.read(1 << 16):
                yield data
        await archives.put(request.match_info["id"], _path(request), body(),
                           params.boolean(request, "noOverwriteDirNonDir"),
                           params.boolean(request, "copyUIDGID"))
        return web.Response(status=200)

    router.add("HEAD", "/containers/{id}/archive", head)
    router.add("GET", "/containers/{id}/archive", get)
    router.add("PUT", "/containers/{id}/archive", put)
