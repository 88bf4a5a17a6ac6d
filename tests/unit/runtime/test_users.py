"""--user and --group-add against a container's passwd and group files."""

from pathlib import Path

import pytest

from berth.errors import InvalidArgument
from berth.runtime.users import ExecUser, apply, resolve

PASSWD = """root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:App:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
"""
GROUP = """root:x:0:
wheel:x:10:app,other
app:x:1000:
audio:x:29:
staff:x:50:
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "passwd").write_text(PASSWD)
    (tmp_path / "group").write_text(GROUP)
    return {"passwd": str(tmp_path / "passwd"), "group": str(tmp_path / "group")}


@pytest.mark.parametrize(("spec", "expected"), [
    ("", ExecUser(0, 0, (), "/root")),
    ("app", ExecUser(1000, 1000, (10,), "/home/app")),
    ("1000", ExecUser(1000, 1000, (10,), "/home/app")),
    ("65534", ExecUser(65534, 65534, (), "/nonexistent")),
    ("4242", ExecUser(4242, 0, (), "/")),  # no entry: a number need not exist
    ("app:staff", ExecUser(1000, 50, (), "/home/app")),
    ("app:77", ExecUser(1000, 77, (), "/home/app")),
    ("4242:4343", ExecUser(4242, 4343, (), "/")),
])
def test_resolve(files: dict[str, str], spec: str, expected: ExecUser) -> None:
    assert resolve(spec, **files) == expected


def test_group_add(files: dict[str, str]) -> None:
    assert resolve("app", ["audio", "99", "wheel"], **files).additional_gids == (10, 29, 99)


@pytest.mark.parametrize(("spec", "group_add", "message"), [
    ("ghost", [], "unable to find user ghost: no matching entries in passwd file"),
    ("app:ghosts", [], "unable to find group ghosts: no matching entries in group file"),
    ("app", ["ghosts"], "unable to find group ghosts"),
])
def test_missing_names(files: dict[str, str], spec: str, group_add: list[str],
                       message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        resolve(spec, group_add, **files)


def test_no_passwd_at_all(tmp_path: Path) -> None:
    missing = {"passwd": str(tmp_path / "none"), "group": str(tmp_path / "none")}
    assert resolve("", **missing) == ExecUser(0, 0, (), "/")
    with pytest.raises(InvalidArgument):
        resolve("root", **missing)


def test_apply_sets_home_once() -> None:
    proc: dict[str, object] = {"user": {"uid": 0, "gid": 0, "username": "0"},
                               "env": ["PATH=/bin"]}
    apply(proc)  # this host's /etc/passwd: root's home
    assert "HOME=/root" in proc["env"]  # type: ignore[operator]
    proc = {"user": {"uid": 5}, "env": ["HOME=/mine"]}
    apply(proc)
    assert proc == {"user": {"uid": 5}, "env": ["HOME=/mine"]}
