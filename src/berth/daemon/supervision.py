"""The daemon's link to the supervisor: start it if none runs, then talk to it.

The supervisor outlives berthd (live restore): berthd first tries the socket,
and only when nothing answers does it spawn ``python -m berth.supervisor`` in
a new session. The supervisor exits by itself after ``shutdown`` once no
container runs.
"""

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

from berth.errors import Unavailable
from berth.paths import Paths
from berth.supervisor.aioclient import Session, SupervisorClient


class SupervisorLink:
    def __init__(self, paths: Paths) -> None:
        self._paths = paths
        self._client = SupervisorClient(paths.supervisor_socket)

    async def connect(self) -> None:
        try:
            await self._client.state()
            return
        except OSError:
            pass
        await asyncio.to_thread(self._spawn)

    def _spawn(self) -> None:
        log = (self._paths.exec_root / "supervisor.log").open("ab")
        with log:
            subprocess.Popen(
                [sys.executable, "-m", "berth.supervisor", "--exec-root",
                 str(self._paths.exec_root)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                close_fds=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            )
        deadline = time.monotonic() + 10
        sock = self._paths.supervisor_socket
        while time.monotonic() < deadline:
            if sock.exists():
                return
            time.sleep(0.01)
        log_path = self._paths.exec_root / "supervisor.log"
        raise Unavailable(f"the supervisor did not start: see {log_path}")

    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        return await self._client.start(request)

    async def attach(self, cid: str) -> Session:
        return await self._client.attach(cid)

    async def archive(self, request: dict[str, Any]) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]:
        return await self._client.archive(request)

    async def exec(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        return await self._client.exec(request)

    async def resize(self, id_: str, height: int, width: int, exec_: bool) -> None:
        await self._client.resize(id_, height, width, exec_)

    async def kill(self, cid: str, sig: int) -> None:
        await self._client.kill(cid, sig)

    async def state(self) -> dict[str, Any]:
        return await self._client.state()

    async def forget(self, cid: str) -> None:
        await self._client.forget(cid)

    async def shutdown(self) -> None:
        try:
            await self._client.shutdown()
        except OSError:
            pass
