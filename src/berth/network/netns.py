"""Network namespace files: a container's network namespace made before its init
runs, kept alive by a bind mount under the exec root (``netns/<id>``), as
containerd and CNI keep theirs. The container's spec joins it by path; berthd
configures it from outside (``endpoint``); a berthd restarted while the container
runs finds it as it was.

The namespace is made by ``unshare --net=FILE true`` (util-linux): berthd is
multi-threaded and must not fork, and one short spawn costs a few milliseconds.
Work inside it is done by a thread that joins it with setns (a network namespace
is per thread) and leaves again before doing anything else.
"""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from berth.errors import FailedPrecondition
from berth.runtime.linux import sys as lx


def create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch(mode=0o600)
    r = subprocess.run(["unshare", f"--net={path}", "true"], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        path.unlink(missing_ok=True)
        raise FailedPrecondition(f"cannot make the network namespace {path}: "
                                 f"{r.stderr.strip()}")


def remove(path: Path) -> None:
    """Unmount and delete the file; one already gone is no error."""
    try:
        lx.umount2(str(path), lx.MNT_DETACH)
    except OSError:
        pass
    path.unlink(missing_ok=True)


@contextmanager
def entered(path: Path) -> Iterator[None]:
    """The calling thread inside the namespace of ``path`` for the block, then back in
    its own: sockets opened meanwhile stay in the container's namespace."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            lx.setns(target, lx.CLONE_NEWNET)
        finally:
            os.close(target)
        try:
            yield
        finally:
            lx.setns(own, lx.CLONE_NEWNET)
    finally:
        os.close(own)
