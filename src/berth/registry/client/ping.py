"""The first request of a pull, push, login or inspect: ``GET /v2/``, as dockerd's.

dockerd pings ``/v2/`` before anything else, so a registry it cannot speak to
fails with that URL in the message (``Get "https://HOST/v2/": http: server
gave HTTP response to HTTPS client``), at once and not after retries. For an
insecure registry the ping also picks the scheme, dockerd's order of
endpoints: HTTPS without verification first; if no HTTP answer comes over
TLS (a plain-HTTP server, a failed handshake, nothing listening), plain HTTP,
pinged in its turn, so that a registry answering neither fails with the last
attempt's words (``Get "http://HOST/v2/": connection refused``), as dockerd's
``lastErr``. Any answer over TLS, whatever its status, keeps HTTPS. A registry spoken to
over plain HTTP by the loopback rule is not pinged: nothing is to be chosen,
and its errors name the request that met them.
"""

import dataclasses

from berth.errors import Unavailable
from berth.registry.client import transport
from berth.registry.client.endpoint import Endpoint


def ping(endpoint: Endpoint) -> Endpoint:
    """The endpoint the operation goes on with; Unavailable (a secure registry that
    gave no HTTP answer over TLS) with dockerd's words."""
    if not endpoint.secure:
        return endpoint
    try:
        _get_v2(endpoint)
    except Unavailable:
        if endpoint.verify:
            raise
        plain = dataclasses.replace(endpoint, secure=False)
        _get_v2(plain)
        return plain
    return endpoint


def _get_v2(endpoint: Endpoint) -> None:
    transport.send(endpoint, "GET", f"{endpoint.base_url}/v2/").close()
