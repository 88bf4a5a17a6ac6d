"""Registry endpoints: pull (``POST /images/create?fromImage=``, called from the
images routes), ``POST /images/{name}/push``, ``POST /auth`` and
``GET /distribution/{name}/json``.

Pull and push run in a worker thread and stream dockerd's JSON-lines progress.
Until the first message the answer is not started, so an error found while the
manifest is resolved (unknown image, refused credentials) is an HTTP error
with docker's status; after it, an error is the last line,
``{"errorDetail": {"message": m}, "error": m}``. Credentials come from the
``X-Registry-Auth`` header (base64url JSON), as docker's CLI sends them.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from berth.api import params
from berth.api.router import Router
from berth.api.streams import json_line, json_stream
from berth.daemon.engine import Engine
from berth.errors import BerthError, InvalidArgument
from berth.images.progress import Message, Progress
from berth.images.pull import PullRequest
from berth.images.push import PushRequest
from berth.oci import reference
from berth.registry.client.dockerconfig import Credentials

Job = Callable[[Progress], object]


def credentials(request: web.Request) -> Credentials:
    return Credentials.from_header(request.headers.get("X-Registry-Auth", ""))


async def stream_job(request: web.Request, job: Job) -> web.StreamResponse:
    """Run ``job(send)`` in a thread; its messages as JSON lines (see the docstring)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Message] = asyncio.Queue()

    def send(msg: Message) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, msg)

    task = asyncio.ensure_future(asyncio.to_thread(job, send))
    resp: web.StreamResponse | None = None
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                break
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
            text = error.message if isinstance(error, BerthError) else str(error)
            await resp.write(json_line({"errorDetail": {"message": text}, "error": text}))
        await resp.write_eof()
        return resp
    finally:
        if not task.done():  # the client went away: let the job finish on its own
            task.add_done_callback(lambda t: t.cancelled() or t.exception())


def pull_reference(from_image: str, tag: str) -> str:
    """Docker's rule: ``tag`` (a tag or a digest) joins ``fromImage``, unless that has one."""
    if not tag:
        return from_image
    sep = "@" if ":" in tag else ":"
    return f"{from_image}{sep}{tag}"


def names_no_tag(from_image: str, tag: str) -> bool:
    """dockerd pulls every tag when neither ``tag`` nor ``fromImage`` names one."""
    if tag:
        return False
    ref = reference.parse(from_image, default_tag=False)
    return ref.tag is None and ref.digest is None


async def pull(request: web.Request, engine: Engine) -> web.StreamResponse:
    from_image, tag = request.query.get("fromImage") or "", request.query.get("tag") or ""
    ref = pull_reference(from_image, tag)
    req = PullRequest(ref, request.query.get("platform") or "", credentials(request),
                      all_tags=names_no_tag(from_image, tag))
    return await stream_job(request, lambda send: engine.images.pull(req, send))


def register(router: Router, engine: Engine) -> None:
    async def push(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        tag = request.query.get("tag") or ""
        req = PushRequest(f"{name}:{tag}" if tag else name, credentials(request),
                          all_tags=names_no_tag(name, tag))
        return await stream_job(request, lambda send: engine.images.push(req, send))

    async def auth(request: web.Request) -> web.Response:
        body = await params.json_body(request)
        if not isinstance(body, dict):
            raise InvalidArgument("the body must be a JSON object")
        creds = Credentials(str(body.get("username") or ""), str(body.get("password") or ""),
                            str(body.get("identitytoken") or ""),
                            str(body.get("serveraddress") or ""))
        await asyncio.to_thread(engine.images.login, creds)
        return web.json_response({"Status": "Login Succeeded", "IdentityToken": ""})

    async def distribution(request: web.Request) -> web.Response:
        info: dict[str, Any] = await asyncio.to_thread(
            engine.images.distribution, request.match_info["name"], credentials(request))
        return web.json_response(info)

    router.add("POST", "/images/{name:.+}/push", push)
    router.add("POST", "/auth", auth)
    router.add("GET", "/distribution/{name:.+}/json", distribution)
