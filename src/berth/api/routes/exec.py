"""Exec endpoints, and the resize of a container's terminal.

``POST /exec/{id}/start`` hijacks the connection like attach unless
``Detach``: stdin in, the process's output out (multiplexed without a tty),
until it exits. A start that fails once the stream is open writes its error
into the stream, as dockerd does; the client reads the exit code (126, 127)
from ``GET /exec/{id}/json``.
"""

import asyncio
from typing import Any

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.api.streams import Hijacked, flush_head, frame, hijack_response
from berth.daemon.engine import Engine
from berth.daemon.exec import ExecInstance, console_size
from berth.errors import BerthError, InvalidArgument
from berth.supervisor.aioclient import Session


def _size(request: web.Request) -> tuple[int, int]:
    height = params.integer(request, "h", 0) or 0
    width = params.integer(request, "w", 0) or 0
    if height < 0 or width < 0:
        raise InvalidArgument("invalid terminal size")
    return height, width


def register(router: Router, engine: Engine) -> None:
    execs = engine.execs

    async def create(request: web.Request) -> web.Response:
        body = await params.json_body(request)
        instance = execs.create(request.match_info["id"], body)
        return web.json_response({"Id": instance.id}, status=201)

    async def start(request: web.Request) -> web.StreamResponse:
        body = await params.json_body(request)
        if not isinstance(body, dict):
            raise InvalidArgument("exec start config must be an object")
        instance = execs.get(request.match_info["id"])
        if body.get("Detach"):
            session = await execs.start(instance.id)
            execs.detach(instance, session)
            return web.Response(status=200)
        tty = bool(instance.config.get("Tty"))
        size = console_size(body.get("ConsoleSize"))  # API 1.42+: set before the start
        if tty and size:
            instance.process["consoleSize"] = size
        resp = hijack_response(request, multiplexed=not tty)
        await resp.prepare(request)
        flush_head(request)
        conn = Hijacked(request)
        try:
            session = await execs.start(instance.id)
        except BerthError as e:
            message = (e.message + "\r\n").encode()
            conn.write(message if tty else frame(1, message))
            conn.close()
            return resp
        await _stream(conn, instance, session, tty)
        return resp

    async def _stream(conn: Hijacked, instance: ExecInstance, session: Session,
                      tty: bool) -> None:
        stdin_task = None
        if instance.config.get("AttachStdin"):
            stdin_task = asyncio.ensure_future(_pump_stdin(conn, session))
        want = {1: bool(instance.config.get("AttachStdout")),
                2: bool(instance.config.get("AttachStderr"))}
        event: dict[str, Any] | None = None
        writing = True
        try:
            async for item in session.events():
                if isinstance(item, dict):
                    event = item
                    break
                stream, data = item
                if writing and want.get(stream):
                    writing = conn.write(data if tty else frame(stream, data))
                    await conn.drain()
        finally:
            execs.finished(instance, event)
            if stdin_task is not None:
                stdin_task.cancel()
            conn.close()

    async def _pump_stdin(conn: Hijacked, session: Session) -> None:
        while (data := await conn.read()) is not None:
            await session.write_stdin(data)
        await session.write_stdin(b"")

    async def inspect(request: web.Request) -> web.Response:
        return web.json_response(execs.get(request.match_info["id"]).inspect())

    async def resize(request: web.Request) -> web.Response:
        height, width = _size(request)
        await execs.resize(request.match_info["id"], height, width)
        return web.Response(status=200)

    async def resize_container(request: web.Request) -> web.Response:
        height, width = _size(request)
        await engine.containers.resize(request.match_info["id"], height, width)
        return web.Response(status=200)

    router.add("POST", "/containers/{id}/exec", create)
    router.add("POST", "/containers/{id}/resize", resize_container)
    router.add("POST", "/exec/{id}/start", start)
    router.add("GET", "/exec/{id}/json", inspect)
    router.add("POST", "/exec/{id}/resize", resize)
