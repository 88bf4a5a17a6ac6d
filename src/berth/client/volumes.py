"""Volume endpoints."""

from __future__ import annotations

import json

from berth.client.http import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from berth.client.api import Client

    Filters = dict[str, list[str]]


class VolumesAPI:
    def __init__(self, client: Client) -> None:
        self.client = client

    def create(self, name: str = "", driver: str = "", options: dict[str, str] | None = None,
               labels: dict[str, str] | None = None) -> dict[str, Any]:
        body = {"Name": name, "Driver": driver, "DriverOpts": options or {},
                "Labels": labels or {}}
        result: dict[str, Any] = self.client.call("POST", "/volumes/create", json_body=body)
        return result

    def list(self, filters: Filters | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", "/volumes", {
            "filters": json.dumps(filters) if filters else None})
        return result

    def inspect(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", f"/volumes/{quote(name)}")
        return result

    def remove(self, name: str, force: bool = False) -> None:
        self.client.call("DELETE", f"/volumes/{quote(name)}", {"force": force or None})

    def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("POST", "/volumes/prune", {
            "filters": json.dumps(filters) if filters else None})
        return result
