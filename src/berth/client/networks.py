"""Network endpoints."""

from __future__ import annotations

import json

from berth.client.http import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from berth.client.api import Client

    Filters = dict[str, list[str]]


class NetworksAPI:
    def __init__(self, client: Client) -> None:
        self.client = client

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("POST", "/networks/create", json_body=body)
        return result

    def list(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.client.call("GET", "/networks", {
            "filters": json.dumps(filters) if filters else None})
        return result

    def inspect(self, ref: str, verbose: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", f"/networks/{quote(ref)}",
                                                  {"verbose": verbose or None})
        return result

    def remove(self, ref: str) -> None:
        self.client.call("DELETE", f"/networks/{quote(ref)}")

    def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("POST", "/networks/prune", {
            "filters": json.dumps(filters) if filters else None})
        return result
