"""The aiohttp application: version checks, common headers, errors as docker writes them."""

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from berth.api.errors import status_of
from berth.api.headers import COMMON_HEADERS
from berth.api.router import Router
from berth.api.routes import (
    archive,
    build,
    containers,
    images,
    networks,
    registry,
    system,
    volumes,
)
from berth.api.routes import exec as exec_
from berth.daemon.engine import Engine
from berth.daemon.system import API_VERSION, MIN_API_VERSION
from berth.errors import BerthError

log = logging.getLogger("berth.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def _error(status: int, message: str) -> web.Response:
    """Docker's error body; the Go client decodes it only when the type is exactly JSON."""
    body = json.dumps({"message": message}).encode()
    return web.Response(body=body, status=status, headers=COMMON_HEADERS,
                        content_type="application/json")


def docker_handler(handler: Handler) -> Handler:
    """``handler`` with dockerd's version check and its errors as docker writes them."""

    async def handle(request: web.Request) -> web.StreamResponse:
        version = request.match_info.get("api_version")
        if version:
            if _version_tuple(version) > _version_tuple(API_VERSION):
                return _error(400, f"client version {version} is too new. Maximum supported "
                                   f"API version is {API_VERSION}")
            if _version_tuple(version) < _version_tuple(MIN_API_VERSION):
                return _error(400, f"client version {version} is too old. Minimum supported "
                                   f"API version is {MIN_API_VERSION}, please upgrade your "
                                   "client to a newer version")
        request["api_version"] = version or API_VERSION
        if "\x00" in request.query_string:  # no path, argument or name may carry one
            return _error(400, "invalid query: it holds a NUL byte")
        try:
            resp = await handler(request)
        except BerthError as e:
            return _error(status_of(e), e.message)
        except web.HTTPRequestEntityTooLarge as e:
            return _error(413, e.text or "request body too large")
        except web.HTTPException:
            raise
        except ConnectionError:
            # The client left mid-stream (a ctrl-c on `docker events`, a timeout): nothing
            # can reach it, and aiohttp drops this answer quietly on the closed transport.
            return web.Response(status=499, reason="Client Closed Request")
        except Exception as e:
            log.exception("%s %s failed", request.method, request.path)
            return _error(500, str(e) or type(e).__name__)
        if not resp.prepared:  # a stream has them already (streams.stream_response)
            resp.headers.update(COMMON_HEADERS)
        return resp

    return handle


async def _not_found(request: web.Request) -> web.StreamResponse:
    """dockerd's answer to an unknown path, and to a known path with another method."""
    return _error(404, "page not found")


def make_app(engine: Engine) -> web.Application:
    app = web.Application(client_max_size=1 << 20)
    router = Router(app, docker_handler)
    system.register(router, engine)
    volumes.register(router, engine)
    networks.register(router, engine)
    images.register(router, engine)
    registry.register(router, engine)
    containers.register(router, engine)
    exec_.register(router, engine)
    archive.register(router, engine)
    build.register(router, engine)
    router.fallback(_not_found)
    return app
