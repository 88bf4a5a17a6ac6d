"""The supervisor runs from a sealed in-memory copy of its interpreter (CVE-2019-5736).

Every process it forks into a container (a container's init, an exec, ``--init``'s
PID 1, which stays) has the supervisor's ``/proc/self/exe`` until its ``execve``.
Were that the host's Python, a container could reach it through a program whose
``#!`` names ``/proc/self/exe``, run it, and open it for writing through
``/proc/<pid>/exe`` once it exits: every later start would run the container's
code on the host. runc copies itself into a sealed memfd for the same reason. Here
the interpreter is copied once, when the supervisor starts, into a memfd sealed
against writes, growth and new seals, and the supervisor re-executes itself from
it with the same arguments; ``sys.executable`` and the venv still come from
``argv[0]``, so nothing else changes. The copy is the interpreter's binary only
(a few kB to a few MB); its shared libraries are mapped read-only and are not
reachable through ``/proc`` without ``CAP_SYS_ADMIN``.
"""

import fcntl
import os
import sys

NAME = "berth-supervisor"
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def running_sealed() -> bool:
    return os.readlink("/proc/self/exe").startswith(f"/memfd:{NAME} ")


def reexec_sealed() -> None:
    """Re-execute this process from a sealed copy of its executable, unless it runs
    from one already. Returns only in the copy."""
    if running_sealed():
        return
    copy = os.memfd_create(NAME, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    with open("/proc/self/exe", "rb") as exe:
        size = os.fstat(exe.fileno()).st_size
        done = 0
        while done < size:
            sent = os.sendfile(copy, exe.fileno(), done, size - done)
            if sent <= 0:
                raise OSError(f"short copy of the interpreter ({done} of {size} bytes)")
            done += sent
    fcntl.fcntl(copy, fcntl.F_ADD_SEALS, SEALS)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(copy, sys.orig_argv, os.environ)
