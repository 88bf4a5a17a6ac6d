"""/_ping, /version, /info, /system/df, /events."""

import asyncio
import json
import time

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.api.streams import connected, flush_head, stream_response
from berth.daemon.disk_usage import TYPES
from berth.daemon.engine import Engine
from berth.daemon.events import check_filters
from berth.errors import InvalidArgument, Unavailable
from berth.util.filters import timestamp

PING_HEADERS = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Builder-Version": "1",
    "Swarm": "inactive",
}


def _timestamp(request: web.Request, name: str, now: float) -> float | None:
    raw = request.query.get(name)
    if not raw:
        return None
    return timestamp(raw, now)


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

    async def events(request: web.Request) -> web.StreamResponse:
        now = time.time()
        since = _timestamp(request, "since", now)
        until = _timestamp(request, "until", now)
        filters = params.filters(request)
        check_filters(filters)  # a 400 before the 200 goes out
        resp = stream_response(200, {"Content-Type": "application/json"})
        await resp.prepare(request)
        flush_head(request)
        async for event in engine.events.stream(since, until, filters,
                                                lambda: connected(request)):
            await resp.write(json.dumps(event.to_api()).encode() + b"\n")
        await resp.write_eof()
        return resp

    async def swarm_leave(request: web.Request) -> web.Response:
        """berth is never in a swarm: dockerd's answer outside one (clients such as
        docker-py's test teardowns call it and take this 503 as done)."""
        raise Unavailable("This node is not part of a swarm")

    router.add("GET", "/_ping", ping)
    router.add("POST", "/swarm/leave", swarm_leave)
    router.add("GET", "/events", events)
    router.add("GET", "/system/df", df)
    router.add("HEAD", "/_ping", ping)
    router.add("GET", "/version", version)
    router.add("GET", "/info", info)
