"""The data root and the exec root made root's alone (DESIGN.md invariant 7).

The data root holds what no other local user may see or run: every container's
environment in ``berth.db`` and its WAL, the json logs, and each container's
writable layer, where a container's process can make a setuid-root file. So
the data root and its top directories are 0700, each container's directory
0700, the database files and logs 0600; a data root an older berth left open
is tightened at every start. The exec root is 0710: the API socket's group
passes through it to the socket, nothing else. What a container's own mount
needs (its ``upper/`` and the image's ``fs/`` dirs keep their image's modes)
is reached through the overlay root mounts, never through these directories.
"""

import contextlib
import os
import stat
from pathlib import Path

from berth.paths import Paths

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
EXEC_ROOT = 0o710  # x for the group: the API socket inside is 0660
_DB_FILES = ("", "-wal", "-shm", "-journal")


def prepare(paths: Paths) -> None:
    """Make the data root and exec root (root's alone), or tighten existing ones."""
    for d in (paths.data_root, paths.containers, paths.tmp, paths.snapshots, paths.content,
              paths.volumes):
        _directory(d, PRIVATE_DIR)
    _directory(paths.exec_root, EXEC_ROOT)
    # sqlite gives its WAL and shm files the database's mode: make it private first
    os.close(os.open(paths.db, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     PRIVATE_FILE))
    for suffix in _DB_FILES:
        _tighten(Path(f"{paths.db}{suffix}"), PRIVATE_FILE)
    with os.scandir(paths.containers) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _container(Path(entry.path))


def make_container_dir(path: Path) -> None:
    """A new container's directory, private from the start."""
    path.mkdir(mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)  # mkdir's mode is masked by the umask: no looser, but exact


def _container(path: Path) -> None:
    _tighten(path, PRIVATE_DIR)
    for entry in os.scandir(path):
        if entry.name.endswith(".log") or ".log." in entry.name:  # json logs and rotations
            _tighten(Path(entry.path), PRIVATE_FILE)


def _directory(path: Path, mode: int) -> None:
    path.mkdir(mode=mode, parents=True, exist_ok=True)
    _tighten(path, mode)


def _tighten(path: Path, mode: int) -> None:
    """Set ``path``'s mode (not through a symlink); gone or a symlink: nothing."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            os.chmod(path, mode)
