"""Exec endpoints, and the resize of a container's terminal.

``POST /exec/{id}/start`` hijacks the connection like attach unless
``Detach``: stdin in, the process's output out until it exits. The framing
follows the *start* request's ``Tty``, not the exec's, as dockerd's does: output
is multiplexed unless the start says ``"Tty": true`` (docker-py's
``exec_start(id)`` of a tty exec sends ``false`` and reads frames), and a
non-tty exec started with ``"Tty": true`` has its stderr dropped. On a tty exec
with stdin, the detach keys (the exec's ``DetachKeys``, else ctrl-p ctrl-q)
end the session with dockerd's message and hang up the exec's terminal. A
start that fails once the stream is open writes its error into the stream, as
dockerd does; the client reads the exit code (126, 127) from
``GET /exec/{id}/json``.
"""

import asyncio
from typing import Any

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.api.streams import (
    DetachScanner,
    Hijacked,
    flush_head,
    frame,
    hijack_response,
)
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


DETACHED = b"exec attach failed: error on attach stdin: read escape sequence\r\n"
"""What dockerd 20.10 writes to a client that detached from an exec, before it closes."""


class _Out:
    """The client's side of the stream, framed unless the start asked for a raw one;
    nothing more is written once the client has gone (or detached)."""

    def __init__(self, conn: Hijacked, raw: bool) -> None:
        self._conn = conn
        self.raw = raw
        self.closed = False

    def write(self, stream: int, data: bytes) -> bool:
        if not self.closed:
            self.closed = not self._conn.write(data if self.raw else frame(stream, data))
        return not self.closed


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
        raw = body.get("Tty") is True  # the start's, not the exec's: dockerd's framing
        size = console_size(body.get("ConsoleSize"))  # API 1.42+: set before the start
        if instance.config.get("Tty") and size:
            instance.process["consoleSize"] = size
        resp = hijack_response(request, multiplexed=not raw)
        await resp.prepare(request)
        flush_head(request)
        conn = Hijacked(request)
        out = _Out(conn, raw)
        try:
            session = await execs.start(instance.id)
        except BerthError as e:
            out.write(1, (e.message + "\r\n").encode())
            conn.close()
            return resp
        await _stream(conn, out, instance, session)
        return resp

    async def _stream(conn: Hijacked, out: "_Out", instance: ExecInstance,
                      session: Session) -> None:
        stdin_task = None
        if instance.config.get("AttachStdin"):
            keys = instance.detach_keys if instance.config.get("Tty") else None
            stdin_task = asyncio.ensure_future(
                _pump_stdin(conn, out, instance, session, keys))
        want = {1: bool(instance.config.get("AttachStdout")),
                2: bool(instance.config.get("AttachStderr")) and not out.raw}
        event: dict[str, Any] | None = None
        try:
            async for item in session.events():
                if isinstance(item, dict):
                    event = item
                    break
                stream, data = item
                if want.get(stream) and out.write(stream, data):
                    await conn.drain()
        finally:
            execs.finished(instance, event)
            if stdin_task is not None:
                stdin_task.cancel()
            conn.close()

    async def _pump_stdin(conn: Hijacked, out: "_Out", instance: ExecInstance,
                          session: Session, keys: bytes | None) -> None:
        scanner = DetachScanner(keys) if keys else None
        while (data := await conn.read()) is not None:
            detached = False
            if scanner is not None:
                data, detached = scanner.feed(data)
            if data:
                await session.write_stdin(data)
            if detached:
                await execs.hang_up(instance)
                out.write(1, DETACHED)
                out.closed = True
                conn.close()
                return
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
