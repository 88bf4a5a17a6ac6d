"""docker diff's kinds from real upper and lower dirs."""

import os
from pathlib import Path

import pytest
from overlay_dirs import T0, mkdir, need_root, opaque, touch_times, whiteout, write

from berth.diff.changes import ADDED, DELETED, MODIFIED, Change, changes


@pytest.fixture
def layers(tmp_path: Path) -> tuple[Path, Path, Path]:
    need_root()
    base, top, upper = tmp_path / "base", tmp_path / "top", tmp_path / "upper"
    for f in ("etc/passwd", "etc/group", "bin/sh", "usr/lib/a", "usr/lib/b", "var/log/x"):
        write(base / f)
    write(top / "etc/hosts")
    whiteout(top / "var/log")  # the top layer deleted /var/log
    for d in (base, top, upper):
        mkdir(d)
        touch_times(d)
    return upper, top, base


def lines(upper: Path, *lowers: Path) -> list[str]:
    return [str(c) for c in changes(upper, list(lowers))]


def test_nothing_changed(layers: tuple[Path, Path, Path]) -> None:
    upper, top, base = layers
    assert changes(upper, [top, base]) == []


def test_add_modify_delete_with_parents(layers: tuple[Path, Path, Path]) -> None:
    upper, top, base = layers
    write(upper / "etc/passwd", b"changed", mtime=T0 + 5)
    whiteout(upper / "etc/group")
    write(upper / "srv/new/file")
    write(upper / "usr/lib/c")
    touch_times(upper)  # parents unchanged: reported because of what is inside
    os.utime(upper / "srv", (T0 + 9, T0 + 9))
    assert lines(upper, top, base) == [
        "C /etc", "D /etc/group", "C /etc/passwd", "A /srv", "A /srv/new", "A /srv/new/file",
        "C /usr/lib", "A /usr/lib/c"]
    assert changes(upper, [top, base])[1] == Change("/etc/group", DELETED)


def test_unchanged_parent_of_a_modified_file_is_not_reported(
        layers: tuple[Path, Path, Path]) -> None:
    upper, top, base = layers
    write(upper / "etc/hosts", b"new", mtime=T0 + 1)
    touch_times(upper)
    assert lines(upper, top, base) == ["C /etc/hosts"]
    os.utime(upper / "etc", (T0 + 3, T0 + 3))  # its mtime changed: modified
    assert lines(upper, top, base) == ["C /etc", "C /etc/hosts"]


def test_recreated_dir_is_deleted_then_added_like_docker(
        layers: tuple[Path, Path, Path]) -> None:
    upper, top, base = layers
    opaque(mkdir(upper / "usr/lib"))
    write(upper / "usr/lib/a")  # the same name as below: added, the old one is hidden
    touch_times(upper)
    assert lines(upper, top, base) == ["C /usr", "D /usr/lib", "A /usr/lib/a"]
    assert [c.kind for c in changes(upper, [top, base])] == [MODIFIED, DELETED, ADDED]


def test_lower_whiteouts_and_opaque_dirs_hide_what_is_below(
        layers: tuple[Path, Path, Path]) -> None:
    upper, top, base = layers
    write(upper / "var/log/x")  # /var/log was deleted by the top layer: x is new
    opaque(mkdir(top / "usr"))  # the top layer replaced /usr: /usr/lib is new
    write(upper / "usr/lib/a")
    touch_times(upper)
    touch_times(top)
    assert lines(upper, top, base) == [
        "C /usr", "A /usr/lib", "A /usr/lib/a", "C /var", "A /var/log", "A /var/log/x"]


def test_opaque_dir_new_in_the_upper_is_added(layers: tuple[Path, Path, Path]) -> None:
    upper, top, base = layers
    opaque(mkdir(upper / "fresh"))
    touch_times(upper)
    assert lines(upper, top, base) == ["A /fresh"]


def test_no_lower_layers_everything_is_added(tmp_path: Path) -> None:
    need_root()
    write(tmp_path / "a/b")
    assert lines(tmp_path) == ["A /a", "A /a/b"]


def test_to_api() -> None:
    assert Change("/x", ADDED).to_api() == {"Path": "/x", "Kind": 1}
