"""A real HTTP peer on a temp unix socket for each test."""

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from http_peer import Peer, start_unix


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A short directory (unix socket paths are limited to 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="berth-t"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def peer(short_tmp: Path) -> Iterator[Peer]:
    p = start_unix(short_tmp / "d.sock")
    try:
        yield p
    finally:
        p.close()
