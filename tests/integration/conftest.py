"""Real-kernel fixtures: a busybox rootfs, a supervisor on a temp exec root.

``busybox_rootfs`` (session): a directory made from the host's static
``/bin/busybox`` with applet links, ``/etc/passwd`` and ``/etc/group``; use it
as an overlay's lowerdir (``rt_support.make_busybox_rootfs`` makes one anywhere).
``supervisor`` (per test): a real ``python -m berth.supervisor`` on a temp exec
root, with helpers to run containers on an overlay of the rootfs
(``rt_support.Supervisor``). When the test ends it checks that no container
process, mount or directory is left behind.

These tests need root: they fail, never skip, without it.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from rt_support import Supervisor, make_busybox_rootfs, supervisor_on


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only-by-convention busybox rootfs directory (an overlay's lowerdir)."""
    return make_busybox_rootfs(tmp_path_factory.mktemp("busybox") / "rootfs")


@pytest.fixture
def supervisor(tmp_path: Path, busybox_rootfs: Path) -> Iterator[Supervisor]:
    with supervisor_on(tmp_path / "sup", busybox_rootfs) as sup:
        yield sup
