"""Plain (imported, committed) layers are pushed compressed, as docker pushes them: gzip
by default, zstd with ``berthd --push-compression zstd``; compressed once and kept, so
another push sends the same blob; pulled back by berth, skopeo and dockerd 20.10; the
kept blob goes with the last image of its layer."""

import gzip
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard
from distribution import Registry, http_call, start_registry

from berth.oci import mediatypes

ACCEPT = {"Accept": f"{mediatypes.OCI_MANIFEST}, {mediatypes.DOCKER_MANIFEST}"}


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = start_registry(tmp_path / "registry")
    yield reg
    reg.stop()


def _skopeo_copy(ref: str, to: Path) -> None:
    r = subprocess.run(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{ref}",
                        f"dir:{to}"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def _push(d, ref: str) -> str:
    assert d.cli("tag", "busybox", ref).returncode == 0
    r = d.cli("push", ref)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _pushed_layer(reg: Registry, repo: str) -> tuple[dict, bytes]:
    status, _, raw = http_call("GET", f"http://{reg.host}/v2/{repo}/manifests/latest",
                               headers=ACCEPT)
    assert status == 200
    layer = json.loads(raw)["layers"][0]
    status, _, blob = http_call("GET", f"http://{reg.host}/v2/{repo}/blobs/{layer['digest']}")
    assert status == 200 and hashlib.sha256(blob).hexdigest() == layer["digest"][7:]
    return layer, blob


def _diff_id(d) -> str:
    r = d.cli("image", "inspect", "--format", "{{json .RootFS.Layers}}", "busybox")
    return json.loads(r.stdout)[0]


def _blobs(d) -> set[str]:
    return {p.name for p in (d.data_root / "content" / "blobs" / "sha256").iterdir()}


def test_a_plain_layer_is_pushed_gzip_once(daemon_factory, own_daemon, registry, tmp_path):
    d = daemon_factory()
    diff_id = _diff_id(d)
    _push(d, f"{registry.host}/one")
    layer, blob = _pushed_layer(registry, "one")
    assert layer["mediaType"] == mediatypes.OCI_LAYER_GZIP
    assert "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest() == diff_id
    assert layer["size"] < len(gzip.decompress(blob))
    kept = _blobs(d)
    # again, and to another repository and registry: the same bytes, not compressed anew
    assert "Layer already exists" in _push(d, f"{registry.host}/one")
    other = start_registry(tmp_path / "other")
    try:
        _push(d, f"{other.host}/two")
        assert _pushed_layer(other, "two")[0] == layer
    finally:
        other.stop()
    assert _blobs(d) == kept
    # pulled by another berthd: the same image, and it runs
    image_id = d.cli("image", "inspect", "--format", "{{.Id}}", "busybox").stdout
    assert own_daemon.cli("rmi", "busybox").returncode == 0
    assert own_daemon.cli("pull", "-q", f"{registry.host}/one").returncode == 0
    r = own_daemon.cli("image", "inspect", "--format", "{{.Id}}", f"{registry.host}/one")
    assert r.stdout == image_id
    r = own_daemon.cli("run", "--rm", f"{registry.host}/one", "echo", "from gzip")
    assert (r.returncode, r.stdout) == (0, "from gzip\n"), r.stderr
    # and by skopeo, which checks every digest
    _skopeo_copy(f"{registry.host}/one", tmp_path / "copy")
    assert (tmp_path / "copy" / layer["digest"][7:]).read_bytes() == blob


def test_zstd_on_request(daemon_factory, own_daemon, registry, tmp_path):
    d = daemon_factory("--push-compression", "zstd")
    diff_id = _diff_id(d)
    _push(d, f"{registry.host}/z")
    layer, blob = _pushed_layer(registry, "z")
    assert layer["mediaType"] == mediatypes.OCI_LAYER_ZSTD
    plain = zstandard.ZstdDecompressor().stream_reader(blob).read()
    assert "sha256:" + hashlib.sha256(plain).hexdigest() == diff_id
    assert own_daemon.cli("rmi", "busybox").returncode == 0
    assert own_daemon.cli("pull", "-q", f"{registry.host}/z").returncode == 0
    r = own_daemon.cli("run", "--rm", f"{registry.host}/z", "echo", "from zstd")
    assert (r.returncode, r.stdout) == (0, "from zstd\n"), r.stderr
    _skopeo_copy(f"{registry.host}/z", tmp_path / "copy")


def test_the_kept_blob_goes_with_its_last_image(daemon_factory, registry):
    d = daemon_factory()
    before = _blobs(d)
    _push(d, f"{registry.host}/gc")
    layer, _ = _pushed_layer(registry, "gc")
    records = d.data_root / "compressed" / "gzip"
    assert _blobs(d) == before | {layer["digest"][7:]}
    assert [p.name for p in records.iterdir()] == [_diff_id(d)[7:]]
    assert d.cli("rmi", f"{registry.host}/gc").returncode == 0  # busybox still has it
    assert layer["digest"][7:] in _blobs(d)
    assert d.cli("rmi", "busybox").returncode == 0
    assert _blobs(d) == set() and list(records.iterdir()) == []


def test_an_unknown_compression_is_refused_at_start(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "berth.api.main", "--host", f"unix://{tmp_path}/s.sock",
         "--data-root", str(tmp_path / "data"), "--exec-root", str(tmp_path / "run"),
         "--push-compression", "lz4"], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (1, "berthd: failed to start daemon: invalid push "
                                           "compression 'lz4': choose one of gzip, zstd\n")


@pytest.mark.slow
def test_dockerd_2010_pulls_what_berth_pushes(daemon, registry, dockerd):
    _push(daemon, f"{registry.host}/bb")
    ref = f"{registry.host}/bb"
    for args in (["pull", "-q", ref], ["run", "--rm", "--network", "none", ref, "echo", "ok"]):
        r = subprocess.run(["/usr/bin/docker", *args], env=dockerd, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    assert r.stdout == "ok\n"
