"""/_ping, /version, /info, /system/df."""

import asyncio

from aiohttp import web

from berth.api.router import Router
from berth.daemon.disk_usage import TYPES
from berth.daemon.engine import Engine
from berth.errors import InvalidArgument

PING_HEADERS = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Builder-Version": "1",
    "Swarm": "inactive",
}


def register(router: Router, engine: Engine) -> None:
    async def ping(request: web.Request) -> web.Response:
        body = None if request.method == "HEAD" else "OK"
        return web.Response(text=body, headers=PING_HEADERS, content_type="text/plain")

    async def version(request: web.Request) -> web.Response:
        return web.json_response(engine.version())

    async def info(request: web.Request) -> web.Response:
        return web.json_response(engine.info())

    async def df(request: web.Request) -> web.Response:
        types = set(request.query.getall("type", []))
        unknown = types - set(TYPES)
        if unknown:
            raise InvalidArgument(f"unknown object type: {sorted(unknown)[0]}")
        return web.json_response(await asyncio.to_thread(engine.disk_usage, types or None))

    router.add("GET", "/_ping", ping)
    router.add("GET", "/system/df", df)
    router.add("HEAD", "/_ping", ping)
    router.add("GET", "/version", version)
    router.add("GET", "/info", info)
