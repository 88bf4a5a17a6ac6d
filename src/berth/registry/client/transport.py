"""One HTTP exchange with a registry over ``http.client``, redirects followed.

Connections are kept alive across an operation's requests (a pull's token,
manifest, config and blob requests; a push's HEADs, uploads and PUTs): each
endpoint holds a ``Pool`` of idle connections by scheme, host and proxy; a
response read to its end gives its connection back, one closed early closes
it, and a request whose reused connection the server had closed is sent again
on a new one (when its body can be sent again). Requests go through berthd's
``HTTP_PROXY``/``HTTPS_PROXY`` unless ``NO_PROXY`` says otherwise
(``berth.registry.client.proxy``). A redirect to another host (blob storage behind a CDN) drops the
``Authorization`` header, as docker does. Another host's certificate is
verified with the system's CAs, unless the registry is an insecure one: then,
as dockerd's one transport per endpoint does, no certificate of that
operation is checked (its token server, its redirects). Errors of the network
become ``Unavailable`` with Go's words where docker users know them (``http:
server gave HTTP response to HTTPS client``, ``x509: certificate signed by
unknown authority``); a registry's JSON errors (``{"errors": [{"code",
"message"}]}``) are read by ``error_text``.
"""

import http.client
import json
import ssl
import threading
from collections.abc import Iterable, Mapping
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from berth.errors import Unavailable
from berth.registry.client.endpoint import Endpoint
from berth.registry.client.proxy import Proxy

USER_AGENT = "berth/0.1 (linux) docker/28.0-compatible"
TIMEOUT = 60.0
_BLOCK = 1 << 20
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DRAIN_MAX = 1 << 16  # a body left unread up to this size is read off to keep the connection
_IDLE_MAX = 8  # idle connections kept per key
Body = bytes | BinaryIO | Iterable[bytes] | None
Key = tuple[str, str, Proxy | None]  # scheme, host[:port], proxy


