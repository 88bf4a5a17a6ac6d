"""Image endpoints: import (POST /images/create?fromSrc=; with fromImage= a pull,
``berth.api.routes.registry``), list, inspect, save, load."""

import asyncio
import json
from typing import Any

from aiohttp import web

from berth.api import params
from berth.api.archives import BodyReader, send_archive
from berth.api.router import Router
from berth.api.routes import registry
from berth.api.streams import stream_response
from berth.daemon.engine import Engine
from berth.errors import BerthError, InvalidArgument
from berth.util.timefmt import parse_rfc3339


def register(router: Router, engine: Engine) -> None:
    async def create(request: web.Request) -> web.StreamResponse:
        src = request.query.get("fromSrc")
        if src is None:
            if request.query.get("fromImage"):
                return await registry.pull(request, engine)
            raise InvalidArgument("either fromSrc or fromImage must be given")
        if src != "-":
            raise InvalidArgument("importing from a URL is not supported: send the tar as the body")
        repo = request.query.get("repo") or ""
        tag = request.query.get("tag") or ""
        reference = None
        if repo:
            reference = f"{repo}:{tag}" if tag else repo
        changes = request.query.getall("changes", [])
        message = request.query.get("message") or ""
        body = BodyReader(request.content)  # streamed: unpacked as it arrives
        pump = asyncio.create_task(body.pump())
        try:
            image_id = await asyncio.to_thread(
                engine.images.import_tar, body, reference, changes, message)
        finally:
            pump.cancel()
        return web.Response(text=json.dumps({"status": image_id}) + "\n",
                            content_type="application/json")

    async def list_images(request: web.Request) -> web.Response:
        filters = params.filters(request)
        images = await asyncio.to_thread(engine.images.list, filters)
        images.sort(key=lambda img: img.created, reverse=True)  # to the nanosecond
        return web.json_response([_summary(img) for img in images])

    async def inspect(request: web.Request) -> web.Response:
        img = await asyncio.to_thread(engine.images.resolve, request.match_info["name"])
        return web.json_response(_inspect(img))

    async def tag(request: web.Request) -> web.Response:
        repo = request.query.get("repo")
        if not repo:
            raise InvalidArgument("repository name must have at least one component")
        target = f"{repo}:{request.query['tag']}" if request.query.get("tag") else repo
        await asyncio.to_thread(engine.images.tag, request.match_info["name"], target)
        return web.Response(status=201)

    async def remove(request: web.Request) -> web.Response:
        force = params.boolean(request, "force")
        records = await asyncio.to_thread(engine.image_remover.remove,
                                          request.match_info["name"], force)
        return web.json_response(records)

    async def prune(request: web.Request) -> web.Response:
        filters = params.filters(request)
        dangling = filters.pop("dangling", ["true"])
        all_ = any(v.lower() in ("false", "0") for v in dangling)
        pruned = await asyncio.to_thread(engine.image_remover.prune, all_, filters)
        return web.json_response(pruned.to_api())

    async def history(request: web.Request) -> web.Response:
        entries = await asyncio.to_thread(engine.images.history, request.match_info["name"])
        return web.json_response([e.to_api() for e in entries])

    async def save(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name")
        names = [name] if name is not None else request.query.getall("names", [])
        archive = await asyncio.to_thread(engine.images.save_plan, names)
        try:
            resp = stream_response(200, {"Content-Type": "application/x-tar"})
            resp.content_length = archive.size
            await resp.prepare(request)
            await send_archive(request, resp, archive)
            await resp.write_eof()
        finally:
            archive.close()
        return resp

    async def load(request: web.Request) -> web.StreamResponse:
        params.boolean(request, "quiet")  # the answer has no progress bars either way
        body = BodyReader(request.content)
        pump = asyncio.create_task(body.pump())
        lines: list[dict[str, Any]] = []
        try:
            messages = await asyncio.to_thread(engine.images.load, body)
            lines = [{"stream": m + "\n"} for m in messages]
        except BerthError as e:
            # dockerd answers 200 and puts a load's failure in the stream (the SDK's
            # ImageLoadError, the CLI's bare message); the store is unchanged.
            lines = [{"errorDetail": {"message": e.message}, "error": e.message}]
        finally:
            pump.cancel()
        # Chunked, as dockerd streams it: the docker SDK reads a load's answer only so.
        resp = stream_response(200, {"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for line in lines:
            await resp.write((json.dumps(line) + "\n").encode())
        await resp.write_eof()
        return resp

    router.add("GET", "/images/get", save)
    router.add("GET", "/images/{name:.+}/get", save)
    router.add("POST", "/images/load", load)
    router.add("DELETE", "/images/{name:.+}", remove)
    router.add("POST", "/images/prune", prune)
    router.add("GET", "/images/{name:.+}/history", history)
    router.add("POST", "/images/create", create)
    router.add("POST", "/images/{name:.+}/tag", tag)
    router.add("GET", "/images/json", list_images)
    router.add("GET", "/images/{name:.+}/json", inspect)


def _summary(img: Any) -> dict[str, Any]:
    config = img.config.get("config") or {}
    return {
        "Id": img.id,
        "ParentId": "",
        "RepoTags": list(img.repo_tags),
        "RepoDigests": list(img.repo_digests),
        "Created": int(parse_rfc3339(img.created)),
        "Size": img.size,
        "SharedSize": -1,
        "VirtualSize": img.size,
        "Labels": config.get("Labels") or {},
        "Containers": -1,
    }


def _inspect(img: Any) -> dict[str, Any]:
    cfg = img.config
    return {
        "Id": img.id,
        "RepoTags": list(img.repo_tags),
        "RepoDigests": list(img.repo_digests),
        "Parent": "",
        "Comment": (cfg.get("history") or [{}])[-1].get("comment", ""),
        "Created": img.created,
        "Container": cfg.get("container", ""),  # a committed image's source, as docker
        "ContainerConfig": cfg.get("container_config") or {},
        "DockerVersion": "",
        "Author": cfg.get("author", ""),
        "Config": cfg.get("config") or {},
        "Architecture": cfg.get("architecture", "amd64"),
        "Os": cfg.get("os", "linux"),
        "Size": img.size,
        "VirtualSize": img.size,
        "GraphDriver": {"Name": "overlay2", "Data": None},
        "RootFS": {"Type": "layers", "Layers": list((cfg.get("rootfs") or {}).get("diff_ids", []))},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }
