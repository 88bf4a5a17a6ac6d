"""The daemon's asyncio client of the supervisor's socket.

``start`` and ``attach`` return a ``Session``: iterate it (or its
``events()``) for ``(stream, bytes)`` output frames, ending with the exit
event dict ``{"event": "exit", "exit_code": N, "finished_at": .., "oom_killed": ..}``;
write to the container's stdin with ``write_stdin`` (``b""`` closes it).
The iteration also ends, without an exit event, if the supervisor goes away.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from berth.errors import Unavailable
from berth.supervisor.protocol import (
    HEADER,
    JSON,
    check_reply,
    decode_json,
    encode_json,
    encode_stdin,
)

Event = tuple[int, bytes] | dict[str, Any]


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes] | None:
    try:
        head = await reader.readexactly(HEADER.size)
        kind, size = HEADER.unpack(head)
        return kind, await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


class Session:
    """One connection: a request, its reply, then the container's stream if any."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def events(self) -> AsyncIterator[Event]:
        try:
            while (frame := await _read_frame(self.reader)) is not None:
                kind, payload = frame
                if kind == JSON:
                    yield decode_json(payload)
                    return
                yield kind, payload
        finally:
            self.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self.events()

    async def write_stdin(self, data: bytes) -> None:
        for frame in encode_stdin(data):
            self.writer.write(frame)
            await self.writer.drain()

    def close(self) -> None:
        self.writer.close()


class SupervisorClient:
    def __init__(self, socket: Path) -> None:
        self._socket = socket

    async def _open(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        reader, writer = await asyncio.open_unix_connection(str(self._socket))
        session = Session(reader, writer)
        try:
            writer.write(encode_json(request))
            await writer.drain()
            frame = await _read_frame(reader)
            if frame is None or frame[0] != JSON:
                raise Unavailable("the supervisor closed the connection without a reply")
            return check_reply(decode_json(frame[1])), session
        except BaseException:
            session.close()
            raise

    async def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        reply, session = await self._open(request)
        session.close()
        return reply

    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        """``request`` as docs/interfaces.md's start op; the reply and the session."""
        return await self._open({**request, "op": "start"})

    async def attach(self, cid: str) -> Session:
        return (await self._open({"op": "attach", "id": cid}))[1]

    async def exec(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        """``request`` as docs/interfaces.md's exec op; the reply and the session."""
        return await self._open({**request, "op": "exec"})

    async def resize(self, id_: str, height: int, width: int, exec_: bool = False) -> None:
        await self._call({"op": "resize", "id": id_, "height": height, "width": width,
                          "exec": exec_})

    async def archive(self, request: dict[str, Any]) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]:
        """``request`` as docs/interfaces.md's archive op: the raw two-way stream after
        the reply (a JSON header line, then tar bytes either way)."""
        _, session = await self._open({**request, "op": "archive"})
        return session.reader, session.writer

    async def kill(self, cid: str, sig: int, exec_: bool = False) -> None:
        await self._call({"op": "kill", "id": cid, "signal": sig, "exec": exec_})

    async def state(self) -> dict[str, Any]:
        return await self._call({"op": "state"})

    async def forget(self, cid: str) -> None:
        await self._call({"op": "forget", "id": cid})

    async def shutdown(self) -> None:
        await self._call({"op": "shutdown"})
