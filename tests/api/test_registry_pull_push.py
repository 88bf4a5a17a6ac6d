"""Pull and push against Debian's docker-registry (CNCF distribution 2.8), which we
did not write: round trip between two berthds, digests, a multi-arch index, basic
auth with ``berth login``, the bearer-token flow (distribution's own ``auth.token``
checking JWTs of a test token server, and a token-demanding proxy), HTTPS with a
certs.d CA, and faults (a connection cut mid
blob, bytes that do not match their digest, a missing blob, 500 then 200, a wrong
password), each leaving the store of a failed pull unchanged."""

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distribution import FaultProxy, Registry, TokenServer, htpasswd, http_call, start_registry


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = start_registry(tmp_path / "registry")
    yield reg
    reg.stop()


def _inspect(d, ref: str) -> dict:
    r = d.cli("image", "inspect", ref)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)[0]


def _images(d) -> list[str]:
    return sorted(d.cli("images", "-a", "--no-trunc", "-q").stdout.split())


def _forget_busybox(d) -> None:
    """Remove the daemon's busybox (and so its layer): a pull must fetch it."""
    assert d.cli("rmi", "busybox").returncode == 0
    assert d.cli("images", "-q").stdout == ""


def _push_busybox(d, host: str, repo: str = "busybox") -> str:
    assert d.cli("tag", "busybox", f"{host}/{repo}").returncode == 0
    r = d.cli("push", f"{host}/{repo}")
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("latest: digest: sha256:") and " size: " in last, r.stdout
    return last.split()[2]


