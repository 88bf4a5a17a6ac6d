"""/volumes, /volumes/create, /volumes/{name} (GET, DELETE), /volumes/prune."""

import asyncio

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.daemon.engine import Engine


def register(router: Router, engine: Engine) -> None:
    svc = engine.volumes

    async def list_(request: web.Request) -> web.Response:
        wanted = params.filters(request)
        return web.json_response(await asyncio.to_thread(svc.list, wanted))

    async def create(request: web.Request) -> web.Response:
        body = await params.json_body(request)
        volume = await asyncio.to_thread(svc.create, body)
        return web.json_response(volume.to_api(), status=201)

    async def inspect(request: web.Request) -> web.Response:
        return web.json_response(svc.inspect(request.match_info["name"]).to_api())

    async def remove(request: web.Request) -> web.Response:
        await asyncio.to_thread(svc.remove, request.match_info["name"],
                                params.boolean(request, "force"))
        return web.Response(status=204)

    async def prune(request: web.Request) -> web.Response:
        wanted = params.filters(request)
        report = await asyncio.to_thread(svc.prune, wanted, request["api_version"])
        return web.json_response(report)

    router.add("GET", "/volumes", list_)
    router.add("POST", "/volumes/create", create)
    router.add("POST", "/volumes/prune", prune)
    router.add("GET", "/volumes/{name}", inspect)
    router.add("DELETE", "/volumes/{name}", remove)
