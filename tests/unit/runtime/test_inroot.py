"""``inroot.walk``: a resolved path walked by fd, made where missing, never through a
symlink; and the passwd reader that never blocks on what a container put there."""

import errno
import os
from pathlib import Path

import pytest

from berth.runtime import inroot, users


def _walk(root: Path, rel: str, directory: bool = True) -> inroot.Target:
    fd = inroot.open_dir(str(root))
    try:
        return inroot.walk(fd, rel, directory)
    finally:
        os.close(fd)


def test_walk_makes_what_is_missing_and_knows_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    target = _walk(tmp_path, "a/b/c")
    try:
        assert (tmp_path / "a/b/c").is_dir()
        assert target.path == f"{tmp_path}/a/b/c" and target.name == "c"
        target.check()
    finally:
        target.close()
    file_target = _walk(tmp_path, "a/f", directory=False)
    file_target.close()
    assert (tmp_path / "a/f").is_file()


def test_walk_refuses_a_symlink_on_the_way(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "a").symlink_to(outside)
    with pytest.raises(OSError) as e:
        _walk(root, "a/b")
    assert e.value.errno == errno.ELOOP
    with pytest.raises(OSError):
        _walk(root, "a", directory=False)
    assert list(outside.iterdir()) == []


def test_check_sees_a_rename(tmp_path: Path) -> None:
    target = _walk(tmp_path, "d")
    try:
        os.rename(tmp_path / "d", tmp_path / "e")
        with pytest.raises(OSError) as e:
            target.check()
        assert "attack" in str(e.value)
    finally:
        target.close()


@pytest.mark.parametrize("rel", ["", "..", "a/../b"])
def test_walk_takes_only_resolved_paths(tmp_path: Path, rel: str) -> None:
    with pytest.raises(OSError):
        _walk(tmp_path, rel)


def test_a_fifo_passwd_is_no_passwd(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "passwd")
    with pytest.raises(Exception) as e:
        users.resolve("nobody", passwd=str(tmp_path / "passwd"), group="/nonexistent")
    assert "unable to find user nobody" in str(e.value)
    (tmp_path / "group").mkdir()
    assert users.resolve("0", group=str(tmp_path / "group"),
                         passwd=str(tmp_path / "group")).uid == 0
