"""The CLI run in-process against a real HTTP peer (``../client/http_peer.py``)."""

import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "client"))

from http_peer import Peer, start_unix

from berth.cli.main import main


@pytest.fixture
def engine() -> Iterator[Peer]:
    root = Path(tempfile.mkdtemp(prefix="berth-c"))
    p = start_unix(root / "d.sock")
    try:
        yield p
    finally:
        p.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cli(engine: Peer,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``berth -H <engine> ARGS...`` -> (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["-H", engine.host, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
