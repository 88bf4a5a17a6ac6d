"""Applying layers for real (as root, in temp dirs): content, metadata, hostile tars."""

import gzip
import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from berth.diff.apply import apply_layer
from berth.errors import InvalidArgument

MTIME = 1_600_000_000


def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", mode: int = 0o644,
           linkname: str = "", uid: int = 0, gid: int = 0,
           pax: dict[str, str] | None = None) -> tuple[tarfile.TarInfo, bytes]:
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.mtime, ti.uid, ti.gid = kind, mode, MTIME, uid, gid
    ti.linkname = linkname
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        ti.pax_headers = pax
    return ti, data


def make_tar(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for ti, data in members:
            if ti.type in (tarfile.CHRTYPE, tarfile.BLKTYPE):
                ti.devmajor, ti.devminor = 1, 3
            tar.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
    return buf.getvalue()


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """(target, outside): the layer goes into target; outside must stay untouched."""
    target, outside = tmp_path / "target", tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    (outside / "secret").write_text("host data")
    return target, outside


def snapshot(path: Path) -> dict[str, tuple[int, bytes]]:
    out = {}
    for p in sorted(path.rglob("*")):
        st = p.lstat()
        data = p.read_bytes() if stat.S_ISREG(st.st_mode) else b""
        out[str(p)] = (st.st_mode, data)
    return out


def test_contents_and_metadata(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    raw = make_tar(
        member("./", tarfile.DIRTYPE, mode=0o755),
        member("bin/", tarfile.DIRTYPE, mode=0o711, uid=5, gid=6),
        member("bin/tool", data=b"#!/bin/sh\n", mode=0o4755, uid=7, gid=8),
        member("bin/link", tarfile.SYMTYPE, linkname="/bin/tool"),
        member("bin/hard", tarfile.LNKTYPE, linkname="bin/tool"),
        member("dev/null", tarfile.CHRTYPE, mode=0o666),
        member("dev/blk", tarfile.BLKTYPE, mode=0o660),
        member("run/fifo", tarfile.FIFOTYPE, mode=0o620),
        member("tmp/", tarfile.DIRTYPE, mode=0o1777),
        member("x", data=b"attr", pax={"SCHILY.xattr.user.k": "v",
                                       "SCHILY.xattr.trusted.overlay.opaque": "y"}),
    )
    applied = apply_layer(io.BytesIO(raw), target)
    assert applied.diff_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert applied.tar_size == len(raw) and applied.compression == ""
    assert applied.size == len(b"#!/bin/sh\n") + len("/bin/tool") + len(b"attr")
    tool = (target / "bin/tool").lstat()
    assert (stat.S_IMODE(tool.st_mode), tool.st_uid, tool.st_gid) == (0o4755, 7, 8)
    assert tool.st_mtime == MTIME and tool.st_nlink == 2
    assert (target / "bin/hard").lstat().st_ino == tool.st_ino
    d = (target / "bin").lstat()
    assert (stat.S_IMODE(d.st_mode), d.st_uid, d.st_gid, d.st_mtime) == (0o711, 5, 6, MTIME)
    assert os.readlink(target / "bin/link") == "/bin/tool"
    assert (target / "bin/link").lstat().st_mtime == MTIME
    null = (target / "dev/null").lstat()
    assert stat.S_ISCHR(null.st_mode) and os.major(null.st_rdev) == 1
    assert stat.S_IMODE(null.st_mode) == 0o666
    assert stat.S_ISBLK((target / "dev/blk").lstat().st_mode)
    assert stat.S_ISFIFO((target / "run/fifo").lstat().st_mode)
    assert stat.S_IMODE((target / "tmp").lstat().st_mode) == 0o1777
    assert os.getxattr(target / "x", "user.k") == b"v"
    assert "trusted.overlay.opaque" not in os.listxattr(target / "x")
    assert target.lstat().st_mtime == MTIME


def test_gzip_has_the_same_diff_id(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    raw = make_tar(member("a/b", data=b"x" * 100_000))
    applied = apply_layer(io.BytesIO(gzip.compress(raw)), target)
    assert applied.compression == "gzip"
    assert applied.diff_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert (target / "a/b").read_bytes() == b"x" * 100_000


def test_later_entries_replace_earlier(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    raw = make_tar(member("d/f", data=b"1"), member("d", data=b"now a file"),
                   member("d/", tarfile.DIRTYPE, mode=0o700), member("d/g", data=b"2"))
    apply_layer(io.BytesIO(raw), target)
    assert sorted(os.listdir(target / "d")) == ["g"]


HOSTILE = {
    "dotdot": lambda out: [member("../escape", data=b"x")],
    "dotdot-nested": lambda out: [member("a/../../escape", data=b"x")],
    "symlink-parent": lambda out: [member("evil", tarfile.SYMTYPE, linkname=str(out)),
                                   member("evil/secret", data=b"pwned")],
    "relative-symlink-parent": lambda out: [
        member("evil", tarfile.SYMTYPE, linkname="../outside"),
        member("evil/new", data=b"pwned")],
    "hardlink-out": lambda out: [member("h", tarfile.LNKTYPE, linkname="../outside/secret")],
    "hardlink-through-symlink": lambda out: [
        member("l", tarfile.SYMTYPE, linkname=str(out)),
        member("h", tarfile.LNKTYPE, linkname="l/secret")],
    "hardlink-absolute-missing": lambda out: [
        member("h", tarfile.LNKTYPE, linkname=str(out / "secret"))],
    "whiteout-through-symlink": lambda out: [
        member("l", tarfile.SYMTYPE, linkname=str(out)), member("l/.wh.secret")],
    "opaque-through-symlink": lambda out: [
        member("l", tarfile.SYMTYPE, linkname=str(out)), member("l/.wh..wh..opq")],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_tar_is_refused_and_host_untouched(dirs: tuple[Path, Path], case: str) -> None:
    target, outside = dirs
    before = snapshot(outside)
    raw = make_tar(*HOSTILE[case](outside))
    with pytest.raises(InvalidArgument):
        apply_layer(io.BytesIO(raw), target)
    assert snapshot(outside) == before
    assert not (outside.parent / "escape").exists()


def test_absolute_names_stay_inside(dirs: tuple[Path, Path]) -> None:
    target, outside = dirs
    raw = make_tar(member(str(outside / "secret"), data=b"inside"),
                   member("/etc/berth-test-evil", data=b"x"))
    apply_layer(io.BytesIO(raw), target)
    assert (outside / "secret").read_text() == "host data"
    assert not Path("/etc/berth-test-evil").exists()
    assert (target / "etc/berth-test-evil").read_bytes() == b"x"
    assert (target / str(outside).lstrip("/") / "secret").read_bytes() == b"inside"


def test_file_replacing_escaping_symlink_does_not_follow(dirs: tuple[Path, Path]) -> None:
    target, outside = dirs
    raw = make_tar(member("f", tarfile.SYMTYPE, linkname=str(outside / "secret")),
                   member("f", data=b"pwned"),
                   member("g", tarfile.SYMTYPE, linkname=str(outside / "secret")),
                   member("g", tarfile.LNKTYPE, linkname="f"))
    apply_layer(io.BytesIO(raw), target)
    assert (outside / "secret").read_text() == "host data"
    assert (target / "f").read_bytes() == b"pwned"


def test_hardlink_to_symlink_links_the_symlink(dirs: tuple[Path, Path]) -> None:
    target, outside = dirs
    raw = make_tar(member("s", tarfile.SYMTYPE, linkname=str(outside / "secret")),
                   member("h", tarfile.LNKTYPE, linkname="s"))
    apply_layer(io.BytesIO(raw), target)
    assert (target / "h").is_symlink()
    assert (target / "h").lstat().st_ino == (target / "s").lstat().st_ino


def test_dotdot_inside_is_cleaned(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    apply_layer(io.BytesIO(make_tar(member("a/../b", data=b"ok"))), target)
    assert (target / "b").read_bytes() == b"ok"


@pytest.mark.parametrize("cut", ["gzip", "tar-data", "tar-header"])
def test_truncated_layers_are_refused(dirs: tuple[Path, Path], cut: str) -> None:
    target, outside = dirs
    raw = make_tar(member("big", data=os.urandom(200_000)), member("after", data=b"x"))
    if cut == "gzip":
        blob = gzip.compress(raw)[:-1000]
    elif cut == "tar-data":
        blob = raw[:100_000]
    else:
        blob = raw[:512 * 3 + 200]  # pax header, header, and a bit of data
    with pytest.raises(InvalidArgument):
        apply_layer(io.BytesIO(blob), target)
    assert snapshot(outside) == {str(outside / "secret"): ((outside / "secret").lstat().st_mode,
                                                          b"host data")}


@pytest.mark.parametrize("blob", [b"", b"hello, this is not a tar\n", os.urandom(4096),
                                  gzip.compress(b"not a tar either" * 100)])
def test_not_a_tar(dirs: tuple[Path, Path], blob: bytes) -> None:
    target, _ = dirs
    with pytest.raises(InvalidArgument):
        apply_layer(io.BytesIO(blob), target)
    assert os.listdir(target) == []


def test_end_of_archive_is_checked(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    raw = make_tar(member("a", data=b"1"), member("b", data=b"2"))
    end = raw.index(bytes(1024), 512 * 4)  # where the two zero blocks begin
    apply_layer(io.BytesIO(raw[:end]), target)  # no end blocks at all: Go accepts it
    apply_layer(io.BytesIO(raw[:end + 512]), target)
    for bad in (raw[:1024 + 200],  # b's header cut short
                raw[:end - 300],  # b's data cut short
                raw[:end + 200],  # a zero block cut short
                raw[:end] + b"garbage!" * 64 + raw[end:]):  # a header that is not one
        with pytest.raises(InvalidArgument):
            apply_layer(io.BytesIO(bad), target)


def test_overlay_whiteouts(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    raw = make_tar(member("etc/.wh.gone"), member("var/cache/.wh..wh..opq"),
                   member("var/cache/kept", data=b"k"), member("x/.wh..wh.plnk"))
    apply_layer(io.BytesIO(raw), target)
    wh = (target / "etc/gone").lstat()
    assert stat.S_ISCHR(wh.st_mode) and wh.st_rdev == os.makedev(0, 0)
    assert os.getxattr(target / "var/cache", "trusted.overlay.opaque") == b"y"
    assert (target / "var/cache/kept").read_bytes() == b"k"
    assert not (target / "etc/.wh.gone").exists()
    assert not (target / "x").exists()


def test_delete_whiteouts(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    base = make_tar(member("etc/gone", data=b"1"), member("etc/stays", data=b"2"),
                    member("cache/old", data=b"3"), member("cache/sub/older", data=b"4"))
    apply_layer(io.BytesIO(base), target, whiteouts="delete")
    layer = make_tar(member("etc/.wh.gone"), member("cache/new", data=b"5"),
                     member("cache/.wh..wh..opq"))
    apply_layer(io.BytesIO(layer), target, whiteouts="delete")
    assert sorted(os.listdir(target / "etc")) == ["stays"]
    assert sorted(os.listdir(target / "cache")) == ["new"]


def test_bad_whiteout_names(dirs: tuple[Path, Path]) -> None:
    target, _ = dirs
    with pytest.raises(InvalidArgument):
        apply_layer(io.BytesIO(make_tar(member("a/.wh.."))), target)
