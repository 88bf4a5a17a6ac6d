"""``berth events``: the daemon's events, one line each, as the docker CLI prints them:
``<time> <type> <action> <id> (<attributes>)``."""

from __future__ import annotations

import datetime

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client


def line(event: dict[str, Any]) -> str:
    nano = int(event.get("timeNano") or int(event.get("time") or 0) * 1_000_000_000)
    when = datetime.datetime.fromtimestamp(nano // 1_000_000_000).astimezone()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S") + f".{nano % 1_000_000_000:09d}" + \
        when.strftime("%z")[:3] + ":" + when.strftime("%z")[3:]
    actor = event.get("Actor") or {}
    attrs = actor.get("Attributes") or {}
    text = f"{stamp} {event.get('Type', '')} {event.get('Action', '')} {actor.get('ID', '')}"
    if attrs:
        text += " (" + ", ".join(f"{k}={v}" for k, v in sorted(attrs.items())) + ")"
    return text


def run(args: argparse.Namespace, client: Client) -> int:
    filters: dict[str, list[str]] = {}
    for spec in args.filter:
        key, _, value = spec.partition("=")
        filters.setdefault(key, []).append(value)
    for event in client.system.events(args.since, args.until, filters or None):
        print(line(event), flush=True)
    return 0
