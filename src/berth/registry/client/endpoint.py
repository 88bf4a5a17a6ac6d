"""Where a registry domain is reached: scheme, host, TLS roots.

The rules, first match wins:

1. a registry listed by ``--insecure-registry`` as ``host[:port]``: HTTPS without
   certificate verification, then plain HTTP if that fails (``verify=False``;
   ``berth.registry.client.ping`` settles which, as dockerd tries its endpoints);
2. ``localhost``, ``127.0.0.0/8`` and ``::1`` (with any port): plain HTTP;
3. a registry whose address lies in an insecure CIDR: as in 1;
4. every other registry: HTTPS with the system's CAs plus the ``*.crt`` files
   of ``<certs_dir>/<host[:port]>/`` (docker's ``/etc/docker/certs.d`` layout;
   berth's is ``paths.CERTS_DIR``).

``docker.io`` is served at ``registry-1.docker.io``, always verified.
"""

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from berth.registry.client.insecure import InsecureRegistries
from berth.registry.client.proxy import Proxies, is_loopback

if TYPE_CHECKING:
    from berth.registry.client.transport import Pool

DOCKER_HUB = "docker.io"
DOCKER_HUB_HOST = "registry-1.docker.io"
DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/"


@dataclass(frozen=True, slots=True)
class Endpoint:
    domain: str  # as in the reference: "docker.io", "localhost:5000"
    host: str  # "registry-1.docker.io", "localhost:5000" (with the port when there is one)
    secure: bool  # HTTPS (else plain HTTP)
    ca_files: tuple[Path, ...] = ()
    verify: bool = True  # False: an insecure registry, its certificate is not checked
    proxies: Proxies = field(default_factory=Proxies)  # berthd's HTTP(S)_PROXY, NO_PROXY
    # the operation's kept-alive connections (berth.registry.client.transport)
    pool: "Pool" = field(default_factory=lambda: _new_pool(), compare=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.host}"

    def ssl_context(self) -> ssl.SSLContext:
        """For an HTTPS request of this registry (or, insecure, of its operation)."""
        ctx = ssl.create_default_context()
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        for ca in self.ca_files:
            ctx.load_verify_locations(cafile=str(ca))
        return ctx


def _new_pool() -> "Pool":
    from berth.registry.client.transport import Pool  # transport imports this module

    return Pool()


def hostname(host: str) -> str:
    """The host without its port (``[::1]:5000`` is ``::1``)."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def is_insecure(host: str) -> bool:
    """Docker's loopback rule for plain HTTP."""
    return is_loopback(hostname(host))


def resolve(domain: str, certs_dir: Path | None = None,
            insecure: InsecureRegistries | None = None,
            proxies: Proxies | None = None) -> Endpoint:
    """The endpoint of ``domain`` by the rules above (``insecure``: the daemon's
    ``--insecure-registry`` list; None checks no address, only the loopback rule;
    ``proxies``: the daemon's, none by default)."""
    host = DOCKER_HUB_HOST if domain == DOCKER_HUB else domain
    rules = insecure if domain != DOCKER_HUB else None
    via = proxies or Proxies()
    if rules is not None and domain in rules.hosts:
        return Endpoint(domain, host, secure=True, verify=False, proxies=via)
    if is_insecure(host):
        return Endpoint(domain, host, secure=False, proxies=via)
    if rules is not None and rules.lists(domain):
        return Endpoint(domain, host, secure=True, verify=False, proxies=via)
    cas: tuple[Path, ...] = ()
    if certs_dir is not None and (certs_dir / domain).is_dir():
        cas = tuple(sorted((certs_dir / domain).glob("*.crt")))
    return Endpoint(domain, host, secure=True, ca_files=cas, proxies=via)


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
