"""``GET /v2/<name>/tags/list`` and ``GET /v2/_catalog``, in lexical order, with the
spec's pagination: ``n`` entries after ``last``, and a ``Link: <...>; rel="next"``
header while more remain."""

import asyncio
import json
from urllib.parse import urlencode

from aiohttp import web

from berth.registry.server.context import name_of, state
from berth.registry.server.errors import RegistryError

PAGE_MAX = 10000


def _page(request: web.Request) -> tuple[str, int | None]:
    last = request.query.get("last", "")
    raw = request.query.get("n")
    if raw is None or raw == "":
        return last, None
    if not raw.isdigit() or int(raw) > PAGE_MAX:
        raise RegistryError("PAGINATION_NUMBER_INVALID", "invalid number of results requested",
                            {"n": raw})
    return last, int(raw)


def _respond(path: str, body: dict[str, object], items: list[str], limit: int | None,
             more: bool) -> web.Response:
    headers = {}
    if more and limit and items:
        query = urlencode({"n": limit, "last": items[-1]})
        headers["Link"] = f'<{path}?{query}>; rel="next"'
    return web.Response(status=200, headers=headers, body=json.dumps(body).encode(),
                        content_type="application/json")


async def tags_list(request: web.Request) -> web.Response:
    name = name_of(request)
    storage = state(request).storage
    last, limit = _page(request)
    if not await asyncio.to_thread(storage.repository_exists, name):
        raise RegistryError("NAME_UNKNOWN", "repository name not known to registry",
                            {"name": name})
    tags = await asyncio.to_thread(storage.tags, name, last,
                                   None if limit is None else limit + 1)
    more = limit is not None and len(tags) > limit
    tags = tags[:limit] if limit is not None else tags
    return _respond(f"/v2/{name}/tags/list", {"name": name, "tags": tags}, tags, limit, more)


async def catalog(request: web.Request) -> web.Response:
    storage = state(request).storage
    last, limit = _page(request)
    repos = await asyncio.to_thread(storage.repositories, last,
                                    None if limit is None else limit + 1)
    more = limit is not None and len(repos) > limit
    repos = repos[:limit] if limit is not None else repos
    return _respond("/v2/_catalog", {"repositories": repos}, repos, limit, more)
