"""The event bus: docker's filter rules, past events by time, delivery from threads."""

import asyncio
import threading
import time

import pytest

from berth.daemon.events import Event, EventBus, check_filters, matches
from berth.errors import InvalidArgument

DIE = Event("container", "die", "c" * 64, {"image": "busybox", "name": "web", "tier": "a"}, 1)
TAG = Event("image", "tag", "sha256:" + "a" * 64, {"name": "busybox:latest"}, 2)


@pytest.mark.parametrize(("filters", "die", "tag"), [
    ({}, True, True),
    ({"type": ["container"]}, True, False),
    ({"event": ["die", "stop"]}, True, False),
    ({"container": ["web"]}, True, False),
    ({"container": ["c" * 12]}, True, False),
    ({"image": ["busybox"]}, True, False),
    ({"image": ["busybox:latest"]}, False, True),
    ({"label": ["tier=a"]}, True, False),
    ({"label": ["tier=b"]}, False, False),
    ({"type": ["container"], "event": ["tag"]}, False, False),
])
def test_matches(filters: dict[str, list[str]], die: bool, tag: bool) -> None:
    assert matches(DIE, filters) is die
    assert matches(TAG, filters) is tag


def test_api_shape() -> None:
    out = DIE.to_api()
    assert out["Actor"] == {"ID": "c" * 64, "Attributes": DIE.attributes}
    assert (out["status"], out["id"], out["from"], out["scope"]) == (
        "die", "c" * 64, "busybox", "local")
    check_filters({"type": ["x"]})
    with pytest.raises(InvalidArgument, match="invalid filter 'colour'"):
        check_filters({"colour": ["red"]})


def test_past_then_live_from_a_thread() -> None:
    async def scenario() -> list[str]:
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        since = time.time()
        bus.emit("container", "create", "x", {})
        seen: list[str] = []

        async def read() -> None:
            async for event in bus.stream(since, time.time() + 1.0, {}):
                seen.append(event.action)

        reader = asyncio.ensure_future(read())
        await asyncio.sleep(0.05)
        threading.Thread(target=bus.emit, args=("container", "start", "x", {})).start()
        await asyncio.wait_for(reader, 5)
        return seen

    assert asyncio.run(scenario()) == ["create", "start"]
