"""Digests, media types and the image-spec values' JSON round trips."""

import hashlib
import json

import pytest

from berth.errors import InvalidArgument
from berth.oci import digest, mediatypes
from berth.oci.image import Descriptor, ImageConfig, Index, Manifest, Platform, canonical

HEX = "b" * 64


def test_digest_helpers() -> None:
    assert digest.of_bytes(b"x") == "sha256:" + hashlib.sha256(b"x").hexdigest()
    assert digest.hex_of(f"sha256:{HEX}") == HEX
    assert digest.from_hex(HEX) == f"sha256:{HEX}"
    assert digest.short_id(f"sha256:{HEX}") == HEX[:12]
    h = digest.Hasher()
    h.update(b"ab")
    h.update(memoryview(b"c"))
    assert (h.digest, h.size) == (digest.of_bytes(b"abc"), 3)


@pytest.mark.parametrize(("bad", "message"), [
    ("sha256:" + "B" * 64, "invalid checksum digest format"),
    ("sha256:abc", "invalid checksum digest length"),
    ("md5:" + "a" * 32, "unsupported digest algorithm"),
    ("nocolon", "invalid digest"),
    ("sha256:../../etc", "invalid digest"),
])
def test_digest_validate(bad: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as e:
        digest.validate(bad)
    assert e.value.message.startswith(message)


def test_mediatypes() -> None:
    assert mediatypes.layer_compression(mediatypes.DOCKER_LAYER_GZIP) == "gzip"
    assert mediatypes.layer_compression(mediatypes.OCI_LAYER_ZSTD) == "zstd"
    assert mediatypes.oci_layer("") == mediatypes.OCI_LAYER
    assert mediatypes.is_layer(mediatypes.OCI_LAYER_GZIP)
    assert not mediatypes.is_layer(mediatypes.OCI_CONFIG)


DOCKER_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": mediatypes.DOCKER_MANIFEST,
    "config": {"mediaType": mediatypes.DOCKER_CONFIG, "size": 1469, "digest": f"sha256:{HEX}"},
    "layers": [{"mediaType": mediatypes.DOCKER_LAYER_GZIP, "size": 2, "digest": f"sha256:{HEX}",
                "urls": ["https://x"], "annotations": {"a": "b"}}],
}


def test_manifest_round_trip() -> None:
    m = Manifest.parse(json.dumps(DOCKER_MANIFEST).encode())
    assert m.media_type == mediatypes.DOCKER_MANIFEST
    assert m.config.size == 1469 and m.layers[0].urls == ("https://x",)
    assert m.to_json() == DOCKER_MANIFEST
    assert Manifest.from_json(m.to_json()) == m


@pytest.mark.parametrize("change", [
    {"schemaVersion": 1},
    {"mediaType": mediatypes.OCI_INDEX},
    {"config": {"mediaType": "x", "size": -1, "digest": f"sha256:{HEX}"}},
    {"config": {"mediaType": "x", "size": 1, "digest": "sha256:zz"}},
    {"layers": "nope"},
])
def test_manifest_rejects(change: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        Manifest.from_json({**DOCKER_MANIFEST, **change})
    with pytest.raises(InvalidArgument):
        Manifest.parse(b"not json")


def test_index_and_platform() -> None:
    j = {"schemaVersion": 2, "mediaType": mediatypes.OCI_INDEX, "manifests": [
        {"mediaType": mediatypes.OCI_MANIFEST, "digest": f"sha256:{HEX}", "size": 7,
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}}]}
    idx = Index.from_json(j)
    assert idx.manifests[0].platform == Platform("arm64", "linux", "v8")
    assert idx.to_json() == j


def test_config_round_trip_keeps_unknown_fields() -> None:
    j = {"created": "2024-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
         "docker_version": "24.0", "comment": "Imported from -",
         "config": {"Cmd": ["sh"], "Env": ["A=1"]},
         "rootfs": {"type": "layers", "diff_ids": [f"sha256:{HEX}"]},
         "history": [{"created": "2024-01-01T00:00:00Z", "comment": "Imported from -"}]}
    c = ImageConfig.from_json(j)
    assert c.diff_ids == (f"sha256:{HEX}",)
    assert c.config["Cmd"] == ["sh"]
    assert c.extra == {"docker_version": "24.0", "comment": "Imported from -"}
    assert c.to_json() == j
    assert json.loads(canonical(c.to_json())) == j
    with pytest.raises(InvalidArgument):
        ImageConfig.from_json({**j, "rootfs": {"type": "other"}})


def test_descriptor_minimal() -> None:
    d = Descriptor(mediatypes.OCI_CONFIG, f"sha256:{HEX}", 3)
    assert d.to_json() == {"mediaType": mediatypes.OCI_CONFIG, "digest": f"sha256:{HEX}",
                           "size": 3}
