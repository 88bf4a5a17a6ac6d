"""Query parameters the way dockerd reads them."""

import json
from typing import Any

from aiohttp import web

from berth.errors import InvalidArgument


def boolean(request: web.Request, name: str, default: bool = False) -> bool:
    """Docker's BoolValue: '', 0, no, false, none are false; anything else true."""
    if name not in request.query:
        return default
    value = request.query[name].strip().lower()
    return value not in ("", "0", "no", "false", "none")


def integer(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidArgument(f"invalid value for {name}: {raw!r}") from None


def filters(request: web.Request) -> dict[str, list[str]]:
    raw = request.query.get("filters")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid filter: {raw}") from None
    if not isinstance(data, dict):
        raise InvalidArgument(f"invalid filter: {raw}")
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, dict):  # {"label": {"a=b": true}}, the newer form
            out[key] = [k for k, v in value.items() if v]
        elif isinstance(value, list):
            out[key] = [str(v) for v in value]
        else:
            raise InvalidArgument(f"invalid filter: {raw}")
    return out


async def json_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return {}
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as e:
        raise InvalidArgument(f"invalid JSON: {e}") from None
