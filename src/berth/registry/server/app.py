"""The aiohttp application: one route table, auth, errors and the common header.

Repository names hold slashes, so paths are matched here, right to left, by
the table ``ROUTES`` (a known path with another method is ``UNSUPPORTED``,
405); the name in a path is checked before any handler runs.
"""

import asyncio
import re
import signal
import ssl
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from berth.registry.server import blobs, manifests, tags, uploads
from berth.registry.server.auth import BasicAuth
from berth.registry.server.context import API_VERSION, STATE, Registry, check_name
from berth.registry.server.errors import RegistryError
from berth.registry.server.storage import Storage

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def base(request: web.Request) -> web.Response:
    return web.json_response({})


_N = r"(?P<name>.+)"
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"/v2/?"), {"GET": base, "HEAD": base}),
    (re.compile(r"/v2/_catalog"), {"GET": tags.catalog}),
    (re.compile(rf"/v2/{_N}/tags/list"), {"GET": tags.tags_list}),
    (re.compile(rf"/v2/{_N}/manifests/(?P<reference>[^/]+)"), {
        "GET": manifests.get_manifest, "HEAD": manifests.get_manifest,
        "PUT": manifests.put_manifest, "DELETE": manifests.delete_manifest}),
    (re.compile(rf"/v2/{_N}/blobs/uploads/?"), {"POST": uploads.start_upload}),
    (re.compile(rf"/v2/{_N}/blobs/uploads/(?P<uuid>[^/]+)"), {
        "GET": uploads.upload_status, "PATCH": uploads.patch_upload,
        "PUT": uploads.finish_upload, "DELETE": uploads.cancel_upload}),
    (re.compile(rf"/v2/{_N}/blobs/(?P<digest>[^/]+)"), {
        "GET": blobs.get_blob, "HEAD": blobs.get_blob, "DELETE": blobs.delete_blob}),
    (re.compile(rf"/v2/{_N}/referrers/(?P<digest>[^/]+)"), {"GET": manifests.referrers}),
]


async def dispatch(request: web.Request) -> web.StreamResponse:
    path = request.rel_url.path
    for pattern, methods in ROUTES:
        m = pattern.fullmatch(path)
        if m is None:
            continue
        handler = methods.get(request.method)
        if handler is None:
            raise RegistryError("UNSUPPORTED", f"{request.method} is not supported here",
                                headers={"Allow": ", ".join(methods)})
        params = m.groupdict()
        if "name" in params:
            check_name(params["name"])
        request.match_info.update(params)
        return await handler(request)
    raise RegistryError("UNSUPPORTED", "no such endpoint", {"path": path}, status=404)


def _middleware(auth: BasicAuth | None) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if auth is not None:
                header = request.headers.get("Authorization")
                if not (auth.cached(header) or await asyncio.to_thread(auth.check, header)):
                    raise RegistryError("UNAUTHORIZED", "authentication required",
                                        headers={"WWW-Authenticate": auth.challenge})
            return await handler(request)
        except RegistryError as e:
            return e.response()
    return middleware


async def _api_version(request: web.Request, response: web.StreamResponse) -> None:
    response.headers[API_VERSION[0]] = API_VERSION[1]


async def _close_idle(app: web.Application) -> None:
    while True:
        await asyncio.sleep(uploads.IDLE_SECONDS / 2)
        app[STATE].uploads.close_idle()


async def _background(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_close_idle(app))
    yield
    task.cancel()
    app[STATE].uploads.close_all()


def make_app(storage: Storage, auth: BasicAuth | None = None) -> web.Application:
    app = web.Application(middlewares=[_middleware(auth)])
    app[STATE] = Registry(storage, uploads.Uploads(storage))
    app.router.add_route("*", "/{tail:.*}", dispatch)
    app.on_response_prepare.append(_api_version)
    app.cleanup_ctx.append(_background)
    return app


@dataclass(frozen=True, slots=True)
class ServeConfig:
    host: str
    port: int
    root: Path
    htpasswd: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None


async def serve(config: ServeConfig, storage: Storage, auth: BasicAuth | None) -> None:
    """Serve until SIGINT or SIGTERM; prints the address once listening."""
    tls: ssl.SSLContext | None = None
    if config.tls_cert is not None and config.tls_key is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(config.tls_cert, config.tls_key)
    # No handler cancellation on a client's disconnect: a handler stops at its next
    # read instead, never while a thread still writes into an upload's ingest.
    runner = web.AppRunner(make_app(storage, auth), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, ssl_context=tls,
                       backlog=1024, reuse_address=True)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sockets = getattr(site._server, "sockets", None) or ()
    port = sockets[0].getsockname()[1] if sockets else config.port
    scheme = "https" if tls else "http"
    host = f"[{config.host}]" if ":" in config.host else config.host
    print(f"berth registry: serving {config.root} on {scheme}://{host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    print("berth registry: stopped", file=sys.stderr, flush=True)
