"""berth's registry driven by a tool we did not write (skopeo copy, inspect,
list-tags, delete), with basic auth, TLS and garbage collection, through the
``berth registry`` commands."""

import gzip
import hashlib
import io
import json
import socket
import sqlite3
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from registry_helpers import (
    BERTH,
    Registry,
    env_without_proxy,
    image_manifest,
    push_blob,
    put_manifest,
    sha,
)

SKOPEO = "/usr/bin/skopeo"


def _blob(layout: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def make_oci_layout(layout: Path, files: dict[str, bytes]) -> str:
    """A one-image OCI layout (a gzipped layer of ``files``); its manifest digest."""
    (layout / "blobs" / "sha256").mkdir(parents=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o644
            tar.addfile(info, io.BytesIO(content))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    layer = _blob(layout, gzip.compress(raw.getvalue(), mtime=0))
    config = _blob(layout, json.dumps({
        "architecture": "amd64", "os": "linux", "config": {"Cmd": ["/hello"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode())
    manifest_bytes = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
    }).encode()
    manifest = _blob(layout, manifest_bytes)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))
    return str(manifest["digest"])


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SKOPEO, "--insecure-policy", *args], capture_output=True,
                          text=True, timeout=120, env=env_without_proxy())


def test_skopeo_copy_in_and_out(registry: Registry, tmp: Path) -> None:
    digest = make_oci_layout(tmp / "layout", {"hello": b"hello from berth\n" * 1000})
    dest = f"docker://{registry.host}/demo/hello:1.0"
    r = skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp / 'layout'}:latest", dest)
    assert r.returncode == 0, r.stderr
    r = skopeo("inspect", "--tls-verify=false", dest)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["Digest"] == digest and info["Name"] == f"{registry.host}/demo/hello"
    assert info["RepoTags"] == ["1.0"]
    r = skopeo("inspect", "--tls-verify=false", "--raw", dest)
    assert sha(r.stdout.encode()) == digest
    # out again, and as Docker schema2 into another repository (a different manifest)
    r = skopeo("copy", "--src-tls-verify=false", dest, f"oci:{tmp / 'back'}:latest")
    assert r.returncode == 0, r.stderr
    index = json.loads((tmp / "back" / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest
    r = skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "v2s2",
               dest, f"docker://{registry.host}/other/hello:v2s2")
    assert r.returncode == 0, r.stderr
    r = registry.request("GET", "/v2/other/hello/manifests/v2s2", headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    assert r.status == 200
    assert r.headers["content-type"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert registry.request("GET", "/v2/_catalog").json()["repositories"] == [
        "demo/hello", "other/hello"]
    r = skopeo("list-tags", "--tls-verify=false", f"docker://{registry.host}/demo/hello")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Tags"] == ["1.0"]
    r = skopeo("delete", "--tls-verify=false", dest)
    assert r.returncode == 0, r.stderr
    assert registry.request("GET", "/v2/demo/hello/manifests/1.0").status == 404
    assert registry.request("GET", f"/v2/demo/hello/manifests/{digest}").status == 404


def test_basic_auth_with_bcrypt_htpasswd(registry_factory: Callable[..., Registry],
                                         tmp: Path) -> None:
    htpasswd = tmp / "htpasswd"
    subprocess.run(["htpasswd", "-cbB", str(htpasswd), "alice", "s3cret"], check=True,
                   capture_output=True)
    registry = registry_factory("--htpasswd", str(htpasswd))
    r = registry.request("GET", "/v2/")
    assert r.status == 401 and r.error == "UNAUTHORIZED"
    assert r.headers["www-authenticate"] == 'Basic realm="berth"'
    assert r.headers["docker-distribution-api-version"] == "registry/2.0"
    import base64

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode())
                .decode()}

    assert registry.request("GET", "/v2/", headers=basic("alice", "wrong")).status == 401
    assert registry.request("GET", "/v2/", headers=basic("bob", "s3cret")).status == 401
    assert registry.request("GET", "/v2/", headers=basic("alice", "s3cret")).status == 200
    assert registry.request("GET", "/v2/_catalog").status == 401
    make_oci_layout(tmp / "layout", {"f": b"auth"})
    dest = f"docker://{registry.host}/private/img:latest"
    r = skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp / 'layout'}:latest", dest)
    assert r.returncode != 0
    r = skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret",
               f"oci:{tmp / 'layout'}:latest", dest)
    assert r.returncode == 0, r.stderr
    r = skopeo("inspect", "--tls-verify=false", "--creds", "alice:s3cret", dest)
    assert r.returncode == 0, r.stderr


