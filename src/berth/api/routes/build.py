"""``POST /build`` (the legacy builder's API), ``/build/prune`` and ``/build/cancel``.

The body is the context tar; the query carries the options as the v1.44 swagger
lists them (JSON for ``buildargs``, ``labels`` and ``cachefrom``). The answer is
docker's JSON lines: ``{"stream": ...}`` for the output, ``{"aux": {"ID": ...}}``
for the image id, ``{"errorDetail": ..., "error": ...}`` for a failure after the
output began. A failure before any output (a Dockerfile that does not parse, an
unknown target) is an HTTP error, as dockerd answers it. A client that leaves
cancels the build: the running step's container is killed and removed.
"""

import asyncio
import base64
import json
import re
from typing import Any

from aiohttp import web

from berth.api import params
from berth.api.archives import BodyReader
from berth.api.router import Router
from berth.api.streams import connected, json_line, json_stream
from berth.builder.options import BuildOptions
from berth.builder.runsteps import StepFailed
from berth.daemon.engine import Engine
from berth.errors import BerthError, InvalidArgument
from berth.oci import reference

_SECRET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_NETWORKS = {"": "default", "default": "default", "bridge": "default", "host": "host",
             "none": "none"}
_LIMITS = {"memory": "Memory", "memswap": "MemorySwap", "cpushares": "CpuShares",
           "cpuperiod": "CpuPeriod", "cpuquota": "CpuQuota", "shmsize": "ShmSize"}


def _json_param(request: web.Request, name: str, kind: type) -> Any:
    raw = request.query.get(name)
    if not raw:
        return kind()
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid {name}: {raw}") from None
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise InvalidArgument(f"invalid {name}: {raw}")
    return value


def options(request: web.Request) -> BuildOptions:
    """The query as build options, every value checked before the build starts."""
    q = request.query
    if q.get("version") == "2":
        raise InvalidArgument("BuildKit is not supported by berthd: use the legacy builder "
                              "(DOCKER_BUILDKIT=0, or docker build's fallback to it)")
    tags = []
    for t in q.getall("t", []):
        ref = reference.parse(t)
        if ref.digest is not None:
            raise InvalidArgument(f"invalid reference format: {t}: a tag cannot be a digest")
        tags.append(str(ref))
    build_args = _json_param(request, "buildargs", dict)
    labels = _json_param(request, "labels", dict)
    cache_from = _json_param(request, "cachefrom", list)
    network = q.get("networkmode", "")
    if network not in _NETWORKS:
        raise InvalidArgument(f"network mode {network!r} is not supported by berth's builder: "
                              "default, host or none")
    hosts = [h for value in q.getall("extrahosts", []) for h in value.split(",") if h]
    resources: dict[str, object] = {}
    for key, field in _LIMITS.items():
        value = params.integer(request, key)
        if value:
            resources[field] = value
    for key, field in (("cpusetcpus", "CpusetCpus"), ("cpusetmems", "CpusetMems")):
        if q.get(key):
            resources[field] = q[key]
    secret_ids = tuple(i for i in q.get("secrets", "").split(",") if i)
    for ident in secret_ids:
        if not _SECRET_ID.fullmatch(ident):
            raise InvalidArgument(f"invalid secret id {ident!r}")
    return BuildOptions(
        dockerfile=q.get("dockerfile") or "Dockerfile", tags=tuple(tags),
        remote=q.get("remote", ""),
        build_args={str(k): None if v is None else str(v) for k, v in build_args.items()},
        target=q.get("target", ""), no_cache=params.boolean(request, "nocache"),
        pull=params.boolean(request, "pull"), cache_from=tuple(str(c) for c in cache_from),
        labels={str(k): str(v) for k, v in labels.items()}, quiet=params.boolean(request, "q"),
        network=_NETWORKS[network], extra_hosts=tuple(hosts),
        platform=q.get("platform", ""), resources=resources, secret_ids=secret_ids,
        registry_auth=_registry_config(request.headers.get("X-Registry-Config", "")))


def _registry_config(value: str) -> dict[str, dict[str, str]]:
    """``X-Registry-Config``: base64url JSON of {registry: AuthConfig} (docker's)."""
    if not value.strip():
        return {}
    try:
        raw = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, TypeError):
        raise InvalidArgument("invalid X-Registry-Config header") from None
    if not isinstance(raw, dict):
        raise InvalidArgument("invalid X-Registry-Config header")
    return {str(k): {str(a): str(b) for a, b in v.items() if isinstance(b, str)}
            for k, v in raw.items() if isinstance(v, dict)}


def register(router: Router, engine: Engine) -> None:
    async def build(request: web.Request) -> web.StreamResponse:
        opts = options(request)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        body = BodyReader(request.content)
        pump = asyncio.create_task(body.pump())
        task = asyncio.ensure_future(engine.builds.build(
            body, opts, queue.put_nowait, request.query.get("buildid", "")))
        resp: web.StreamResponse | None = None
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, task}, timeout=1.0,
                                   return_when=asyncio.FIRST_COMPLETED)
                if not connected(request):
                    getter.cancel()
                    raise ConnectionResetError("the client left")
                if not getter.done():
                    getter.cancel()
                    if task.done():
                        break
                    continue
                if resp is None:
                    resp = await json_stream(request)
                await resp.write(json_line(getter.result()))
            error = task.exception()
            if error is not None and resp is None:
                raise error
            if resp is None:
                resp = await json_stream(request)
            while not queue.empty():
                await resp.write(json_line(queue.get_nowait()))
            if error is not None:
                await resp.write(json_line(_error(error)))
            await resp.write_eof()
            return resp
        finally:
            pump.cancel()
            if not task.done():  # the client left: the build stops
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def prune(request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(engine.builds.prune))

    async def cancel(request: web.Request) -> web.Response:
        engine.builds.cancel(request.query.get("id", ""))
        return web.Response(status=200)

    router.add("POST", "/build", build)
    router.add("POST", "/build/prune", prune)
    router.add("POST", "/build/cancel", cancel)


def _error(error: BaseException) -> dict[str, Any]:
    text = error.message if isinstance(error, BerthError) else str(error) or type(error).__name__
    detail: dict[str, Any] = {"message": text}
    if isinstance(error, StepFailed):
        detail["code"] = error.code
    return {"errorDetail": detail, "error": text}
