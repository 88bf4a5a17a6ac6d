"""Live restore: at berthd's start, match the records with what the supervisor has.

A container the supervisor still runs is followed again; one that exited while
berthd was down has that exit recorded, and one the supervisor does not know
was lost: it is recorded as exited with 255. One the supervisor runs that no record
has running is killed: berthd died between the supervisor's start and the record of
it, the client was told the start failed, and nothing would ever stop it (nor would
the supervisor ever exit). A container left restarting, or an
exited one whose policy brings it back at a daemon's start (docker's
``ShouldRestart``), is scheduled to restart.

And while berthd runs: should the supervisor die, a new one is started and what the
dead one ran is settled (``supervisor_lost``).
"""

import asyncio
import contextlib
import json
import logging
import signal
from typing import Any, Protocol

from berth.daemon import ipc
from berth.daemon.container import Container
from berth.daemon.container_records import Records
from berth.daemon.container_runs import Runs
from berth.daemon.hub import OutputHub
from berth.daemon.restart import RestartPolicy
from berth.paths import Paths
from berth.runtime import cgroups
from berth.supervisor.aioclient import Session
from berth.util.timefmt import now_rfc3339

log = logging.getLogger("berth.containers")


class Supervisor(Protocol):
    async def state(self) -> dict[str, Any]: ...
    async def kill(self, cid: str, sig: int) -> None: ...
    async def attach(self, cid: str) -> Session: ...
    async def connect(self) -> bool: ...


async def recover(paths: Paths, sup: Supervisor, records: Records, runs: Runs) -> None:
    """Match the records with what the supervisor still has (live restore)."""
    known = (await sup.state()).get("containers", {})
    await _kill_strays(sup, records, known)
    # Host-side /dev/shm mounts of containers not running by the records: a berthd
    # killed between a mount and the record of an exit. The running ones' exits
    # found below release theirs.
    ipc.sweep(paths, {c.id for c in records.by_id.values()
                      if c.state.status in ("running", "paused")})
    for c in list(records.by_id.values()):
        if c.state.status == "restarting":  # berthd stopped during the back-off
            runs.schedule_restart(c)
            continue
        if not c.state.running:
            policy = RestartPolicy.from_host_config(c.host_config)
            if c.state.status == "exited" and policy.at_daemon_start(
                    c.state.exit_code, c.restart_count, c.manually_stopped):
                runs.schedule_restart(c)
            continue
        info = known.get(c.id)
        if info is None:
            await runs.record_exit(c, {"exit_code": 255, "finished_at": now_rfc3339()})
            c.state.error = "container was lost while berthd was down"
            records.save(c)
        elif info.get("status") == "exited":
            await runs.record_exit(c, {"exit_code": info.get("exit_code", 255),
                                       "finished_at": info.get("finished_at")})
        else:
            hub = runs.hubs.setdefault(c.id, OutputHub())
            runs.spawn(runs.follow(c, hub, await sup.attach(c.id)))


async def _kill_strays(sup: Supervisor, records: Records, known: dict[str, Any]) -> None:
    running = {c.id for c in records.by_id.values() if c.state.status in ("running", "paused")}
    for cid, info in known.items():
        if info.get("status") == "running" and cid not in running:
            log.warning("killing %s: the supervisor runs it but no record says so "
                        "(berthd died as it started)", cid)
            await sup.kill(cid, signal.SIGKILL)


def _kill_orphan(paths: Paths, c: Container) -> None:
    """Kill what is left of a container whose supervisor died (its PID 1 went to the
    host's init) and remove its cgroup: through the cgroup, so no other process is hit."""
    try:
        spec = json.loads((paths.container(c.id) / "config.json").read_text())
        cgroup = cgroups.for_spec(spec)
    except (OSError, ValueError) as e:
        log.warning("cannot find the cgroup of %s: %s", c.id, e)
        return
    if cgroup is None:
        return
    with contextlib.suppress(Exception):
        cgroup.thaw()  # a frozen process dies only once thawed
    try:
        cgroup.remove()
    except Exception as e:
        log.warning("cannot remove the cgroup of %s: %s", c.id, e)


async def supervisor_lost(paths: Paths, sup: Supervisor, records: Records,
                          runs: Runs) -> None:
    """A run's session ended without its exit while berthd runs: the supervisor died (or
    only that connection broke). A new supervisor is started if none answers. Containers
    the supervisor still runs are followed again; those it does not know cannot be
    re-adopted (their stdio and their reaper died with it): their processes are killed
    and the exit recorded as 137 with the reason, as containerd does for a dead shim,
    then restart policies apply."""
    if await sup.connect():
        log.warning("the supervisor died: a new one was started")
    known = (await sup.state()).get("containers", {})
    for c in list(records.by_id.values()):
        if c.state.status not in ("running", "paused") or c.id in runs.sessions:
            continue
        info = known.get(c.id)
        if info is not None and info.get("status") == "exited":
            await runs.record_exit(c, {"exit_code": info.get("exit_code", 255),
                                       "finished_at": info.get("finished_at")})
        elif info is not None:
            hub = runs.hubs.setdefault(c.id, OutputHub())
            runs.spawn(runs.follow(c, hub, await sup.attach(c.id)))
        else:
            await asyncio.to_thread(_kill_orphan, paths, c)
            await runs.record_exit(c, {
                "exit_code": 137, "finished_at": now_rfc3339(),
                "error": "its supervisor died: the container's processes were killed"})
