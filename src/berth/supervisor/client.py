"""A small synchronous client of the supervisor's socket (tests, tools, berth-runc).

One connection per request, as the protocol has it::

    client = Client(exec_root / "supervisor.sock")
    reply, conn = client.start({"id": ..., "bundle": ..., "stream": True, ...})
    for event in conn:            # (1 | 2, bytes) frames, then the exit dict
        ...
"""

import socket
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from berth.errors import Unavailable
from berth.supervisor.protocol import (
    JSON,
    FrameBuffer,
    check_reply,
    decode_json,
    encode_json,
    encode_stdin,
)

Event = tuple[int, bytes] | dict[str, Any]


class Connection:
    """One request's connection: its reply read, then the container's stream."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._frames = FrameBuffer()
        self._queue: list[tuple[int, bytes]] = []

    def read_frame(self) -> tuple[int, bytes] | None:
        while not self._queue:
            data = self._sock.recv(65536)
            if not data:
                return None
            self._queue.extend(self._frames.feed(data))
        return self._queue.pop(0)

    def read_reply(self) -> dict[str, Any]:
        frame = self.read_frame()
        if frame is None or frame[0] != JSON:
            raise Unavailable("the supervisor closed the connection without a reply")
        return check_reply(decode_json(frame[1]))

    def events(self) -> Iterator[Event]:
        """Output frames ``(stream, bytes)`` until the exit event (a dict), last."""
        while (frame := self.read_frame()) is not None:
            kind, payload = frame
            if kind == JSON:
                yield decode_json(payload)
                return
            yield kind, payload

    def __iter__(self) -> Iterator[Event]:
        return self.events()

    def write_stdin(self, data: bytes) -> None:
        """Send bytes to the container's stdin; ``b""`` closes it."""
        for frame in encode_stdin(data):
            self._sock.sendall(frame)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Client:
    def __init__(self, socket_path: Path | str, timeout: float | None = None) -> None:
        self._path = str(socket_path)
        self._timeout = timeout

    def open(self, request: dict[str, Any]) -> tuple[dict[str, Any], Connection]:
        """Send one request; return its (ok) reply and the still open connection."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self._timeout)
        conn = Connection(sock)
        try:
            sock.connect(self._path)
            sock.sendall(encode_json(request))
            return conn.read_reply(), conn
        except BaseException:
            conn.close()
            raise

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        reply, conn = self.open(request)
        conn.close()
        return reply

    def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Connection]:
        return self.open({**request, "op": "start"})

    def attach(self, cid: str) -> Connection:
        return self.open({"op": "attach", "id": cid})[1]

    def kill(self, cid: str, sig: int) -> None:
        self.call({"op": "kill", "id": cid, "signal": sig})

    def state(self) -> dict[str, dict[str, Any]]:
        containers: dict[str, dict[str, Any]] = self.call({"op": "state"})["containers"]
        return containers

    def forget(self, cid: str) -> None:
        self.call({"op": "forget", "id": cid})

    def shutdown(self) -> None:
        self.call({"op": "shutdown"})
