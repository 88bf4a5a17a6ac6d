"""berth.client: a small Docker Engine API client over AF_UNIX or TCP.

Fast to import (``socket`` and ``json`` only), it works against berthd and
Docker's dockerd alike. ``Client`` is the entry; errors are in ``errors``,
the HTTP/1.1 layer in ``http``, Docker's stream framing in ``streams``.
"""

from berth.client.api import API_VERSION, Client
from berth.client.errors import APIError, ClientError, DaemonUnreachable, StreamError

__all__ = ["API_VERSION", "APIError", "Client", "ClientError", "DaemonUnreachable",
           "StreamError"]
