"""berth.client: a small Docker Engine API client over AF_UNIX or TCP.

Fast to import (``socket`` and ``json`` only), it works against berthd and
Docker's dockerd alike. ``Client`` is the entry; errors are in ``errors``,
the HTTP/1.1 layer in ``http``, Docker's stream framing in ``streams``.

``typing`` costs 5 ms to import and is needed only by type checkers, so modules
here and in ``berth.cli`` say ``TYPE_CHECKING = False`` / ``if TYPE_CHECKING:``
(mypy treats any name ``TYPE_CHECKING`` as true) under
``from __future__ import annotations``.
"""

from berth.client.api import API_VERSION, Client
from berth.client.errors import APIError, ClientError, DaemonUnreachable, StreamError

__all__ = ["API_VERSION", "APIError", "Client", "ClientError", "DaemonUnreachable",
           "StreamError"]
