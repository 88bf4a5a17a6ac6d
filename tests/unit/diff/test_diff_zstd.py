"""zstd layers (OCI ``tar+zstd``): applied like gzip ones, the same diff_id; and an image
imported from a zstd tar through the image service."""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
import zstandard

from berth.diff.apply import apply_layer
from berth.errors import InvalidArgument
from berth.images.service import ImageService
from berth.metadata.db import Database
from berth.oci import mediatypes
from berth.paths import Paths


def layer() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("etc/motd")
        data = b"compressed with zstd\n" * 100
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_apply_zstd(tmp_path: Path) -> None:
    raw = layer()
    applied = apply_layer(io.BytesIO(zstandard.ZstdCompressor().compress(raw)), tmp_path)
    assert applied.compression == "zstd"
    assert applied.diff_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert (tmp_path / "etc/motd").read_bytes().startswith(b"compressed with zstd")


def test_truncated_zstd_is_refused(tmp_path: Path) -> None:
    data = zstandard.ZstdCompressor().compress(layer())
    with pytest.raises(InvalidArgument):
        apply_layer(io.BytesIO(data[:-20]), tmp_path)


def test_import_zstd(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "data", tmp_path / "run")
    db = Database(paths.db)
    try:
        svc = ImageService(paths, db)
        raw = layer()
        image_id = svc.import_tar(io.BytesIO(zstandard.ZstdCompressor().compress(raw)),
                                  "zstd:1", [], "")
        img = svc.resolve("zstd:1")
        assert img.id == image_id and img.diff_ids == [
            "sha256:" + hashlib.sha256(raw).hexdigest()]
        manifest = json.loads(svc.content.read(img.manifest_digest))
        assert manifest["layers"][0]["mediaType"] == mediatypes.OCI_LAYER_ZSTD
    finally:
        db.close()
