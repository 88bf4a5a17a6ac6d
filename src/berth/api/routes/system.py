"""/_ping, /version, /info."""

from aiohttp import web

from berth.api.router import Router
from berth.daemon.engine import Engine

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

    router.add("GET", "/_ping", ping)
    router.add("HEAD", "/_ping", ping)
    router.add("GET", "/version", version)
    router.add("GET", "/info", info)
