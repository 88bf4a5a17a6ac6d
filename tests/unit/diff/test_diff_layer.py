"""Layer tars from real upper dirs: whiteouts, opaque dirs, links, nodes, xattrs, and the
copy made in the same pass equal to unpacking the tar."""

import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest
from overlay_dirs import T0, mkdir, need_root, opaque, snapshot, touch_times, whiteout, write

from berth.diff.apply import apply_layer
from berth.diff.layer import write_layer

CAP = b"\x01\x00\x00\x02" + b"\x00\x04\x00\x00" + bytes(12)  # v2, cap_net_bind_service


@pytest.fixture
def upper(tmp_path: Path) -> Path:
    need_root()
    up = mkdir(tmp_path / "upper")
    write(up / "etc/passwd", b"root:x:0:0\n", mode=0o600)
    os.setxattr(up / "etc", "trusted.overlay.origin", b"\x00junk")  # overlayfs's own
    os.setxattr(up / "etc/passwd", "trusted.overlay.origin", b"\x00junk")
    whiteout(up / "etc/group")
    opaque(mkdir(up / "usr/sbin", mode=0o750))
    write(up / "usr/sbin/new", b"", mode=0o4755)
    write(up / "data/big", os.urandom(3 * (1 << 20) + 17))
    os.link(up / "data/big", up / "data/big-link")
    os.symlink("/etc/passwd", up / "data/sym")
    os.mknod(up / "data/null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mkfifo(up / "data/fifo", 0o640)
    os.chown(up / "data/big", 1000, 1001)
    os.setxattr(up / "data/big", "user.note", b"hello")
    os.setxattr(up / "data/big", "security.capability", CAP)
    os.setxattr(up / "data/big", "user.binary", b"\xff\xfe\x00")
    os.setxattr(up / "data/big", "trusted.other", b"kept")
    write(up / ("n" * 150), b"long name")
    write(up / "caf\u00e9", b"utf-8 name")
    touch_times(up, T0 + 0)
    os.utime(up / "data/big", ns=(T0 * 10**9 + 999, T0 * 10**9 + 999))
    return up


def tar_of(upper: Path, copy_to: Path | None = None) -> tuple[bytes, object]:
    buf = io.BytesIO()
    written = write_layer(upper, buf, copy_to)
    return buf.getvalue(), written


def test_tar_entries(upper: Path) -> None:
    data, written = tar_of(upper)
    assert written.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert written.tar_size == len(data) and data.endswith(bytes(1024))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar}
    names = list(members)
    assert names == sorted(names, key=lambda n: n.encode())  # deterministic: byte order
    assert "etc/group" not in members and members["etc/.wh.group"].isreg()
    assert members["etc/.wh.group"].size == 0
    assert members["usr/sbin/.wh..wh..opq"].isreg()
    assert names.index("usr/sbin") < names.index("usr/sbin/.wh..wh..opq")
    assert members["data/big-link"].islnk() and members["data/big-link"].linkname == "data/big"
    assert members["data/sym"].issym() and members["data/sym"].linkname == "/etc/passwd"
    null = members["data/null"]
    assert null.ischr() and (null.devmajor, null.devminor) == (1, 3)
    assert members["data/fifo"].isfifo() and members["data/fifo"].mode == 0o640
    big = members["data/big"]
    assert (big.uid, big.gid, big.uname, big.mtime) == (1000, 1001, "", T0)
    assert big.pax_headers["SCHILY.xattr.user.note"] == "hello"
    assert "SCHILY.xattr.trusted.other" in big.pax_headers
    assert not any("trusted.overlay" in k for m in members.values() for k in m.pax_headers)
    assert members["usr/sbin/new"].mode == 0o4755
    assert members["n" * 150].size == len(b"long name") and "caf\u00e9" in members
    assert written.size == 3 * (1 << 20) + 17 + 11 + 0 + 9 + 10 + len("/etc/passwd")


def test_same_dir_same_bytes(upper: Path) -> None:
    assert tar_of(upper)[0] == tar_of(upper)[0]


def test_copy_equals_unpacking_the_tar(upper: Path, tmp_path: Path) -> None:
    copy, unpacked = mkdir(tmp_path / "copy"), mkdir(tmp_path / "unpacked")
    data, written = tar_of(upper, copy)
    applied = apply_layer(io.BytesIO(data), unpacked)
    assert applied.diff_id == written.diff_id and applied.size == written.size
    got, want = snapshot(copy), snapshot(unpacked)
    assert got == want
    assert os.getxattr(copy / "usr/sbin", "trusted.overlay.opaque") == b"y"
    assert stat.S_ISCHR(os.lstat(copy / "etc/group").st_mode)
    assert os.lstat(copy / "data/big").st_ino == os.lstat(copy / "data/big-link").st_ino
    assert os.getxattr(copy / "data/big", "security.capability") == CAP
    assert os.getxattr(copy / "data/big", "user.binary") == b"\xff\xfe\x00"


def test_empty_upper_is_the_empty_layer(tmp_path: Path) -> None:
    need_root()
    data, written = tar_of(mkdir(tmp_path / "empty"))
    assert data == bytes(1024) and written.entries == 0
    assert written.diff_id == ("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf"
                               "10ace3c6ef")


def test_sockets_are_left_out(tmp_path: Path) -> None:
    import socket

    need_root()
    up = mkdir(tmp_path / "up")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(up / "sock"))
        write(up / "file")
        with tarfile.open(fileobj=io.BytesIO(tar_of(up)[0])) as tar:
            names = tar.getnames()
    finally:
        s.close()
    assert names == ["file"]


def test_a_failing_copy_fails_the_write(upper: Path, tmp_path: Path) -> None:
    copy = mkdir(tmp_path / "copy")
    write(copy / "data/big", b"in the way")  # the copy cannot create it
    with pytest.raises(FileExistsError):
        tar_of(upper, copy)
