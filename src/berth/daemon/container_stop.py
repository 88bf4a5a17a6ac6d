"""Halting a container's processes: ``kill``, ``stop``, ``pause`` and ``unpause``.

``kill`` and ``stop`` mark the container stopped by hand (no restart by policy)
and have the supervisor signal its init; ``stop`` sends the ``StopSignal``,
waits for the exit up to the timeout, then sends SIGKILL. ``pause`` freezes the
processes (``berth.runtime.pause``); a frozen process acts on a signal only once
thawed, so a signal sent to a paused container thaws it.
"""

import asyncio
import signal
from typing import Protocol

from berth.daemon.container import Container
from berth.daemon.container_records import Records
from berth.daemon.container_runs import ExitWaiters
from berth.errors import Conflict, FailedPrecondition, InvalidArgument
from berth.runtime import cgroups as runtime_cgroups
from berth.runtime import pause as runtime_pause


class Supervisor(Protocol):
    async def kill(self, cid: str, sig: int) -> None: ...


async def kill(records: Records, sup: Supervisor, exit_waiters: ExitWaiters, ref: str,
               sig: int) -> None:
    """Signal the container's init. A SIGKILL answers only once the exit is recorded, as
    dockerd's does: a client that inspects right after ``kill`` sees it stopped, with 137."""
    c = records.get(ref)
    if c.state.status == "restarting":
        raise Conflict(f"Container {c.id} is restarting, wait until the container is "
                       "running")
    if not c.state.running:
        raise Conflict(f"Cannot kill container: {ref}: Container {c.id} is not running")
    c.manually_stopped = True
    records.save(c)
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    if sig == signal.SIGKILL:
        exit_waiters.setdefault(c.id, []).append(fut)
    records.emit("kill", c, signal=str(sig))
    try:
        await sup.kill(c.id, sig)
        await _thaw_if_paused(records, c)
    except BaseException:
        if fut in exit_waiters.get(c.id, []):
            exit_waiters[c.id].remove(fut)
        raise
    if sig == signal.SIGKILL:
        await fut


async def _thaw_if_paused(records: Records, c: Container) -> None:
    """A frozen process cannot act on a signal: thaw it after sending one."""
    if c.state.status == "paused":
        await asyncio.to_thread(runtime_pause.resume, c.state.pid)
        c.state.status = "running"
        records.save(c)


async def stop(records: Records, sup: Supervisor, exit_waiters: ExitWaiters, ref: str,
               timeout: float | None = None, sig: int | None = None) -> bool:
    """False when it was not running (docker's 304); ``exit_waiters`` hears of the exit.
    ``sig``: the first signal instead of the container's ``StopSignal``."""
    c = records.get(ref)
    if c.state.status == "restarting":  # the pending restart sees this and gives up
        c.state.status = "exited"
        c.manually_stopped = True
        records.save(c)
        return True
    if not c.state.running:
        return False
    c.manually_stopped = True
    records.save(c)
    stop_signal = sig if sig is not None else signal_number(
        c.config.get("StopSignal") or "SIGTERM")
    if timeout is None:
        timeout = float(c.config.get("StopTimeout") or 10)
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    exit_waiters.setdefault(c.id, []).append(fut)
    if timeout >= 0:
        records.emit("kill", c, signal=str(stop_signal))
        await sup.kill(c.id, stop_signal)
        await _thaw_if_paused(records, c)
        try:
            await asyncio.wait_for(asyncio.shield(fut), timeout)
            records.emit("stop", c)
            return True
        except TimeoutError:
            pass
    if c.state.running:
        await sup.kill(c.id, signal.SIGKILL)
        await _thaw_if_paused(records, c)
    await fut
    records.emit("stop", c)
    return True


async def pause(records: Records, ref: str) -> None:
    c = records.get(ref)
    if c.state.status == "paused":
        raise Conflict(f"Container {c.id} is already paused")
    if c.state.status != "running":
        raise Conflict(f"Container {c.id} is not running")
    try:
        await asyncio.to_thread(runtime_pause.pause, c.state.pid)
    except FailedPrecondition:
        if not runtime_cgroups.exiting(c.state.pid):
            raise
        # PID 1 exited as the pause came; its exit is on its way to the record
        raise Conflict(f"Container {c.id} is not running") from None
    c.state.status = "paused"
    records.save(c)
    records.emit("pause", c)


async def unpause(records: Records, ref: str) -> None:
    c = records.get(ref)
    if c.state.status != "paused":
        raise Conflict(f"Container {c.id} is not paused")
    await asyncio.to_thread(runtime_pause.resume, c.state.pid)
    c.state.status = "running"
    records.save(c)
    records.emit("unpause", c)


def signal_number(name: str | int) -> int:
    if isinstance(name, int):
        return name
    text = name.upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    try:
        return int(signal.Signals[text])
    except KeyError:
        raise InvalidArgument(f"Invalid signal: {name}") from None
