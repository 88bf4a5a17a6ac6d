"""Routes served both unversioned and under ``/v{major}.{minor}``.

Every handler is wrapped once, when it is registered, in the server's docker logic
(version check, errors as docker writes them): an aiohttp middleware would do the
same per request at a third of the ``/_ping`` rate.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
VERSIONED = r"/v{api_version:[0-9]+\.[0-9]+}"


class Router:
    def __init__(self, app: web.Application, wrap: Callable[[Handler], Handler]) -> None:
        self._app = app
        self._wrap = wrap

    def add(self, method: str, path: str, handler: Handler) -> None:
        wrapped = self._wrap(handler)
        self._app.router.add_route(method, path, wrapped)
        self._app.router.add_route(method, VERSIONED + path, wrapped)

    def fallback(self, handler: Handler) -> None:
        """Answer every request no route took (last: aiohttp tries routes in order)."""
        wrapped = self._wrap(handler)
        self._app.router.add_route("*", VERSIONED + "/{tail:.*}", wrapped)
        self._app.router.add_route("*", "/{tail:.*}", wrapped)
