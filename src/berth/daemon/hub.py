"""Fan-out of one container's live output to every attached client."""

import asyncio
from dataclasses import dataclass, field

Chunk = tuple[int, bytes]  # (stream: 1 stdout / 2 stderr, data)


@dataclass(slots=True)
class OutputHub:
    """Subscribers registered before ``start`` see all output from the first byte."""

    subscribers: list["asyncio.Queue[Chunk | None]"] = field(default_factory=list)

    def subscribe(self) -> "asyncio.Queue[Chunk | None]":
        queue: asyncio.Queue[Chunk | None] = asyncio.Queue()
        self.subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: "asyncio.Queue[Chunk | None]") -> None:
        if queue in self.subscribers:
            self.subscribers.remove(queue)

    def publish(self, stream: int, data: bytes) -> None:
        for queue in self.subscribers:
            queue.put_nowait((stream, data))

    def close(self) -> None:
        """End every subscriber's stream: the container has exited."""
        for queue in self.subscribers:
            queue.put_nowait(None)
        self.subscribers.clear()