class Pool:
    """Idle connections of one endpoint's operation, for the next request to the same
    place. Thread-safe: a pull fetches blobs from a few threads."""

    def __init__(self) -> None:
        self._idle: dict[Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def take(self, key: Key) -> http.client.HTTPConnection | None:
        with self._lock:
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def give(self, key: Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < _IDLE_MAX:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()


class Response:
    """A response whose body is read as it comes; close it (or read it whole)."""

    def __init__(self, url: str, conn: http.client.HTTPConnection,
                 raw: http.client.HTTPResponse, pool: Pool | None = None,
                 key: Key | None = None) -> None:
        self.url = url
        self.status = raw.status
        self.reason = raw.reason
        self._conn = conn
        self._raw = raw
        self._pool = pool
        self._key = key

    def header(self, name: str, default: str = "") -> str:
        return self._raw.getheader(name, default) or default

    def headers_all(self, name: str) -> list[str]:
        return self._raw.headers.get_all(name) or []

    def read(self, n: int = -1) -> bytes:
        try:
            return self._raw.read() if n < 0 else self._raw.read(n)
        except (OSError, http.client.HTTPException) as e:
            raise Unavailable(f"reading {self.url}: {_reason(e)}") from None

    def read_all(self) -> bytes:
        try:
            return self.read()
        finally:
            self.close()

    def close(self) -> None:
        """Give the connection back when the body is read (or short enough to read off),
        else close it."""
        raw, pool, key = self._raw, self._pool, self._key
        self._pool = None
        if pool is not None and key is not None and not raw.will_close:
            if not raw.isclosed() and raw.length is not None and raw.length <= _DRAIN_MAX:
                try:
                    raw.read()
                except (OSError, http.client.HTTPException):
                    pass
            if raw.isclosed():
                pool.give(key, self._conn)
                return
        raw.close()
        self._conn.close()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_UNKNOWN_AUTHORITY = frozenset({18, 19, 20, 21})  # X509_V_ERR_*: self-signed, no issuer
_UNKNOWN_AUTHORITY_TEXT = "x509: certificate signed by unknown authority"  # Go's


def _reason(e: BaseException) -> str:
    if isinstance(e, ssl.SSLCertVerificationError):
        if e.verify_code in _UNKNOWN_AUTHORITY:
            return f"tls: failed to verify certificate: {_UNKNOWN_AUTHORITY_TEXT}"
        return f"tls: failed to verify certificate: {e.verify_message}"
    if isinstance(e, ssl.SSLError) and e.reason == "WRONG_VERSION_NUMBER":
        # what OpenSSL says of a plain-HTTP answer ("HTTP/1.1 400") to its ClientHello
        return "http: server gave HTTP response to HTTPS client"
    if isinstance(e, http.client.IncompleteRead):
        return "unexpected EOF"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e) or type(e).__name__


def send(endpoint: Endpoint, method: str, url: str, headers: Mapping[str, str] | None = None,
         body: Body = None, timeout: float = TIMEOUT) -> Response:
    """Send one request (following up to 5 redirects of a GET or HEAD)."""
    hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
    first_host = urlsplit(url).netloc
    for _ in range(6):
        resp = _send_once(endpoint, method, url, hdrs, body, timeout)
        if resp.status not in _REDIRECTS or method not in ("GET", "HEAD"):
            return resp
        location = resp.header("Location")
        resp.close()
        url = urljoin(url, location)
        if urlsplit(url).netloc != first_host:
            hdrs.pop("Authorization", None)
    raise Unavailable(f"{method} {url}: too many redirects")


def _send_once(endpoint: Endpoint, method: str, url: str, headers: dict[str, str],
               body: Body, timeout: float) -> Response:
    parts = urlsplit(url)
    proxy = endpoint.proxies.for_url(url)
    key: Key = (parts.scheme, parts.netloc, proxy)
    target = parts.path + ("?" + parts.query if parts.query else "")
    hdrs = dict(headers)
    if proxy is not None and parts.scheme == "http":
        target = f"http://{parts.netloc}{target or '/'}"  # a forward proxy's request line
        if proxy.authorization:
            hdrs["Proxy-Authorization"] = proxy.authorization
    # a body that can be sent again (none, or bytes) may go on a kept connection
    again = body is None or isinstance(body, bytes)
    reused = endpoint.pool.take(key) if again else None
    while True:
        conn = reused or _connect(endpoint, parts.scheme, parts.netloc, proxy, timeout)
        try:
            if reused is not None and reused.sock is not None:
                reused.sock.settimeout(timeout)
            conn.request(method, target or "/", body=body, headers=hdrs,
                         encode_chunked="Content-Length" not in hdrs and body is not None
                         and not isinstance(body, bytes))
            raw = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            if reused is not None:  # the server closed it while idle: once more, anew
                reused = None
                continue
            raise Unavailable(f'{method.title()} "{url}": {_reason(e)}') from None
        return Response(url, conn, raw, endpoint.pool, key)


def _connect(endpoint: Endpoint, scheme: str, netloc: str, proxy: Proxy | None,
             timeout: float) -> http.client.HTTPConnection:
    """A new connection to ``netloc``, or to the proxy (a CONNECT tunnel for HTTPS)."""
    host = proxy.host if proxy is not None else netloc
    if scheme != "https":
        return http.client.HTTPConnection(host, timeout=timeout, blocksize=_BLOCK)
    ctx = (endpoint.ssl_context() if netloc == endpoint.host or not endpoint.verify
           else ssl.create_default_context())
    conn = http.client.HTTPSConnection(host, timeout=timeout, blocksize=_BLOCK, context=ctx)
    if proxy is not None:
        name, _, port = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
        tunnel = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
        if port.isdigit():
            conn.set_tunnel(name, int(port), headers=tunnel)
        else:
            conn.set_tunnel(netloc, 443, headers=tunnel)
    return conn


def error_text(resp: Response, body: bytes | None = None) -> str:
    """The registry's error as docker prints it: ``code: message`` joined, or the status."""
    if body is None:
        body = b"" if resp.header("Content-Length") == "0" else resp.read(1 << 16)
    try:
        errs = json.loads(body).get("errors") or []
        text = "; ".join(f"{str(e.get('code', '')).lower()}: {e.get('message', '')}"
                         for e in errs if isinstance(e, dict))
    except (ValueError, AttributeError):
        text = ""
    return text or f"{resp.status} {resp.reason}".strip()