def test_push_then_pull_into_another_daemon(daemon, own_daemon, registry):
    host = registry.host
    digest = _push_busybox(daemon, host)
    image_id = _inspect(daemon, "busybox")["Id"]
    assert f"{host}/busybox@{digest}" in _inspect(daemon, "busybox")["RepoDigests"]

    _forget_busybox(own_daemon)
    r = own_daemon.cli("pull", f"{host}/busybox")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "latest: Pulling from busybox"
    assert any(line.endswith(": Pull complete") for line in lines)
    assert f"Digest: {digest}" in lines
    assert f"Status: Downloaded newer image for {host}/busybox:latest" in lines
    assert lines[-1] == f"{host}/busybox:latest"
    pulled = _inspect(own_daemon, f"{host}/busybox")
    assert pulled["Id"] == image_id
    events = own_daemon.cli("events", "--since", str(int(time.time()) - 600), "--until",
                            str(int(time.time()) + 1),
                            "--filter", "event=pull")
    assert f"image pull {host}/busybox:latest (name={host}/busybox)" in events.stdout, events
    assert pulled["RepoDigests"] == [f"{host}/busybox@{digest}"]

    again = own_daemon.cli("pull", f"{host}/busybox")
    assert f"Status: Image is up to date for {host}/busybox:latest" in again.stdout
    assert ": Already exists" in again.stdout
    run = own_daemon.cli("run", "--rm", f"{host}/busybox", "echo", "pulled")
    assert run.returncode == 0 and run.stdout == "pulled\n", run.stderr

    # by digest: no tag, the digest reference only
    assert own_daemon.cli("rmi", f"{host}/busybox").returncode == 0
    r = own_daemon.cli("pull", f"{host}/busybox@{digest}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"{digest}: Pulling from busybox"
    by_digest = _inspect(own_daemon, f"{host}/busybox@{digest}")
    assert by_digest["Id"] == image_id and by_digest["RepoTags"] == []

    # a second repository of the same registry: its layers are mounted, not sent
    assert daemon.cli("tag", "busybox", f"{host}/other/copy").returncode == 0
    r = daemon.cli("push", f"{host}/other/copy")
    assert r.returncode == 0, r.stderr
    assert ": Mounted from busybox" in r.stdout
    # the pulled image knows its repository by its digest alone (no tag of it left)
    assert own_daemon.cli("tag", f"{host}/busybox@{digest}", f"{host}/third").returncode == 0
    r = own_daemon.cli("push", f"{host}/third")
    assert r.returncode == 0, r.stderr
    assert ": Mounted from busybox" in r.stdout
    assert own_daemon.cli("rmi", f"{host}/third").returncode == 0

    # every tag: -a (the API's fromImage without a tag)
    assert daemon.cli("tag", "busybox", f"{host}/busybox:second").returncode == 0
    r = daemon.cli("push", "-a", f"{host}/busybox")
    assert r.returncode == 0, r.stderr
    assert [line.split(":")[0] for line in r.stdout.splitlines() if ": digest: " in line] == [
        "latest", "second"]
    r = own_daemon.cli("pull", "-a", f"{host}/busybox")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "latest: Pulling from busybox" in lines and "second: Pulling from busybox" in lines
    assert lines[-2:] == [f"Status: Downloaded newer image for {host}/busybox", f"{host}/busybox"]
    assert sorted(_inspect(own_daemon, f"{host}/busybox:second")["RepoTags"]) == [
        f"{host}/busybox:latest", f"{host}/busybox:second"]
    r = own_daemon.cli("pull", "-a", f"{host}/busybox:latest")
    assert r.returncode == 1 and "tag can't be used with --all-tags/-a" in r.stderr


def test_run_pulls_a_missing_image(daemon, own_daemon, registry):
    _push_busybox(daemon, registry.host, "runme")
    _forget_busybox(own_daemon)
    r = own_daemon.cli("run", "--rm", f"{registry.host}/runme", "echo", "ran")
    assert r.returncode == 0, r.stderr
    assert f"Unable to find image '{registry.host}/runme:latest' locally" in r.stderr
    assert "Pull complete" in r.stderr and r.stdout == "ran\n"


def test_pull_errors_name_the_image(own_daemon, registry):
    before = _images(own_daemon)
    r = own_daemon.cli("pull", f"{registry.host}/nosuch:1")
    assert r.returncode == 1
    assert f"manifest for {registry.host}/nosuch:1 not found" in r.stderr
    r = own_daemon.cli("push", f"{registry.host}/notlocal")
    assert r.returncode == 1 and "does not exist locally" in r.stderr
    assert _images(own_daemon) == before


# -- a multi-arch index, built with plain HTTP requests ---------------------------------


def _put_blob(base: str, repo: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, headers, _ = http_call("POST", f"{base}/v2/{repo}/blobs/uploads/", b"")
    assert status == 202
    location = headers["Location"]
    sep = "&" if "?" in location else "?"
    url = location if location.startswith("http") else base + location
    status, _, body = http_call("PUT", f"{url}{sep}digest={digest}", data,
                                {"Content-Type": "application/octet-stream"})
    assert status == 201, body
    return digest


def _layer(content: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("arch")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _put_image(base: str, repo: str, arch: str) -> tuple[str, int]:
    """A one-layer image; amd64's layer gzip-compressed, arm64's plain."""
    tar = _layer(f"{arch}\n".encode())
    layer = gzip.compress(tar) if arch == "amd64" else tar
    media_type = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if arch == "amd64" else "")
    layer_digest = _put_blob(base, repo, layer)
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    config = json.dumps({"architecture": arch, "os": "linux",
                         "config": {"Cmd": ["cat", "/arch"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_digest = _put_blob(base, repo, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": media_type, "digest": layer_digest,
                    "size": len(layer)}]}).encode()
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    status, _, body = http_call("PUT", f"{base}/v2/{repo}/manifests/{digest}", manifest,
                                {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 201, body
    return digest, len(manifest)


def _put_index(base: str, repo: str) -> str:
    entries = []
    for arch in ("arm64", "amd64"):
        digest, size = _put_image(base, repo, arch)
        entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": digest, "size": size,
                        "platform": {"architecture": arch, "os": "linux"}})
    index = json.dumps({"schemaVersion": 2,
                        "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": entries}).encode()
    status, _, body = http_call("PUT", f"{base}/v2/{repo}/manifests/multi", index,
                                {"Content-Type": "application/vnd.oci.image.index.v1+json"})
    assert status == 201, body
    return "sha256:" + hashlib.sha256(index).hexdigest()


def test_index_resolves_to_the_host_platform(own_daemon, registry, tmp_path):
    index_digest = _put_index(f"http://{registry.host}", "multi")
    ref = f"{registry.host}/multi:multi"
    r = own_daemon.cli("pull", ref)
    assert r.returncode == 0, r.stderr
    assert f"Digest: {index_digest}" in r.stdout
    image = _inspect(own_daemon, ref)
    assert image["Architecture"] == "amd64"
    assert image["RepoDigests"] == [f"{registry.host}/multi@{index_digest}"]
    saved = own_daemon.cli("save", "-o", str(tmp_path / "amd64.tar"), ref)
    assert saved.returncode == 0, saved.stderr

    r = own_daemon.cli("pull", "--platform", "linux/arm64", ref)
    assert r.returncode == 0, r.stderr
    assert _inspect(own_daemon, ref)["Architecture"] == "arm64"
    r = own_daemon.cli("pull", "--platform", "linux/s390x", ref)
    assert r.returncode == 1 and "no matching manifest for linux/s390x" in r.stderr


# -- auth ------------------------------------------------------------------------------


def test_basic_auth_with_login(daemon, tmp_path):
    pw = tmp_path / "htpasswd"
    htpasswd(pw, "alice", "s3cret")
    reg = start_registry(tmp_path / "authreg", pw)
    env_dir = tmp_path / "dockercfg"
    try:
        host = reg.host
        assert daemon.cli("tag", "busybox", f"{host}/private").returncode == 0
        r = _cli(daemon, env_dir, "push", f"{host}/private")
        assert r.returncode == 1 and "unauthorized" in r.stderr.lower(), r.stderr
        r = _cli(daemon, env_dir, "login", "-u", "alice", "-p", "wrong", host)
        assert r.returncode == 1 and "401 Unauthorized" in r.stderr, r.stderr
        assert not (env_dir / "config.json").exists()
        r = _cli(daemon, env_dir, "login", "-u", "alice", "--password-stdin", host,
                 input=b"s3cret\n")
        assert r.returncode == 0 and r.stdout == "Login Succeeded\n", r.stderr
        config = json.loads((env_dir / "config.json").read_text())
        assert config["auths"][host]["auth"] == "YWxpY2U6czNjcmV0"
        r = _cli(daemon, env_dir, "push", f"{host}/private")
        assert r.returncode == 0, r.stderr
        r = _cli(daemon, env_dir, "login", host)  # the stored credentials, tried first
        assert r.returncode == 0, r.stderr
        assert r.stdout == "Authenticating with existing credentials...\nLogin Succeeded\n"
        r = _cli(daemon, env_dir, "logout", host)
        assert r.stdout == f"Removing login credentials for {host}\n"
        assert host not in json.loads((env_dir / "config.json").read_text())["auths"]
        r = _cli(daemon, env_dir, "pull", f"{host}/private")
        assert r.returncode == 1 and "unauthorized" in r.stderr.lower(), r.stderr
    finally:
        reg.stop()


def _cli(d, config_dir: Path, *args: str, input: bytes | None = None):
    env = {**d.env, "DOCKER_CONFIG": str(config_dir)}
    r = subprocess.run([sys.executable, "-m", "berth.cli.main", *args], env=env,
                       capture_output=True, input=input, timeout=120)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(),
                                       r.stderr.decode())


def test_distribution_token_auth(daemon, own_daemon, tmp_path):
    """distribution's own ``auth.token``: it checks the JWTs a token server signs."""
    tokens = TokenServer(tmp_path / "pki", "carol", "t0ken")
    reg = start_registry(tmp_path / "tokreg", token=tokens)
    cfg = tmp_path / "cfg"
    try:
        ref = f"{reg.host}/team/app"
        assert daemon.cli("tag", "busybox", ref).returncode == 0
        r = _cli(daemon, cfg, "push", ref)
        assert r.returncode == 1 and "unauthorized" in r.stderr.lower(), r.stderr
        r = _cli(daemon, cfg, "login", "-u", "carol", "-p", "nope", reg.host)
        assert r.returncode == 1 and "unauthorized" in r.stderr.lower(), r.stderr
        r = _cli(daemon, cfg, "login", "-u", "carol", "-p", "t0ken", reg.host)
        assert r.returncode == 0, r.stderr
        r = _cli(daemon, cfg, "push", ref)
        assert r.returncode == 0, r.stderr
        _forget_busybox(own_daemon)
        r = _cli(own_daemon, cfg, "pull", ref)
        assert r.returncode == 0, r.stderr
        assert any("scope=repository%3Ateam%2Fapp%3Apull%2Cpush" in p for p in tokens.requests)
        assert any(p.endswith("scope=repository%3Ateam%2Fapp%3Apull&account=carol")
                   for p in tokens.requests), tokens.requests
    finally:
        reg.stop()
        tokens.stop()


def test_bearer_token_flow(daemon, own_daemon, registry, tmp_path):
    """docker's token flow against a test token server in a proxy before distribution
    (distribution's own ``auth.token`` wants a signing certificate: the proxy is the peer)."""
    proxy = FaultProxy(registry.host)
    try:
        proxy.faults.bearer = True
        cfg = tmp_path / "cfg"
        assert daemon.cli("tag", "busybox", f"{proxy.host}/tok").returncode == 0
        r = _cli(daemon, cfg, "login", "-u", "tok", "-p", "bad", proxy.host)
        assert r.returncode == 1
        r = _cli(daemon, cfg, "login", "-u", "tok", "-p", "tokpass", proxy.host)
        assert r.returncode == 0, r.stderr
        r = _cli(daemon, cfg, "push", f"{proxy.host}/tok")
        assert r.returncode == 0, r.stderr
        _forget_busybox(own_daemon)
        r = _cli(own_daemon, cfg, "pull", f"{proxy.host}/tok")
        assert r.returncode == 0, r.stderr
        assert any(s.startswith("GET /token?") and "scope=repository%3Atok%3Apull" in s
                   for s in proxy.faults.seen), proxy.faults.seen
    finally:
        proxy.stop()


# -- faults ------------------------------------------------------------------------------


def _layer_digest(registry: Registry, repo: str) -> str:
    _, _, body = http_call("GET", f"http://{registry.host}/v2/{repo}/manifests/latest",
                           headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    return json.loads(body)["layers"][0]["digest"]


def test_faults(daemon, own_daemon, registry):
    _push_busybox(daemon, registry.host, "faulty")
    layer = _layer_digest(registry, "faulty")
    _forget_busybox(own_daemon)
    proxy = FaultProxy(registry.host)
    ref = f"{proxy.host}/faulty"
    try:
        before = _images(own_daemon)
        proxy.faults.corrupt_blob = layer
        r = own_daemon.cli("pull", ref)
        assert r.returncode == 1
        assert f"filesystem layer verification failed for digest {layer}" in r.stderr, r.stderr
        assert _images(own_daemon) == before
        assert own_daemon.cli("image", "inspect", ref).returncode == 1
        proxy.faults.corrupt_blob = ""

        proxy.faults.errors_500 = 2
        proxy.faults.cut_blob = layer
        r = own_daemon.cli("pull", ref)
        assert r.returncode == 0, r.stderr
        assert sum(1 for s in proxy.faults.seen if s == f"GET /v2/faulty/blobs/{layer}") == 3
        assert _inspect(own_daemon, ref)["Id"] == _inspect(daemon, "busybox")["Id"]
        run = own_daemon.cli("run", "--rm", ref, "echo", "whole")
        assert run.stdout == "whole\n", run.stderr
    finally:
        proxy.stop()


def test_manifest_naming_a_missing_blob(own_daemon, registry):
    """distribution refuses such a manifest: a proxy serves it, the registry lacks the blob."""
    base = f"http://{registry.host}"
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]}})
    config_digest = _put_blob(base, "broken", config.encode())
    missing = "sha256:" + "2" * 64
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": missing, "size": 10}]}).encode()
    before = _images(own_daemon)
    proxy = FaultProxy(registry.host)
    try:
        proxy.faults.fixed_manifest = manifest
        r = own_daemon.cli("pull", f"{proxy.host}/broken")
    finally:
        proxy.stop()
    assert r.returncode == 1
    assert f"blob {missing} not found" in r.stderr, r.stderr
    assert _images(own_daemon) == before


