"""Pushing blobs and images to a registry under test, by the spec's requests."""

import hashlib
import json
from typing import Any

from conftest import Registry

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
