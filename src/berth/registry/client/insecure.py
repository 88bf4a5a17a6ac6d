"""dockerd's ``--insecure-registry HOST[:PORT]|CIDR``: which registries are insecure.

An insecure registry is tried over HTTPS *without* certificate verification,
and over plain HTTP when that fails (``berth.registry.client.ping``). A
registry is insecure when its domain (``host[:port]`` as the reference spells
it) is one of the host entries, or when one of its IP addresses (the literal,
or what the name resolves to) lies in one of the CIDRs; ``127.0.0.0/8`` is
always one of them, as in dockerd.

The values are checked as dockerd's ``LoadInsecureRegistries`` checks them, with
its messages: a leading ``http://`` or ``https://`` is dropped with a warning,
any other scheme is refused, a CIDR is normalized (``10.1.2.3/8`` is
``10.0.0.0/8``), anything else must be a ``host[:port]`` (a domain or an IP,
a port up to 65535). ``docker.io`` (or ``index.docker.io``) stays secure.
"""

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from berth.errors import InvalidArgument

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_CIDR = ipaddress.ip_network("127.0.0.0/8")
_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
# distribution/reference's DomainRegexp, as dockerd's validHostPortRegex anchors it
_HOST_PORT = re.compile(rf"{_COMPONENT}(?:\.{_COMPONENT})*(?::[0-9]+)?")
_HUB = frozenset({"docker.io", "index.docker.io"})


@dataclass(frozen=True, slots=True)
class InsecureRegistries:
    hosts: tuple[str, ...] = ()  # "10.1.2.3:5000", "reg.example", "[::1]:5000"
    cidrs: tuple[Network, ...] = (LOOPBACK_CIDR,)  # in the given order, 127.0.0.0/8 last

    @classmethod
    def parse(cls, values: Iterable[str]) -> "InsecureRegistries":
        """The flag's values (InvalidArgument with dockerd's message for a bad one)."""
        hosts: list[str] = []
        cidrs: list[Network] = []
        for value in [*values, str(LOOPBACK_CIDR)]:
            entry = _entry(value)
            if isinstance(entry, str):
                if entry not in hosts and entry not in _HUB:
                    hosts.append(entry)
            elif entry not in cidrs:
                cidrs.append(entry)
        return cls(tuple(hosts), tuple(cidrs))

    def lists(self, domain: str) -> bool:
        """Is the registry at ``domain`` (``host[:port]``) insecure? dockerd's
        ``isSecureIndex``: a host entry by its exact string, else any address of
        the host (a name is resolved; one that does not resolve matches no CIDR)."""
        if domain in _HUB:
            return False
        if domain in self.hosts:
            return True
        return any(addr in net for addr in _addresses(_hostname(domain)) for net in self.cidrs
                   if addr.version == net.version)


def _entry(raw: str) -> str | Network:
    value = raw
    if value.startswith("-") or value.endswith("-"):
        raise InvalidArgument(f"invalid index name ({value}). Cannot begin or end with a hyphen")
    scheme, sep, rest = value.partition("://")
    if sep:
        if scheme.lower() not in ("http", "https"):
            raise InvalidArgument(f"insecure registry {value} should not contain '://'")
        log.warning("insecure registry %s should not contain '%s://' and '%s://' has been "
                    "removed from the insecure registry config", raw, scheme.lower(),
                    scheme.lower())
        value = rest
    if "/" in value:
        address, _, prefix = value.partition("/")
        if prefix.isdigit() and _ip(address) is not None:
            try:
                return ipaddress.ip_network(value, strict=False)
            except ValueError:
                pass  # a prefix too long for the address: not a CIDR, refused below
    _check_host_port(raw, value)
    return "docker.io" if value == "index.docker.io" else value


def _check_host_port(raw: str, value: str) -> None:
    """dockerd's validateHostPort: a domain (or an IP) with an optional port."""
    host, port = _split_host_port(value) or (value, "")
    if not _HOST_PORT.fullmatch(value) and _ip(host) is None:
        raise InvalidArgument(f'insecure registry {raw} is not valid: invalid host "{host}"')
    if port and not port.isdigit():
        raise InvalidArgument(f'insecure registry {raw} is not valid: strconv.Atoi: parsing '
                              f'"{port}": invalid syntax')
    if port and int(port) > 65535:
        raise InvalidArgument(f'insecure registry {raw} is not valid: invalid port "{port}"')


def _split_host_port(value: str) -> tuple[str, str] | None:
    """Go's net.SplitHostPort: None when ``value`` is not ``host:port``."""
    colon = value.rfind(":")
    if colon < 0:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0 or end + 1 != colon:
            return None
        return value[1:end], value[colon + 1:]
    host = value[:colon]
    return None if ":" in host else (host, value[colon + 1:])


def _hostname(domain: str) -> str:
    """The host of ``host[:port]`` (``[::1]:5000`` is ``::1``, ``::1`` stays)."""
    parts = _split_host_port(domain)
    return parts[0] if parts else domain


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The host's IPs: the literal, else what it resolves to (none when it does not)."""
    literal = _ip(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    found = [_ip(str(info[4][0]).partition("%")[0]) for info in infos]
    return [a for a in found if a is not None]
