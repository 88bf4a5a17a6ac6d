"""One HTTP exchange with a registry over ``http.client``, redirects followed.

A new connection per exchange: pulls and pushes make few requests, each a
large body, and a connection per thread is what the concurrent blob fetches
need anyway. A redirect to another host (blob storage behind a CDN) drops the
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
from collections.abc import Iterable, Mapping
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from berth.errors import Unavailable
from berth.registry.client.endpoint import Endpoint

USER_AGENT = "berth/0.1 (linux) docker/28.0-compatible"
TIMEOUT = 60.0
_BLOCK = 1 << 20
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
Body = bytes | BinaryIO | Iterable[bytes] | None


class Response:
    """A response whose body is read as it comes; close it (or read it whole)."""

    def __init__(self, url: str, conn: http.client.HTTPConnection,
                 raw: http.client.HTTPResponse) -> None:
        self.url = url
        self.status = raw.status
        self.reason = raw.reason
        self._conn = conn
        self._raw = raw

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
        self._raw.close()
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
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        ctx = (endpoint.ssl_context() if parts.netloc == endpoint.host or not endpoint.verify
               else ssl.create_default_context())
        conn = http.client.HTTPSConnection(parts.netloc, timeout=timeout, blocksize=_BLOCK,
                                           context=ctx)
    else:
        conn = http.client.HTTPConnection(parts.netloc, timeout=timeout, blocksize=_BLOCK)
    target = parts.path + ("?" + parts.query if parts.query else "")
    try:
        conn.request(method, target or "/", body=body, headers=headers,
                     encode_chunked="Content-Length" not in headers and body is not None
                     and not isinstance(body, bytes))
        raw = conn.getresponse()
    except (OSError, http.client.HTTPException) as e:
        conn.close()
        raise Unavailable(f'{method.title()} "{url}": {_reason(e)}') from None
    return Response(url, conn, raw)


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
