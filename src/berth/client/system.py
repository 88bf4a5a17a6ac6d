"""/_ping, /version, /info, /system/df."""

from __future__ import annotations

import json
from collections.abc import Iterator

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

    def events(self, since: str | None = None, until: str | None = None,
               filters: dict[str, list[str]] | None = None) -> Iterator[dict[str, Any]]:
        """``GET /events``: the events as they come (until ``until``, if given)."""
        resp = self.client.open_stream("GET", "/events", {
            "since": since, "until": until,
            "filters": json.dumps(filters) if filters else None})
        try:
            yield from resp.iter_json()
        finally:
            resp.close()

    def df(self, types: list[str] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "GET", "/system/df", [("type", t) for t in types or []])
        return result
