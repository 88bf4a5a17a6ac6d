"""The client's errors: one for an answer the daemon gave, others for the transport.

``APIError`` is built by the one function that reads an error body
(``from_body``): the daemon answers ``{"message": "..."}`` for every non-2xx.
"""

import json


class ClientError(Exception):
    """Base of everything ``berth.client`` raises."""


class APIError(ClientError):
    """The daemon answered with a non-2xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return self.message

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    @classmethod
    def from_body(cls, status: int, body: bytes) -> "APIError":
        text = body.decode("utf-8", "replace").strip()
        message = text
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("message"), str):
                message = data["message"]
        if not message:
            message = f"HTTP {status}"
        return cls(status, message)


class DaemonUnreachable(ClientError):
    """Nothing answers at the daemon's address."""

    def __init__(self, host: str, detail: str = "") -> None:
        self.host = host
        self.detail = detail
        text = f"Cannot connect to the berth daemon at {host}. Is the berth daemon running?"
        if detail:
            text += f" ({detail})"
        super().__init__(text)


class SocketPermissionDenied(DaemonUnreachable):
    """The socket is there but this user may not connect to it (EACCES): docker's words,
    then what to do about it."""

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        self.detail = detail
        ClientError.__init__(
            self, f"permission denied while trying to connect to the berth daemon socket at "
            f"{host}: {detail}\nRun it as root, or as a member of the socket's group "
            f"(berthd -G GROUP names it)")


class ProtocolError(ClientError):
    """The peer did not speak HTTP/1.1 the way we expect."""


class StreamError(ClientError):
    """A JSON progress stream carried an error line (``{"error": ...}``)."""
