"""``docker login``'s check: can these credentials open the registry's ``/v2/``?

An anonymous ``GET /v2/`` answered 200 needs no credentials. A 401 names the
scheme: basic credentials are sent to ``/v2/`` again; for a bearer challenge
a token is asked of its realm with the credentials (no scope), which is what
docker does. A refusal raises ``Unauthorized``.
"""

from berth.errors import Unauthorized
from berth.registry.client import transport
from berth.registry.client.auth import Authorizer
from berth.registry.client.endpoint import Endpoint


def check_login(authorizer: Authorizer) -> None:
    ep: Endpoint = authorizer.endpoint
    url = f"{ep.base_url}/v2/"
    for _ in range(2):
        with transport.send(ep, "GET", url, authorizer.header("")) as resp:
            if resp.status == 200:
                return
            if resp.status != 401 or not authorizer.challenged(resp, ""):
                raise Unauthorized(f"login attempt to {url} failed with status: "
                                   f"{resp.status} {resp.reason}")
    raise Unauthorized(f"login attempt to {url} failed with status: 401 Unauthorized")
