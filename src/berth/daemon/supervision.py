"""The daemon's link to the supervisor: start it if none runs, then talk to it.

The supervisor outlives berthd (live restore): berthd first tries the socket,
and only when nothing answers does it spawn ``python -m berth.supervisor`` in
a new session. The supervisor exits by itself after ``shutdown`` once no
container runs. Should it die (SIGKILL, the OOM killer), the next call that finds
its socket dead starts another and is tried once more; what the dead one ran is
settled by ``container_recovery.supervisor_lost``.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from berth.errors import Unavailable
from berth.paths import Paths
from berth.supervisor.aioclient import Session, SupervisorClient
from berth.util import lockfile
from berth.util.sockets import answers

T = TypeVar("T")
_DEAD = (ConnectionRefusedError, FileNotFoundError)  # its socket: stale, or gone


class SupervisorLink:
    def __init__(self, paths: Paths) -> None:
        self._paths = paths
        self._client = SupervisorClient(paths.supervisor_socket)
        self._connecting = asyncio.Lock()

    async def connect(self) -> bool:
        """Make sure a supervisor answers; True when a new one had to be started."""
        async with self._connecting:
            try:
                await self._client.state()
                return False
            except OSError:
                pass
            return await asyncio.to_thread(self._spawn)

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call``, once more after starting a supervisor if none answered."""
        try:
            return await call()
        except _DEAD:
            if not await self.connect():
                raise
            return await call()

    def _spawn(self) -> bool:
        """Start a supervisor unless one holds its lock (one that a killed berthd started
        may still be on its way to listening: a second would take its socket and the
        first would live on, unseen), then wait until one answers. True if started."""
        started = lockfile.holder(self._paths.supervisor_lock) is None
        log_path = self._paths.exec_root / "supervisor.log"
        if started:
            with log_path.open("ab") as log:
                subprocess.Popen(
                    [sys.executable, "-m", "berth.supervisor", "--exec-root",
                     str(self._paths.exec_root)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                    close_fds=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if answers(self._paths.supervisor_socket):  # a dead one's socket does not
                return started
            time.sleep(0.01)
        raise Unavailable(f"the supervisor did not start: see {log_path}")

    async def start(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        return await self._call(lambda: self._client.start(request))

    async def attach(self, cid: str) -> Session:
        return await self._call(lambda: self._client.attach(cid))

    async def archive(self, request: dict[str, Any]) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]:
        return await self._call(lambda: self._client.archive(request))

    async def exec(self, request: dict[str, Any]) -> tuple[dict[str, Any], Session]:
        return await self._call(lambda: self._client.exec(request))

    async def resize(self, id_: str, height: int, width: int, exec_: bool) -> None:
        await self._call(lambda: self._client.resize(id_, height, width, exec_))

    async def kill(self, cid: str, sig: int, exec_: bool = False) -> None:
        await self._call(lambda: self._client.kill(cid, sig, exec_))

    async def state(self) -> dict[str, Any]:
        return await self._call(self._client.state)

    async def forget(self, cid: str) -> None:
        await self._call(lambda: self._client.forget(cid))

    async def shutdown(self) -> None:
        try:
            await self._client.shutdown()
        except OSError:
            pass

