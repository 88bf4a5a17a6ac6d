"""Which proxy a registry request goes through: berthd's environment, read as Go's
``http.ProxyFromEnvironment`` (dockerd's) reads it.

``HTTPS_PROXY`` for ``https://`` URLs, ``HTTP_PROXY`` for ``http://`` ones (upper
case first, then lower case; a proxy without a scheme is ``http://``), none for
``localhost`` or a loopback address, nor for a host ``NO_PROXY`` lists:
comma-separated entries, each an IP address, a CIDR, or a domain (``foo.com``
is that name and its subdomains, ``.foo.com`` or ``*.foo.com`` its subdomains
only), optionally with ``:port``; ``*`` alone means no proxy at all. Proxies
are spoken to in plain HTTP: a forward ``GET http://...`` for HTTP, a
``CONNECT`` tunnel for HTTPS; credentials in the proxy URL go as
``Proxy-Authorization: Basic``. ``masked`` shows a proxy URL as ``docker info``
shows it (``http://xxxxx:xxxxx@proxy:3128``).
"""

import base64
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from berth.errors import InvalidArgument


@dataclass(frozen=True, slots=True)
class Proxy:
    host: str  # "proxy.example:3128"
    authorization: str = ""  # the Proxy-Authorization value, "" for none


@dataclass(frozen=True, slots=True)
class Proxies:
    http: str = ""
    https: str = ""
    no_proxy: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Proxies":
        def first(*names: str) -> str:
            return next((env[n] for n in names if env.get(n)), "")

        return cls(first("HTTP_PROXY", "http_proxy"), first("HTTPS_PROXY", "https_proxy"),
                   first("NO_PROXY", "no_proxy"))

    def for_url(self, url: str) -> Proxy | None:
        """The proxy for ``url``, None to go direct."""
        parts = urlsplit(url)
        raw = self.https if parts.scheme == "https" else self.http
        if not raw:
            return None
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if is_loopback(host) or _listed(self.no_proxy, host, port):
            return None
        return parse(raw)


def parse(raw: str) -> Proxy:
    """A proxy URL (``http://user:pass@host:port``; no scheme: ``http://``)."""
    parts = urlsplit(raw if "://" in raw else "http://" + raw)
    if parts.scheme != "http" or not parts.hostname:
        raise InvalidArgument(f"proxy {masked(raw)!r}: only http:// proxies are supported")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    auth = ""
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    return Proxy(f"{host}:{parts.port or 80}", auth)


def masked(raw: str) -> str:
    """dockerd's ``maskCredentials``: user and password both become ``xxxxx``."""
    if not raw:
        return ""
    parts = urlsplit(raw if "://" in raw else "http://" + raw)
    if "@" not in parts.netloc:
        return raw
    return parts._replace(netloc="xxxxx:xxxxx@" + parts.netloc.rpartition("@")[2]).geturl()


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (no port)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listed(no_proxy: str, host: str, port: int) -> bool:
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if _ip_match(entry, host):
            return True
        name, want_port = _split_port(entry)
        if want_port and want_port != port:
            continue
        if name.startswith("*."):
            name = name[1:]
        if name.startswith("."):
            if host.endswith(name):
                return True
        elif host == name or host.endswith("." + name):
            return True
    return False


def _ip_match(entry: str, host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    try:
        return ip in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def _split_port(entry: str) -> tuple[str, int]:
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        return name, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else 0
    name, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return entry, 0
