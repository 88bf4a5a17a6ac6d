"""A layer cannot make more disk use than the bytes it carries.

A GNU sparse member in a tar of a few KB wrote a fully allocated 1.1 GB file
(dockerd does the same), so a small pull filled the disk. The applier
(``berth.diff.apply``, the same for import, load and pull) writes a sparse
member's data at its offsets and leaves its holes holes, leaves every whole
chunk of zeros of any file a hole (a small gzip of zeros), and refuses a sparse
file past its limit before writing anything of it, storing nothing."""

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from berth.diff.apply import SPARSE_LIMIT

Daemon = Any  # tests/conftest.py's
MIB = 1 << 20
BIG = 1100 * MIB
PIECES = {0: b"head", 512 * MIB: b"middle" * 1000, BIG - 4: b"tail"}


def _sparse_file(path: Path, size: int, pieces: dict[int, bytes]) -> None:
    with path.open("wb") as f:
        f.truncate(size)
        for offset, data in pieces.items():
            f.seek(offset)
            f.write(data)


def _sparse_tar(tmp: Path, fmt: str, size: int = BIG) -> Path:
    src = tmp / f"src-{fmt}"
    src.mkdir()
    _sparse_file(src / "big", size, PIECES if size == BIG else {0: b"head"})
    out = tmp / f"sparse-{fmt}.tar"
    subprocess.run(["tar", "--sparse", f"--format={fmt}", "-cf", str(out), "-C", str(src),
                    "big"], check=True)
    assert out.stat().st_size < 64 * 1024  # what a puller downloads
    with tarfile.open(out) as tar:
        assert tar.getmember("big").sparse  # tar wrote a sparse member
    return out


def _layer_file(daemon: Daemon, image: str, name: str) -> Path:
    inspect = json.loads(daemon.cli("image", "inspect", image).stdout)[0]
    (diff_id,) = inspect["RootFS"]["Layers"]  # one layer: its chain id is its diff_id
    return daemon.data_root / "snapshots" / diff_id.removeprefix("sha256:") / "fs" / name


def _check_big(path: Path) -> None:
    st = path.stat()
    assert st.st_size == BIG
    assert st.st_blocks * 512 < 4 * MIB, f"{st.st_blocks * 512} bytes allocated"
    with path.open("rb") as f:
        for offset, data in PIECES.items():
            f.seek(offset)
            assert f.read(len(data)) == data
        f.seek(256 * MIB)
        assert f.read(MIB) == bytes(MIB)  # a hole reads as zeros


@pytest.mark.parametrize("fmt", ["gnu", "posix"])
def test_import_keeps_a_sparse_file_sparse(daemon, tmp_path, fmt):
    layer = _sparse_tar(tmp_path, fmt)
    image = f"sparse-import:{fmt}"
    r = daemon.cli("import", str(layer), image)
    assert r.returncode == 0, r.stderr
    try:
        _check_big(_layer_file(daemon, image, "big"))
    finally:
        daemon.cli("rmi", image)


def test_load_keeps_a_sparse_file_sparse(daemon, tmp_path):
    layer = _sparse_tar(tmp_path, "gnu").read_bytes()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["sparse-load:latest"],
                            "Layers": ["layer/layer.tar"]}]).encode()
    archive = tmp_path / "save.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in (("config.json", config), ("layer/layer.tar", layer),
                           ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
    r = daemon.cli("load", "-i", str(archive))
    assert r.returncode == 0, r.stderr
    try:
        _check_big(_layer_file(daemon, "sparse-load:latest", "big"))
    finally:
        daemon.cli("rmi", "sparse-load:latest")


def test_a_gzip_of_zeros_stays_holes(daemon, tmp_path):
    """Any file's whole chunks of zeros are left holes; its data is exact."""
    data = os.urandom(3 * MIB + 123)
    content = bytes(64 * MIB) + data + bytes(64 * MIB)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        ti = tarfile.TarInfo("zeros")
        ti.size = len(content)
        tar.addfile(ti, io.BytesIO(content))
    layer = tmp_path / "zeros.tar.gz"
    layer.write_bytes(gzip.compress(buf.getvalue(), compresslevel=9))
    assert layer.stat().st_size < 4 * MIB
    r = daemon.cli("import", str(layer), "zeros:latest")
    assert r.returncode == 0, r.stderr
    try:
        path = _layer_file(daemon, "zeros:latest", "zeros")
        assert path.stat().st_blocks * 512 < 8 * MIB
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(content).digest()
    finally:
        daemon.cli("rmi", "zeros:latest")


def _stored(daemon: Daemon) -> set[str]:
    out = set()
    for top in ("content", "snapshots", "tmp"):
        for dirpath, dirs, files in os.walk(daemon.data_root / top):
            out.update(os.path.join(dirpath, n) for n in dirs + files)
    return out


def test_a_sparse_file_past_the_limit_is_refused(daemon, tmp_path):
    layer = _sparse_tar(tmp_path, "gnu", SPARSE_LIMIT + MIB)
    images = daemon.cli("images", "-q", "-a").stdout
    before = _stored(daemon)
    r = daemon.cli("import", str(layer), "too-sparse:latest")
    assert r.returncode == 1
    assert (f"invalid layer: sparse file 'big' of {SPARSE_LIMIT + MIB} bytes is over the "
            f"limit of {SPARSE_LIMIT} bytes") in r.stderr
    assert daemon.cli("images", "-q", "-a").stdout == images
    assert _stored(daemon) == before  # no blob, no snapshot, nothing half-made
