"""``GET /events``: what happened to containers, images, volumes and networks.

Services report with ``emit(type, action, id, attributes)`` from the event
loop or from worker threads. The bus keeps the last ``KEEP`` events (dockerd
keeps 256) for ``since``, and hands new ones to every subscriber's queue.
Filters are docker's: ``type``, ``event`` (action), ``container``, ``image``,
``label``, ``volume``, ``network``, ``daemon``; values of one key are ORed,
keys ANDed.
"""

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from berth.errors import InvalidArgument
from berth.util.filters import label_matches

KEEP = 256
FILTER_KEYS = frozenset({"type", "event", "container", "image", "label", "volume", "network",
                         "daemon", "scope"})


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # container, image, volume, network, daemon
    action: str
    id: str
    attributes: dict[str, str] = field(default_factory=dict)
    time_nano: int = 0

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Type": self.type, "Action": self.action,
            "Actor": {"ID": self.id, "Attributes": dict(self.attributes)},
            "scope": "local", "time": self.time_nano // 1_000_000_000,
            "timeNano": self.time_nano}
        if self.type in ("container", "image"):  # the old fields, still read by clients
            out["status"] = self.action
            out["id"] = self.id
            if self.type == "container" and "image" in self.attributes:
                out["from"] = self.attributes["image"]
        return out


def check_filters(filters: dict[str, list[str]]) -> None:
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")


def matches(event: Event, filters: dict[str, list[str]]) -> bool:
    def any_of(key: str, values: list[str | None]) -> bool:
        wanted = filters.get(key)
        return not wanted or any(v is not None and v in wanted for v in values)

    attrs = event.attributes
    name = attrs.get("name")
    if not any_of("type", [event.type]) or not any_of("event", [event.action,
                                                               event.action.split(":")[0]]):
        return False
    if filters.get("container") and (event.type != "container" or not any_of(
            "container", [event.id, event.id[:12], name])):
        return False
    if filters.get("image") and not any_of("image", [
            attrs.get("image"), event.id if event.type == "image" else None,
            name if event.type == "image" else None]):
        return False
    for kind in ("volume", "network"):
        if filters.get(kind) and (event.type != kind or not any_of(kind, [event.id, name])):
            return False
    return all(label_matches(attrs, spec) for spec in filters.get("label", []))


class EventBus:
    def __init__(self) -> None:
        self._recent: deque[Event] = deque(maxlen=KEEP)
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop subscribers live on (events from threads are handed to it)."""
        self._loop = loop

    def emit(self, type_: str, action: str, id_: str,
             attributes: dict[str, str] | None = None) -> None:
        event = Event(type_, action, id_, dict(attributes or {}), time.time_ns())
        with self._lock:
            self._recent.append(event)
            subscribers = list(self._subscribers)
        if not subscribers or self._loop is None:
            return
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:  # a worker thread
            on_loop = False
        for queue in subscribers:
            if on_loop:
                queue.put_nowait(event)
            else:
                self._loop.call_soon_threadsafe(queue.put_nowait, event)

    async def stream(self, since: float | None, until: float | None,
                     filters: dict[str, list[str]],
                     alive: Callable[[], bool] = lambda: True) -> AsyncIterator[Event]:
        """Past events from ``since``, then new ones until ``until``, or for as long as
        ``alive()`` (the client is still connected: checked every second)."""
        check_filters(filters)
        queue: asyncio.Queue[Event] = asyncio.Queue()
        with self._lock:
            past = list(self._recent) if since is not None else []
            self._subscribers.add(queue)
        try:
            until_ns = None if until is None else int(until * 1e9)
            since_ns = int((since or 0) * 1e9)
            for event in past:
                if (event.time_nano >= since_ns
                        and (until_ns is None or event.time_nano <= until_ns)
                        and matches(event, filters)):
                    yield event
            while alive():
                timeout = 1.0
                if until_ns is not None:
                    timeout = min(timeout, (until_ns - time.time_ns()) / 1e9)
                    if timeout <= 0:
                        return
                try:
                    event = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    continue
                if until_ns is not None and event.time_nano > until_ns:
                    return
                if matches(event, filters):
                    yield event
        finally:
            with self._lock:
                self._subscribers.discard(queue)
