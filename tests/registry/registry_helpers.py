"""A ``berth registry serve`` run the way a user runs it (``berth registry serve``,
which execs ``python -m berth.registry.server``; it prints its address once
listening), a small HTTP helper, and pushes by the spec's requests."""

import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BERTH = [sys.executable, "-m", "berth.cli.main"]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> str:
        return str(self.json()["errors"][0]["code"])


@dataclass
class Registry:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    scheme: str = "http"
    auth: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        if self.scheme == "https":
            import ssl

            ctx = ssl._create_unverified_context()
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=60, context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if self.auth and "Authorization" not in h:
            h["Authorization"] = self.auth
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")


def start_registry(root: Path, *extra: str, scheme: str = "http") -> Registry:
    proc = subprocess.Popen([*BERTH, "registry", "serve", "--addr", "127.0.0.1:0",
                             "--root", str(root), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("berth registry: serving"):
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        raise RuntimeError(f"registry did not start: {line!r} {proc.stderr.read()!r}")
    return Registry(root, int(line.rsplit(":", 1)[1]), proc, scheme)


def env_without_proxy() -> dict[str, str]:
    env = dict(os.environ)
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(k, None)
    return env


OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_blob(reg: Registry, name: str, data: bytes) -> str:
    d = sha(data)
    r = reg.request("POST", f"/v2/{name}/blobs/uploads/?digest={d}", data,
                    {"Content-Type": "application/octet-stream"})
    assert r.status == 201, r.body
    return d


def desc(media_type: str, data: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": sha(data), "size": len(data)}


def image_manifest(reg: Registry, name: str, seed: str = "x",
                   media_type: str = OCI_MANIFEST) -> bytes:
    """Push a config and a layer; the manifest naming them (not pushed)."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "seed": seed}).encode()
    layer = f"layer of {seed}".encode() * 10
    push_blob(reg, name, config)
    push_blob(reg, name, layer)
    manifest = {"schemaVersion": 2, "mediaType": media_type,
                "config": desc(OCI_CONFIG, config), "layers": [desc(OCI_LAYER, layer)]}
    return json.dumps(manifest).encode()


def put_manifest(reg: Registry, name: str, ref: str, data: bytes,
                 media_type: str = OCI_MANIFEST) -> Any:
    return reg.request("PUT", f"/v2/{name}/manifests/{ref}", data,
                       {"Content-Type": media_type})
