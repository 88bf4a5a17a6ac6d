"""Lock files that name their holder: held while the holder lives, probed without taking."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from berth.util.lockfile import LockHeld, acquire, holder

HOLD = ("import sys, time; from pathlib import Path; from berth.util.lockfile import acquire; "
        "acquire(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)")


def test_held_by_us(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    assert holder(path) is None  # no file: nobody
    lock = acquire(path)
    assert path.read_text() == f"{os.getpid()}\n"
    assert holder(path) == os.getpid()
    with pytest.raises(LockHeld) as e:
        acquire(path)  # another open file description, even in this process
    assert e.value.pid == os.getpid() and str(e.value) == f"{path} is held by pid {os.getpid()}"
    lock.close()
    assert holder(path) is None
    assert path.exists()  # never removed: a new holder locks the same inode
    acquire(path).close()


def test_released_when_the_holder_dies(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        assert holder(path) == proc.pid
        with pytest.raises(LockHeld) as e:
            acquire(path)
        assert e.value.pid == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert holder(path) is None
    lock = acquire(path)  # the stale pid inside blocks nothing
    assert path.read_text() == f"{os.getpid()}\n"
    lock.close()


def test_never_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("keep")
    (tmp_path / "x.lock").symlink_to(target)
    with pytest.raises(OSError):
        acquire(tmp_path / "x.lock")
    assert target.read_text() == "keep"
    assert holder(tmp_path / "x.lock") is None
