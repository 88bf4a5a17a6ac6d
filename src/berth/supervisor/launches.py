"""The starts and execs the supervisor is waiting on, without blocking its loop.

How long a process forked into a container takes to reach its program is up to
the container: it reads the container's ``/etc/passwd``, opens its ``/dev/ptmx``,
resolves its program there. The supervisor is single-threaded and serves every
container, so it never waits for that: each launch's error pipe is watched by the
loop like any other fd, its outcome handled when it ends, and a launch still
pending after ``timeout`` seconds is killed (an error for its requester alone).
The reaper may reap a launched process before its pipe's EOF is read (a program
that exits at once): its status is kept here for the caller.
"""

import contextlib
import os
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from berth.errors import FailedPrecondition
from berth.runtime.spawn import Launch, outcome

DEFAULT_TIMEOUT = 60.0
"""Seconds a start or exec may take to reach its program (``BERTH_LAUNCH_TIMEOUT``)."""


@dataclass(eq=False)
class Pending:
    launch: Launch
    deadline: float
    done: Callable[["Pending"], None]
    err: bytearray = field(default_factory=bytearray)
    status: int | None = None  # the wait status, if reaped before the EOF
    timed_out: float = 0.0  # the timeout, once it has killed the launch

    def result(self) -> int:
        """The pid, if it reached its program; else raise why not."""
        if self.timed_out:
            raise FailedPrecondition(f"{self.launch.what} did not start its program within "
                                     f"{self.timed_out:g} s, and was killed")
        return outcome(self.launch, bytes(self.err))

    def settle(self) -> None:
        """After a failure: wait out the process (its pipe's EOF came from its exit, so
        the wait is short), so that its cgroup can be removed."""
        if self.status is None and self.launch.pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.launch.pid, 0)


class Launches:
    def __init__(self, sel: selectors.BaseSelector, timeout: float) -> None:
        self.sel = sel
        self.timeout = timeout
        self.pending: dict[int, Pending] = {}  # by the error pipe's fd

    def __bool__(self) -> bool:
        return bool(self.pending)

    def watch(self, launch: Launch, done: Callable[[Pending], None]) -> None:
        """Call ``done(pending)`` once ``launch`` has exec'd or failed, on the loop."""
        p = Pending(launch, time.monotonic() + self.timeout, done)
        os.set_blocking(launch.err, False)
        self.pending[launch.err] = p
        self.sel.register(launch.err, selectors.EVENT_READ, lambda k, m: self._read(p))

    def _read(self, p: Pending) -> None:
        while True:
            try:
                chunk = os.read(p.launch.err, 65536)
            except (BlockingIOError, InterruptedError):
                return
            if not chunk:
                break
            if len(p.err) < 1 << 20:  # a report is a line of JSON
                p.err += chunk
        self.sel.unregister(p.launch.err)
        os.close(p.launch.err)
        del self.pending[p.launch.err]
        p.done(p)

    def reaped(self, pid: int, status: int) -> bool:
        """Keep the status of a launched process reaped before its outcome was read."""
        for p in self.pending.values():
            if p.launch.pid == pid:
                p.status = status
                return True
        return False

    def expire(self) -> None:
        """Kill each launch past its deadline; its pipe's EOF then ends it."""
        now = time.monotonic()
        for p in self.pending.values():
            if not p.timed_out and now > p.deadline and p.launch.pid:
                p.timed_out = self.timeout
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.launch.pid, signal.SIGKILL)
