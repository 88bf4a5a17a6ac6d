"""The merged view of a container's dirs as a tar (docker export)."""

import io
import os
import tarfile
from pathlib import Path

from overlay_dirs import mkdir, need_root, opaque, touch_times, whiteout, write

from berth.diff.merged import write_merged


def members(*layers: Path) -> dict[str, tarfile.TarInfo]:
    buf = io.BytesIO()
    written = write_merged(list(layers), buf)
    assert written.tar_size == len(buf.getvalue())
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue())) as tar:
        return {m.name: m for m in tar}


def content(layers: list[Path], name: str) -> bytes:
    buf = io.BytesIO()
    write_merged(layers, buf)
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue())) as tar:
        f = tar.extractfile(name)
        assert f is not None
        return f.read()


def test_whiteouts_and_opaque_dirs_applied(tmp_path: Path) -> None:
    need_root()
    base, top, upper = (mkdir(tmp_path / n) for n in ("base", "top", "upper"))
    for f in ("etc/passwd", "etc/group", "usr/lib/old", "usr/lib/keep", "var/x"):
        write(base / f, b"base " + f.encode())
    write(top / "etc/passwd", b"top passwd")
    whiteout(top / "var")
    whiteout(upper / "etc/group")
    opaque(mkdir(upper / "usr/lib"))
    write(upper / "usr/lib/new", b"new")
    write(upper / "added", b"added")
    os.link(upper / "added", upper / "added-link")
    for d in (base, top, upper):
        touch_times(d)
    got = members(upper, top, base)
    assert list(got) == ["added", "added-link", "etc", "etc/passwd", "usr", "usr/lib",
                         "usr/lib/new"]
    assert content([upper, top, base], "etc/passwd") == b"top passwd"
    assert got["added-link"].islnk() and got["added-link"].linkname == "added"
    assert not any(".wh." in n for n in got)


def test_topmost_entry_wins_and_dirs_merge(tmp_path: Path) -> None:
    need_root()
    base, upper = mkdir(tmp_path / "base"), mkdir(tmp_path / "upper")
    write(base / "d/a", b"a")
    write(base / "f", b"was a file")
    mkdir(base / "g")
    write(base / "g/inside")
    write(upper / "d/b", b"b")
    mkdir(upper / "f")  # a file replaced by a directory
    write(upper / "f/x")
    write(upper / "g", b"a file now")  # a directory replaced by a file
    os.chmod(upper / "d", 0o700)
    got = members(upper, base)
    assert list(got) == ["d", "d/a", "d/b", "f", "f/x", "g"]
    assert got["d"].mode == 0o700 and got["f"].isdir() and got["g"].isreg()


def test_single_dir(tmp_path: Path) -> None:
    need_root()
    write(tmp_path / "only/file", b"1")
    assert list(members(tmp_path / "only")) == ["file"]
