"""Attacks on berth's own work in hostile containers (issue 12's runtime half).

Each test runs a real supervisor (``python -m berth.supervisor``) on a temp exec
root, as ``tests/integration`` does (``rt_support``), with containers whose rootfs
carries ``attack`` (``attack.c`` beside this file, built static with the host's
``cc``): a racer that watches ``/proc`` for what berth puts into the container, and
a ``RENAME_EXCHANGE`` swapper. The tests need root and a C compiler: they fail,
never skip, without them. Helpers: ``sec_support.py``.
"""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sec_support import HERE, Supervisor, make_hostile_rootfs, supervisor_on


@pytest.fixture(scope="session")
def attack_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("attack") / "attack"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("the security tests build their attacker with cc; none is installed")
    subprocess.run([cc, "-O2", "-static", "-o", str(out), str(HERE / "attack.c")], check=True)
    return out


@pytest.fixture(scope="session")
def hostile_rootfs(tmp_path_factory: pytest.TempPathFactory, attack_binary: Path) -> Path:
    return make_hostile_rootfs(tmp_path_factory.mktemp("hostile") / "rootfs", attack_binary)


@pytest.fixture
def supervisor(tmp_path: Path, hostile_rootfs: Path) -> Iterator[Supervisor]:
    with supervisor_on(tmp_path / "sup", hostile_rootfs) as sup:
        yield sup