# -- HTTPS with a CA from certs.d ---------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def test_https_with_a_certs_d_ca(tmp_path):
    """Loopback registries are plain HTTP by docker's rule, so the endpoint is made by
    hand here: distribution serves TLS with a certificate of a test CA, trusted only
    when ``<certs.d>/<host:port>/ca.crt`` holds it."""
    from berth.errors import Unavailable
    from berth.registry.client.auth import Authorizer
    from berth.registry.client.endpoint import Endpoint, resolve
    from berth.registry.client.login import check_login
    from berth.registry.client.repository import Repository

    pki = tmp_path / "pki"
    pki.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.crt", "-days", "1", "-subj", "/CN=berth test CA", cwd=pki)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
             "-subj", "/CN=127.0.0.1", cwd=pki)
    (pki / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "srv.crt", "-days", "1", "-extfile", "ext", cwd=pki)
    reg = start_registry(tmp_path / "tlsreg", tls=(pki / "srv.crt", pki / "srv.key"))
    try:
        certs = tmp_path / "certs.d"
        (certs / reg.host).mkdir(parents=True)
        (certs / reg.host / "ca.crt").write_bytes((pki / "ca.crt").read_bytes())
        cas = resolve(f"reg.test:{reg.port}", certs).ca_files  # the lookup by host:port
        assert cas == ()
        trusted = Endpoint(reg.host, reg.host, secure=True,
                           ca_files=tuple(sorted((certs / reg.host).glob("*.crt"))))
        check_login(Authorizer(trusted))
        repo = Repository(trusted, "tls/none", Authorizer(trusted))
        assert repo.blob_size("sha256:" + "3" * 64) is None
        untrusted = Endpoint(reg.host, reg.host, secure=True)
        with pytest.raises(Unavailable, match="certificate"):
            check_login(Authorizer(untrusted))
    finally:
        reg.stop()


