"""``Client``: the transport and API version shared by the resource modules.

Requests go to ``/v<version>/...``. The version starts at ``API_VERSION`` and
is lowered, on first use, to the daemon's ``Api-Version`` from ``GET /_ping``
when that is older (docker's negotiation; nothing is cached on disk). Plain
requests share one keep-alive connection; streams and hijacks get their own.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping

from berth.client.errors import (
    APIError,
    DaemonUnreachable,
    ProtocolError,
    SocketPermissionDenied,
)
from berth.client.hosts import parse_host, resolve_host
from berth.client.http import Connection, Hijacked, Response, encode_query

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from berth.client.build import BuildAPI

API_VERSION = "1.44"
FALLBACK_API_VERSION = "1.24"
"""What docker assumes when the daemon sends no ``Api-Version`` header."""

_AUTOSTART_ERRNOS = frozenset({errno.ENOENT, errno.ECONNREFUSED})

Query = Mapping[str, object] | list[tuple[str, object]] | None


def version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (0,)


class Client:
    """A Docker Engine API client. ``host`` overrides BERTH_HOST / DOCKER_HOST."""

    def __init__(self, host: str | None = None, *, version: str | None = None,
                 autostart: bool = True, timeout: float | None = None) -> None:
        self.host = resolve_host(host)
        self.address = parse_host(self.host)
        self.autostart = autostart
        self.timeout = timeout
        self._pinned = version
        self._version: str | None = version
        self.server_version: str | None = None
        self._conn: Connection | None = None
        from berth.client.containers import ContainersAPI
        from berth.client.images import ImagesAPI
        from berth.client.networks import NetworksAPI
        from berth.client.system import SystemAPI
        from berth.client.volumes import VolumesAPI

        self.containers = ContainersAPI(self)
        self.images = ImagesAPI(self)
        self.networks = NetworksAPI(self)
        self.system = SystemAPI(self)
        self.volumes = VolumesAPI(self)

    @property
    def build(self) -> BuildAPI:
        """``/build`` (imported on first use: it brings tarfile along)."""
        from berth.client.build import BuildAPI

        return BuildAPI(self)

    # -- connections ---------------------------------------------------------------

    def connect(self) -> Connection:
        """A new connection to the daemon, starting berthd first if allowed and needed."""
        try:
            return Connection(self.address, timeout=self.timeout)
        except OSError as e:
            if not (self.autostart and self.address[0] == "unix"
                    and e.errno in _AUTOSTART_ERRNOS):
                raise self._unreachable(e) from e
        from berth.client.autostart import start_daemon

        path = self.address[1]
        assert isinstance(path, str)
        start_daemon(path, self.host)
        try:
            return Connection(self.address, timeout=self.timeout)
        except OSError as e:
            raise self._unreachable(e) from e

    def _unreachable(self, e: OSError) -> DaemonUnreachable:
        if e.errno == errno.EACCES:
            return SocketPermissionDenied(self.host, "connect: permission denied")
        return DaemonUnreachable(self.host)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- versions --------------------------------------------------------------------

    @property
    def api_version(self) -> str:
        if self._version is None:
            self.negotiate()
        assert self._version is not None
        return self._version

    @property
    def current_version(self) -> str:
        """The version in use so far, without asking the daemon."""
        return self._version or API_VERSION

    def negotiate(self) -> str:
        """``GET /_ping``; use the daemon's ``Api-Version`` when older than ours."""
        resp = self._send("GET", "/_ping", None, None, None)
        resp.read()
        self._adopt(resp.header("Api-Version") or FALLBACK_API_VERSION)
        assert self._version is not None
        return self._version

    def _adopt(self, server: str) -> None:
        self.server_version = server
        if self._pinned is None:
            ours = API_VERSION
            self._version = server if version_tuple(server) < version_tuple(ours) else ours

    def url(self, path: str, query: Query = None, versioned: bool = True) -> str:
        prefix = f"/v{self.api_version}" if versioned else ""
        return prefix + path + encode_query(query)

    # -- requests --------------------------------------------------------------------

    def _send(self, method: str, target: str, body: bytes | BinaryIO | None,
              headers: Mapping[str, str] | None, body_size: int | None) -> Response:
        replayable = body is None or isinstance(body, bytes)
        conn = self._conn
        if conn is not None and conn.reusable:
            try:
                return conn.request(method, target, body, headers, body_size)
            except (BrokenPipeError, ConnectionResetError, ProtocolError):
                conn.close()  # the daemon closed it as we sent, or died with our request
                # Sent again only when that cannot do a thing twice (Go's transport's
                # rule): a start or a create the dead daemon may have done is not.
                if not replayable or method not in ("GET", "HEAD"):
                    raise
        self._conn = conn = self.connect()
        return conn.request(method, target, body, headers, body_size)

    def request(self, method: str, path: str, query: Query = None, *,
                body: bytes | BinaryIO | None = None, json_body: Any = None,
                headers: Mapping[str, str] | None = None, body_size: int | None = None,
                versioned: bool = True) -> Response:
        """Send a request on the shared connection; raise ``APIError`` for non-2xx.
        The caller reads the body (``read``/``iter_chunks``) before the next request."""
        target = self.url(path, query, versioned)
        hdrs = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        resp = self._send(method, target, body, hdrs, body_size)
        if not resp.ok:
            raise APIError.from_body(resp.status, resp.read())
        return resp

    def call(self, method: str, path: str, query: Query = None, *, json_body: Any = None,
             versioned: bool = True) -> Any:
        """A request whose answer is JSON (or empty: ``None``)."""
        data = self.request(method, path, query, json_body=json_body, versioned=versioned).read()
        return json.loads(data) if data.strip() else None

    def open_stream(self, method: str, path: str, query: Query = None,
                    json_body: Any = None) -> Response:
        """A request on its own connection, for a long answer read while other
        requests go on (logs -f, wait before start)."""
        resp = self.send_on_own_connection(method, path, query, json_body).get_response(method)
        if not resp.ok:
            try:
                raise APIError.from_body(resp.status, resp.read())
            finally:
                resp.close()
        return resp

    def send_on_own_connection(self, method: str, path: str, query: Query = None,
                               json_body: Any = None) -> Connection:
        """Send a request on a new connection without waiting for the answer."""
        target = self.url(path, query)
        conn = self.connect()
        body = None
        headers = {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        conn.send_request(method, target, body, headers)
        return conn

    def hijack(self, method: str, path: str, query: Query = None,
               json_body: Any = None) -> Hijacked:
        """An upgraded (``Upgrade: tcp``) connection for attach and exec."""
        target = self.url(path, query)
        conn = self.connect()
        if json_body is None:
            stream = conn.hijack(method, target)
        else:
            stream = conn.hijack(method, target, {"Content-Type": "application/json"},
                                 json.dumps(json_body).encode())
        if not stream.ok:
            try:
                raise APIError.from_body(stream.response.status, stream.response.read())
            finally:
                conn.close()
        return stream
