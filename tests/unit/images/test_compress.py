"""Plain layers compressed for a push: made once per diff_id and compression, found
again, forgotten with their last image; the manifest pushed for them."""

import gzip
import hashlib
import os
from pathlib import Path

import pytest
import zstandard

from berth.content.store import LocalContentStore
from berth.errors import InvalidArgument
from berth.images import compress
from berth.images.push import pushed_manifest
from berth.oci import mediatypes
from berth.oci.image import Descriptor, Manifest


def _plain(store: LocalContentStore) -> tuple[Descriptor, str, bytes]:
    data = b"".join(os.urandom(64) * 64 for _ in range(600)) + b"\0" * 300_000
    digest = store.put(data)
    return Descriptor(mediatypes.OCI_LAYER, digest, len(data)), digest, data


@pytest.mark.parametrize(("compression", "media_type", "unpack"), [
    ("gzip", mediatypes.OCI_LAYER_GZIP, gzip.decompress),
    ("zstd", mediatypes.OCI_LAYER_ZSTD,
     lambda b: zstandard.ZstdDecompressor().stream_reader(b).read()),
])
def test_compressed_once_and_found_again(tmp_path: Path, compression, media_type, unpack):
    store = LocalContentStore(tmp_path / "content")
    layers = compress.CompressedLayers(tmp_path / "compressed", store)
    layer, diff_id, data = _plain(store)
    pushed = layers.compressed(layer, diff_id, compression)
    assert pushed.media_type == media_type and pushed.size < len(data)
    blob = store.read(pushed.digest)
    assert unpack(blob) == data and len(blob) == pushed.size
    assert layers.find(diff_id, compression) == (pushed.digest, pushed.size)
    record = tmp_path / "compressed" / compression / diff_id[7:]
    made = record.stat().st_mtime_ns
    assert layers.compressed(layer, diff_id, compression) == pushed
    assert record.stat().st_mtime_ns == made  # found, not made again
    assert oct(record.parent.stat().st_mode & 0o777) == "0o700"


def test_a_bad_record_or_a_lost_blob_is_made_anew(tmp_path: Path):
    store = LocalContentStore(tmp_path / "content")
    layers = compress.CompressedLayers(tmp_path / "compressed", store)
    layer, diff_id, _ = _plain(store)
    pushed = layers.compressed(layer, diff_id, "gzip")
    record = tmp_path / "compressed" / "gzip" / diff_id[7:]
    record.write_text('{"digest": "sha256:nothex", "size": 3}')
    assert layers.find(diff_id, "gzip") is None
    assert layers.compressed(layer, diff_id, "gzip") == pushed
    store.delete(pushed.digest)
    assert layers.find(diff_id, "gzip") is None
    assert layers.compressed(layer, diff_id, "gzip") == pushed


def test_marked_and_pruned_by_live_diff_ids(tmp_path: Path):
    store = LocalContentStore(tmp_path / "content")
    layers = compress.CompressedLayers(tmp_path / "compressed", store)
    layer, diff_id, _ = _plain(store)
    gz = layers.compressed(layer, diff_id, "gzip").digest
    zs = layers.compressed(layer, diff_id, "zstd").digest
    assert layers.marked([diff_id]) == {gz, zs}
    other = "sha256:" + hashlib.sha256(b"other").hexdigest()
    layers.prune([other])
    assert layers.marked([diff_id]) == set()


def test_only_gzip_and_zstd():
    assert compress.check("zstd") == "zstd"
    with pytest.raises(InvalidArgument, match="invalid push compression 'lz4': choose one of "
                                              "gzip, zstd"):
        compress.check("lz4")


def test_only_plain_distributable_layers_are_compressed():
    def d(media_type: str) -> Descriptor:
        return Descriptor(media_type, "sha256:" + "0" * 64, 1)

    assert compress.needs_compression(d(mediatypes.OCI_LAYER))
    assert compress.needs_compression(d(mediatypes.DOCKER_LAYER))
    for kept in (mediatypes.OCI_LAYER_GZIP, mediatypes.OCI_LAYER_ZSTD,
                 mediatypes.DOCKER_LAYER_GZIP, mediatypes.OCI_LAYER_NONDIST,
                 mediatypes.DOCKER_LAYER_FOREIGN):
        assert not compress.needs_compression(d(kept))


def test_a_zstd_layer_makes_a_docker_manifest_oci():
    zero = "sha256:" + "0" * 64
    docker = Manifest(Descriptor(mediatypes.DOCKER_CONFIG, zero, 2),
                      (Descriptor(mediatypes.DOCKER_LAYER_GZIP, zero, 3),
                       Descriptor(mediatypes.DOCKER_LAYER, zero, 4)),
                      mediatypes.DOCKER_MANIFEST)
    as_zstd = pushed_manifest(docker, [docker.layers[0],
                                     Descriptor(mediatypes.OCI_LAYER_ZSTD, zero, 5)])
    assert as_zstd.media_type == mediatypes.OCI_MANIFEST
    assert as_zstd.config.media_type == mediatypes.OCI_CONFIG
    assert [x.media_type for x in as_zstd.layers] == [mediatypes.OCI_LAYER_GZIP,
                                                      mediatypes.OCI_LAYER_ZSTD]
    as_gzip = pushed_manifest(docker, [docker.layers[0],
                                     Descriptor(mediatypes.DOCKER_LAYER_GZIP, zero, 5)])
    assert as_gzip.media_type == mediatypes.DOCKER_MANIFEST
    assert [x.size for x in as_gzip.layers] == [3, 5]
