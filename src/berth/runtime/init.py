"""``--init``: a PID 1 that forwards signals to the program and reaps zombies (tini's job).

No binary is put into the container: the container's init, already forked
from the supervisor and set up, forks once more; the child execs the
program, the parent stays PID 1. It names itself ``/sbin/docker-init -- ARGS``
in ``/proc/1/cmdline`` (over its inherited argument area, so the supervisor's
command line is not shown in the container), blocks every signal, and then
only waits: a signal is passed on to the program (as tini does, SIGCHLD
aside), a child that exits is reaped, and when the program exits PID 1 exits
with its status (128+N for a signal), taking the container with it.
"""

import ctypes
import os
import signal

from berth.runtime.linux import sys as lx

INIT_PATH = "/sbin/docker-init"
_FORWARDED = set(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD}


def rename(args: list[str]) -> None:
    """Write ``/sbin/docker-init -- ARGS`` over this process's argument area (cut to fit)."""
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])  # arg_start, arg_end (fields 48, 49)
    size = end - start
    if size <= 0:
        return
    text = b"\0".join(a.encode() for a in [INIT_PATH, "--", *args]) + b"\0"
    text = text[:size - 1] + b"\0" if len(text) > size else text + b"\0" * (size - len(text))
    ctypes.memmove(start, text, size)
    lx.set_name("docker-init")


def supervise(child: int) -> None:
    """PID 1's loop; exits the process with the program's status. Never returns."""
    while True:
        info = signal.sigwaitinfo(_FORWARDED | {signal.SIGCHLD})
        if info.si_signo != signal.SIGCHLD:
            try:
                os.kill(child, info.si_signo)
            except ProcessLookupError:
                pass
            continue
        status = _reap(child)
        if status is not None:
            os._exit(status)


def _reap(child: int) -> int | None:
    """Reap every exited child; the program's status once it is among them."""
    status = None
    while True:
        try:
            pid, raw = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == child:
            code = os.waitstatus_to_exitcode(raw)
            status = 128 - code if code < 0 else code


def block_signals() -> None:
    """Before the fork: the signals wait in PID 1 for ``sigwaitinfo``; the program
    unblocks them (``process.reset_signals``) before its exec."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _FORWARDED | {signal.SIGCHLD})