def _put_layered(base: str, repo: str, contents: list[bytes]) -> list[str]:
    """An image of one gzip layer per content, tagged latest; its layer digests."""
    layers, diff_ids = [], []
    for i, content in enumerate(contents):
        tar = _layer(content + str(i).encode())
        blob = gzip.compress(tar)
        layers.append({"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                       "digest": _put_blob(base, repo, blob), "size": len(blob)})
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "digest": _put_blob(base, repo, config), "size": len(config)},
        "layers": layers}).encode()
    status, _, body = http_call(
        "PUT", f"{base}/v2/{repo}/manifests/latest", manifest,
        {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
    assert status == 201, body
    return [x["digest"] for x in layers]


def test_many_layers_one_corrupt(own_daemon, registry):
    """Docker schema2, five gzip layers fetched 3 at a time and unpacked as they come:
    one bad blob fails the pull (the others stop), nothing is stored; then it pulls."""
    digests = _put_layered(f"http://{registry.host}", "layered",
                           [bytes(200_000 + i) for i in range(5)])
    before = _images(own_daemon)
    proxy = FaultProxy(registry.host)
    try:
        proxy.faults.corrupt_blob = digests[3]
        r = own_daemon.cli("pull", f"{proxy.host}/layered")
        assert r.returncode == 1
        assert f"filesystem layer verification failed for digest {digests[3]}" in r.stderr
        assert _images(own_daemon) == before
        proxy.faults.corrupt_blob = ""
        r = own_daemon.cli("pull", f"{proxy.host}/layered")
        assert r.returncode == 0, r.stderr
        assert r.stdout.count(": Pull complete") + r.stdout.count(": Already exists") == 5
        assert len(_inspect(own_daemon, f"{proxy.host}/layered")["RootFS"]["Layers"]) == 5
    finally:
        proxy.stop()