def test_htpasswd_without_bcrypt_is_refused(tmp: Path) -> None:
    htpasswd = tmp / "htpasswd"
    subprocess.run(["htpasswd", "-cbm", str(htpasswd), "alice", "pw"], check=True,
                   capture_output=True)
    r = subprocess.run([*BERTH, "registry", "serve", "--addr", "127.0.0.1:0", "--root",
                        str(tmp / "r"), "--htpasswd", str(htpasswd)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "not bcrypt" in r.stderr


def test_tls(registry_factory: Callable[..., Registry], tmp: Path) -> None:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    registry = registry_factory("--tls-cert", str(cert), "--tls-key", str(key),
                                scheme="https")
    r = registry.request("GET", "/v2/")
    assert r.status == 200 and r.headers["docker-distribution-api-version"] == "registry/2.0"
    make_oci_layout(tmp / "layout", {"f": b"tls"})
    r = skopeo("copy", "--dest-cert-dir", str(tmp / "none"), "--dest-tls-verify=false",
               f"oci:{tmp / 'layout'}:latest", f"docker://{registry.host}/tls/img:1")
    assert r.returncode == 0, r.stderr
    assert registry.request("GET", "/v2/tls/img/tags/list").json()["tags"] == ["1"]


def test_gc_frees_unreferenced_blobs(registry_factory: Callable[..., Registry],
                                     tmp: Path) -> None:
    registry = registry_factory()
    manifest = image_manifest(registry, "keep")
    assert put_manifest(registry, "keep", "v1", manifest).status == 201
    kept = [d["digest"] for d in (json.loads(manifest)["config"],
                                  *json.loads(manifest)["layers"])]
    orphan = push_blob(registry, "keep", b"nobody references me" * 10)
    dropped = image_manifest(registry, "gone", "gone")
    assert put_manifest(registry, "gone", "v1", dropped).status == 201
    assert registry.request("DELETE", f"/v2/gone/manifests/{sha(dropped)}").status == 202
    stale = registry.request("POST", "/v2/keep/blobs/uploads/").headers["location"]
    fresh = registry.request("POST", "/v2/keep/blobs/uploads/").headers["location"]
    assert registry.request("PATCH", stale, b"abandoned").status == 202
    assert registry.request("PATCH", fresh, b"in progress").status == 202
    # a server holds the registry: gc refuses
    r = subprocess.run([*BERTH, "registry", "gc", "--root", str(registry.root)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "stop it first" in r.stderr
    registry.stop()
    with sqlite3.connect(registry.root / "registry.db") as db:  # eight days ago
        db.execute("UPDATE uploads SET started = started - 8 * 86400 WHERE uuid = ?",
                   (stale.rsplit("/", 1)[1],))
    db.close()
    r = subprocess.run([*BERTH, "registry", "gc", "--root", str(registry.root), "--dry-run"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and f"would delete {orphan} (200 bytes)" in r.stdout
    assert (registry.root / "blobs" / "sha256" / orphan[7:]).exists()
    r = subprocess.run([*BERTH, "registry", "gc", "--root", str(registry.root)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    gone = [sha(dropped), *(d["digest"] for d in (json.loads(dropped)["config"],
                                                  *json.loads(dropped)["layers"]))]
    for digest in [orphan, *gone]:
        assert f"deleted {digest}" in r.stdout
        assert not (registry.root / "blobs" / "sha256" / digest[7:]).exists()
    assert "deleted 4 blobs" in r.stdout and "kept 3 referenced blobs" in r.stdout
    assert f"deleted upload {stale.rsplit('/', 1)[1]}" in r.stdout
    assert len(list((registry.root / "ingest").iterdir())) == 1
    registry = registry_factory()
    assert registry.request("GET", stale).status == 404
    assert registry.request("GET", fresh).headers["range"] == "0-10"
    for digest in kept:
        assert registry.request("GET", f"/v2/keep/blobs/{digest}").status == 200
    assert registry.request("GET", "/v2/keep/manifests/v1").body == manifest
    assert registry.request("GET", f"/v2/keep/blobs/{orphan}").status == 404


@pytest.mark.parametrize("args, message", [
    (["registry", "serve", "--addr", "nonsense", "--root", "/tmp/x"], "invalid address"),
    (["registry", "serve"], "--root"),
    (["registry", "nope"], "'registry nope' is not a berth command"),
])
def test_cli_errors(args: list[str], message: str) -> None:
    r = subprocess.run([*BERTH, *args], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and message in r.stderr


def test_distribution_pulls_through_from_berth(registry: Registry, tmp: Path) -> None:
    """CNCF distribution 2.8 as a pull-through cache of berth's registry: its Go
    registry client fetches manifests, tags and blobs from berth."""
    digest = make_oci_layout(tmp / "layout", {"proxied": b"through distribution\n" * 500})
    r = skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp / 'layout'}:latest",
               f"docker://{registry.host}/demo/proxied:1")
    assert r.returncode == 0, r.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp / "distribution.yml").write_text(
        "version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n"
        f"storage: {{filesystem: {{rootdirectory: {tmp / 'distribution'}}}}}\n"
        f"http: {{addr: 127.0.0.1:{port}}}\n"
        f'proxy: {{remoteurl: "http://{registry.host}"}}\n')
    proxy = subprocess.Popen(["/usr/bin/docker-registry", "serve", str(tmp / "distribution.yml")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=env_without_proxy())
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "docker-registry did not start"
                time.sleep(0.05)
        source = f"docker://127.0.0.1:{port}/demo/proxied:1"
        r = skopeo("inspect", "--tls-verify=false", source)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["Digest"] == digest
        r = skopeo("copy", "--src-tls-verify=false", source, f"oci:{tmp / 'pulled'}:latest")
        assert r.returncode == 0, r.stderr
        pulled = json.loads((tmp / "pulled" / "index.json").read_text())
        assert pulled["manifests"][0]["digest"] == digest
    finally:
        proxy.terminate()
        proxy.wait(10)
