"""The daemon's asyncio client of the supervisor's socket."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from berth.errors import (
    BerthError,
    CommandNotFound,
    CommandNotInvokable,
    Conflict,
    FailedPrecondition,
    NotFound,
)
from berth.supervisor.protocol import HEADER, JSON, STDIN, encode, encode_json

Event = tuple[int, bytes] | dict[str, Any]

_ERRORS: dict[str, type[BerthError]] = {
    "not_found": CommandNotFound, "not_invokable": CommandNotInvokable,
    "no_such_container": NotFound, "conflict": Conflict,
}


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes] | None:
    try:
        head = await reader.readexactly(HEADER.size)
        kind, size = HEADER.unpack(head)
        return kind, await reader.readexactly(size)
    except asyncio.IncompleteReadError:
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
                    yield json.loads(payload)
                    return
                yield kind, payload
        finally:
            self.close()

    async def write_stdin(self, data: bytes) -> None:
        self.writer.write(encode(STDIN, data))
        await self.writer.drain()

    def close(self) -> None:
        self.writer.close()


class SupervisorClient:
    def __init__(self, socket: Path) -> None:
        self._socket = socket

    async def _open(self, request: dict[str, Any]) -> tuple[Session, dict[str, Any]]:
        reader, writer = await asyncio.open_unix_connection(str(self._socket))
        session = Session(reader, writer)
        writer.write(encode_json(request))
        await writer.drain()
        frame = await _read_frame(reader)
        if frame is None or frame[0] != JSON:
            session.close()
            raise FailedPrecondition("the supervisor closed the connection")
        reply: dict[str, Any] = json.loads(frame[1])
        if not reply.get("ok"):
            session.close()
            cls = _ERRORS.get(reply.get("kind", ""), FailedPrecondition)
            raise cls(reply.get("error", "supervisor error"))
        return session, reply

    async def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        session, reply = await self._open(request)
        session.close()
        return reply

    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        session, reply = await self._open(request)
        return reply, session

    async def attach(self, cid: str) -> Session:
        session, _ = await self._open({"op": "attach", "id": cid})
        return session

    async def kill(self, cid: str, sig: int) -> None:
        await self._call({"op": "kill", "id": cid, "signal": sig})

    async def state(self) -> dict[str, Any]:
        return await self._call({"op": "state"})

    async def forget(self, cid: str) -> None:
        await self._call({"op": "forget", "id": cid})

    async def shutdown(self) -> None:
        await self._call({"op": "shutdown"})
