"""Container endpoints: create, list, inspect, start, wait, attach, logs, kill, stop, delete."""

import asyncio
import contextlib
import json
import time

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.api.streams import (
    DetachScanner,
    Hijacked,
    connected,
    flush_head,
    frame,
    hijack_response,
    stream_response,
)
from berth.daemon import container_filters, container_prune
from berth.daemon import stats as container_stats
from berth.daemon.containers import signal_number
from berth.daemon.engine import Engine
from berth.daemon.hub import Chunk
from berth.errors import InvalidArgument
from berth.util.detachkeys import detach_keys
from berth.util.filters import timestamp


def _time(request: web.Request, name: str) -> float:
    """``since``/``until``: a Unix time (``1700000000.123``) or what ``--since`` takes."""
    raw = request.query.get(name) or ""
    if raw in ("", "0"):
        return 0.0
    return timestamp(raw)


def _stop_signal(request: web.Request) -> int | None:
    """API 1.42's ``signal`` of stop and restart: sent instead of the ``StopSignal``."""
    name = request.query.get("signal")
    return signal_number(name) if name else None


def register(router: Router, engine: Engine) -> None:
    svc = engine.containers
    paths = engine.config.paths

    async def create(request: web.Request) -> web.Response:
        body = await params.json_body(request)
        c, warnings = await engine.create_container(request.query.get("name"), body,
                                                    request.query.get("platform", ""))
        return web.json_response({"Id": c.id, "Warnings": warnings}, status=201)

    async def list_containers(request: web.Request) -> web.Response:
        all_ = params.boolean(request, "all")
        limit = params.integer(request, "limit", -1) or -1
        filters = params.filters(request)
        implied = any(k in filters for k in ("status", "exited"))
        items = svc.list(all_=all_ or limit > 0 or implied)
        if filters:
            items = container_filters.apply(items, filters, svc.get, engine.image_ids)
        if limit > 0:
            items = items[:limit]
        now = time.time()
        out = [c.summary(now) for c in items]
        if params.boolean(request, "size"):
            sizes = await asyncio.to_thread(engine.container_sizes, items)
            for summary, (rw, rootfs) in zip(out, sizes, strict=True):
                summary["SizeRw"], summary["SizeRootFs"] = rw, rootfs
        return web.json_response(out)

    async def inspect(request: web.Request) -> web.Response:
        c = svc.get(request.match_info["id"])
        return web.json_response(c.inspect(str(paths.container(c.id)),
                                           str(paths.container_log(c.id))))

    async def start(request: web.Request) -> web.Response:
        started = await svc.start(request.match_info["id"])
        return web.Response(status=204 if started else 304)

    async def wait(request: web.Request) -> web.StreamResponse:
        """Like dockerd: the 200 head goes out once the waiter is registered."""
        condition = request.query.get("condition") or "not-running"
        fut = svc.waiter(request.match_info["id"], condition)
        resp = stream_response(200, {"Content-Type": "application/json"})
        await resp.prepare(request)
        flush_head(request)
        code = await fut
        await resp.write(json.dumps({"StatusCode": code, "Error": None}).encode() + b"\n")
        await resp.write_eof()
        return resp

    async def attach(request: web.Request) -> web.StreamResponse:
        c = svc.get(request.match_info["id"])
        if not params.boolean(request, "stream"):
            raise InvalidArgument("attaching without stream=1 is not supported yet")
        want = {1: params.boolean(request, "stdout"), 2: params.boolean(request, "stderr")}
        tty = bool(c.config.get("Tty"))
        keys = detach_keys(request.query.get("detachKeys"))
        queue = svc.attach(c.id)
        resp = hijack_response(request, multiplexed=not tty)
        await resp.prepare(request)
        flush_head(request)
        conn = Hijacked(request)
        stdin_task = None
        if params.boolean(request, "stdin") and c.config.get("OpenStdin"):
            stdin_task = asyncio.ensure_future(
                _pump_stdin(conn, c.id, DetachScanner(keys), queue))
        try:
            while (item := await queue.get()) is not None:
                stream, data = item
                if want.get(stream):
                    if not conn.write(data if tty else frame(stream, data)):
                        break
                    await conn.drain()
        finally:
            svc.detach(c.id, queue)
            if stdin_task is not None:
                stdin_task.cancel()
            conn.close()
        return resp

    async def _pump_stdin(conn: Hijacked, cid: str, scanner: DetachScanner,
                          queue: "asyncio.Queue[Chunk | None]") -> None:
        while (data := await conn.read()) is not None:
            data, detached = scanner.feed(data)
            if data:
                await svc.write_stdin(cid, data)
            if detached:  # the client leaves; the container and its stdin stay
                queue.put_nowait(None)
                return
        await svc.close_stdin(cid)

    async def prune(request: web.Request) -> web.Response:
        return web.json_response(await container_prune.prune(svc, params.filters(request)))

    async def update(request: web.Request) -> web.Response:
        body = await params.json_body(request)
        warnings = await asyncio.to_thread(svc.update, request.match_info["id"], body)
        return web.json_response({"Warnings": warnings})

    async def stats(request: web.Request) -> web.StreamResponse:
        c = svc.get(request.match_info["id"])
        stream = params.boolean(request, "stream", True)
        one_shot = params.boolean(request, "one-shot")
        if one_shot and stream:
            raise InvalidArgument("cannot have stream=true and one-shot=true")
        resp = stream_response(200, {"Content-Type": "application/json"})
        await resp.prepare(request)
        async for sample in container_stats.samples(c, stream, one_shot):
            await resp.write(json.dumps(sample).encode() + b"\n")
        await resp.write_eof()
        return resp

    async def logs(request: web.Request) -> web.StreamResponse:
        ref = request.match_info["id"]
        c = svc.get(ref)
        stdout = params.boolean(request, "stdout")
        stderr = params.boolean(request, "stderr")
        if not (stdout or stderr):
            raise InvalidArgument("Bad parameters: you must choose at least one stream")
        tail_raw = request.query.get("tail", "all")
        tail = None if tail_raw in ("all", "") else params.integer(request, "tail")
        tty = bool(c.config.get("Tty"))
        chunks = svc.logs(ref, stdout, stderr, params.boolean(request, "follow"), tail,
                          params.boolean(request, "timestamps"), _time(request, "since"),
                          _time(request, "until"), lambda: connected(request),
                          params.boolean(request, "details"))
        resp = stream_response(200, {
            "Content-Type": "application/vnd.docker.raw-stream" if tty
            else "application/vnd.docker.multiplexed-stream"})
        await resp.prepare(request)
        async for stream, data in chunks:
            await resp.write(data if tty else frame(stream, data))
        await resp.write_eof()
        return resp

    async def kill(request: web.Request) -> web.Response:
        sig = signal_number(request.query.get("signal") or "SIGKILL")
        await svc.kill(request.match_info["id"], sig)
        return web.Response(status=204)

    async def stop(request: web.Request) -> web.Response:
        t = params.integer(request, "t")
        stopped = await svc.stop(request.match_info["id"], None if t is None else float(t),
                                 _stop_signal(request))
        return web.Response(status=204 if stopped else 304)

    async def delete(request: web.Request) -> web.Response:
        await svc.remove(request.match_info["id"], force=params.boolean(request, "force"),
                         volumes=params.boolean(request, "v"))
        return web.Response(status=204)

    async def restart(request: web.Request) -> web.Response:
        t = params.integer(request, "t")
        await svc.restart(request.match_info["id"], None if t is None else float(t),
                          _stop_signal(request))
        return web.Response(status=204)

    async def pause(request: web.Request) -> web.Response:
        await svc.pause(request.match_info["id"])
        return web.Response(status=204)

    async def unpause(request: web.Request) -> web.Response:
        await svc.unpause(request.match_info["id"])
        return web.Response(status=204)

    async def rename(request: web.Request) -> web.Response:
        name = request.query.get("name")
        if not name:
            raise InvalidArgument("name is required: rename needs a new name")
        await asyncio.to_thread(svc.rename, request.match_info["id"], name)
        return web.Response(status=204)

    async def top(request: web.Request) -> web.Response:
        ps_args = request.query.get("ps_args") or "-ef"
        return web.json_response(
            await asyncio.to_thread(svc.top, request.match_info["id"], ps_args))

    async def changes(request: web.Request) -> web.Response:
        found = await asyncio.to_thread(svc.changes, request.match_info["id"])
        return web.json_response([c.to_api() for c in found] or None)  # docker: null

    async def export(request: web.Request) -> web.StreamResponse:
        stream = await asyncio.to_thread(svc.export, request.match_info["id"])
        async with contextlib.aclosing(stream):
            first = await anext(stream, b"")  # an error before any byte is still an error
            resp = stream_response(200, {"Content-Type": "application/x-tar"})
            await resp.prepare(request)
            try:
                await resp.write(first)
                async for chunk in stream:
                    await resp.write(chunk)
            except ConnectionError:
                return resp  # the client went away: the walk stops at its next write
        await resp.write_eof()
        return resp

    async def commit(request: web.Request) -> web.Response:
        q = request.query
        config = await params.json_body(request) if request.can_read_body else None
        image_id = await svc.commit(
            q.get("container") or "", q.get("repo") or "", q.get("tag") or "",
            q.get("comment") or "", q.get("author") or "", tuple(q.getall("changes", [])),
            params.boolean(request, "pause", True), config)
        return web.json_response({"Id": image_id}, status=201)

    router.add("GET", "/containers/{id}/changes", changes)
    router.add("GET", "/containers/{id}/export", export)
    router.add("POST", "/commit", commit)
    router.add("POST", "/containers/create", create)
    router.add("GET", "/containers/{id}/top", top)
    router.add("POST", "/containers/{id}/restart", restart)
    router.add("POST", "/containers/{id}/pause", pause)
    router.add("POST", "/containers/{id}/unpause", unpause)
    router.add("POST", "/containers/{id}/rename", rename)
    router.add("GET", "/containers/json", list_containers)
    router.add("GET", "/containers/{id}/json", inspect)
    router.add("POST", "/containers/{id}/start", start)
    router.add("POST", "/containers/{id}/wait", wait)
    router.add("POST", "/containers/{id}/attach", attach)
    router.add("GET", "/containers/{id}/logs", logs)
    router.add("GET", "/containers/{id}/stats", stats)
    router.add("POST", "/containers/{id}/update", update)
    router.add("POST", "/containers/prune", prune)
    router.add("POST", "/containers/{id}/kill", kill)
    router.add("POST", "/containers/{id}/stop", stop)
    router.add("DELETE", "/containers/{id}", delete)
