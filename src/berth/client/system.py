"""/_ping, /version, /info, /system/df."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from berth.client.api import Client


class SystemAPI:
    def __init__(self, client: Client) -> None:
        self.client = client

    def ping(self) -> str:
        return self.client.request("GET", "/_ping", versioned=False).read().decode()

    def version(self) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", "/version")
        return result

    def info(self) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", "/info")
        return result

    def df(self, types: list[str] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "GET", "/system/df", [("type", t) for t in types or []])
        return result
