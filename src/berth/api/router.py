"""Routes served both unversioned and under ``/v{major}.{minor}``."""

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Router:
    def __init__(self, app: web.Application) -> None:
        self._app = app

    def add(self, method: str, path: str, handler: Handler) -> None:
        self._app.router.add_route(method, path, handler)
        self._app.router.add_route(method, r"/v{api_version:[0-9]+\.[0-9]+}" + path, handler)
