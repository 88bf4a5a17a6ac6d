"""Where a registry domain is reached: scheme, host, TLS roots.

Docker's rule: ``localhost``, ``127.0.0.0/8`` and ``::1`` (with any port) are
spoken to over plain HTTP, every other registry over HTTPS with the system's
CAs plus the ``*.crt`` files of ``<certs_dir>/<host[:port]>/`` (docker's
``/etc/docker/certs.d`` layout; berth's is ``paths.CERTS_DIR``). ``docker.io``
is served at ``registry-1.docker.io``.
"""

import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

DOCKER_HUB = "docker.io"
DOCKER_HUB_HOST = "registry-1.docker.io"
DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/"


@dataclass(frozen=True, slots=True)
class Endpoint:
    domain: str  # as in the reference: "docker.io", "localhost:5000"
    host: str  # "registry-1.docker.io", "localhost:5000" (with the port when there is one)
    secure: bool
    ca_files: tuple[Path, ...] = ()

    @property
    def base_url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.host}"

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.secure:
            return None
        ctx = ssl.create_default_context()
        for ca in self.ca_files:
            ctx.load_verify_locations(cafile=str(ca))
        return ctx


def hostname(host: str) -> str:
    """The host without its port (``[::1]:5000`` is ``::1``)."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def is_insecure(host: str) -> bool:
    """Docker's loopback rule for plain HTTP."""
    name = hostname(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def resolve(domain: str, certs_dir: Path | None = None) -> Endpoint:
    host = DOCKER_HUB_HOST if domain == DOCKER_HUB else domain
    if is_insecure(host):
        return Endpoint(domain, host, secure=False)
    cas: tuple[Path, ...] = ()
    if certs_dir is not None and (certs_dir / domain).is_dir():
        cas = tuple(sorted((certs_dir / domain).glob("*.crt")))
    return Endpoint(domain, host, secure=True, ca_files=cas)


def config_key(domain: str) -> str:
    """The key of the registry in docker's ``config.json`` ``auths``."""
    return DOCKER_HUB_CONFIG_KEY if domain in (DOCKER_HUB, "index.docker.io") else domain


def domain_of(server: str) -> str:
    """A server address as users type it (``https://host:5000/v2/``, ``host``) to the
    registry domain; Docker Hub's addresses to ``docker.io``."""
    s = server.strip()
    for prefix in ("https://", "http://"):
        s = s.removeprefix(prefix)
    s = s.partition("/")[0]
    if s in ("", "index.docker.io", "registry-1.docker.io", "docker.io"):
        return DOCKER_HUB
    return s
