"""/networks, /networks/create, /networks/{id} (GET, DELETE), /networks/prune."""

import asyncio

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.daemon.engine import Engine


def register(router: Router, engine: Engine) -> None:
    svc = engine.networks

    async def list_(request: web.Request) -> web.Response:
        wanted = params.filters(request)
        return web.json_response(await asyncio.to_thread(svc.list, wanted))

    async def create(request: web.Request) -> web.Response:
        body = await params.json_body(request)
        return web.json_response(await asyncio.to_thread(svc.create, body), status=201)

    async def inspect(request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(svc.inspect, request.match_info["id"]))

    async def remove(request: web.Request) -> web.Response:
        await asyncio.to_thread(svc.remove, request.match_info["id"])
        return web.Response(status=204)

    async def prune(request: web.Request) -> web.Response:
        wanted = params.filters(request)
        return web.json_response(await asyncio.to_thread(svc.prune, wanted))

    router.add("GET", "/networks", list_)
    router.add("POST", "/networks/create", create)
    router.add("POST", "/networks/prune", prune)
    router.add("GET", "/networks/{id}", inspect)
    router.add("DELETE", "/networks/{id}", remove)
