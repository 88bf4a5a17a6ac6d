"""``GET /v2/_catalog`` after deletions, berth's registry beside Debian's docker-registry
(CNCF distribution 2.8), the same requests sent to both.

distribution 2.8 lists a repository once it has a ``_layers`` directory, that is
once a blob was pushed or mounted into it, and never forgets it: deleting its
every manifest (or blob) leaves it listed, with an empty tag list. A repository
where an upload was only started is not listed. berth's registry keeps the same
rule (a repository row made by a blob link or a manifest, kept after deletes);
this test holds the two together."""

import hashlib
import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distribution import start_registry
from registry_helpers import Registry as BerthRegistry

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Speaker:
    """Spec requests to one registry on loopback (plain HTTP, no auth)."""

    def __init__(self, host: str) -> None:
        self.host = host

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def start_upload(self, repo: str) -> str:
        status, headers, body = self.call("POST", f"/v2/{repo}/blobs/uploads/")
        assert status == 202, body
        location = headers["location"]
        return location.split("://", 1)[1].partition("/")[2] if "://" in location \
            else location.lstrip("/")

    def blob(self, repo: str, data: bytes) -> str:
        """POST then PUT (distribution 2.8 has no one-request monolithic upload)."""
        location = self.start_upload(repo)
        sep = "&" if "?" in location else "?"
        status, _, body = self.call("PUT", f"/{location}{sep}digest={_sha(data)}", data,
                                    {"Content-Type": "application/octet-stream"})
        assert status == 201, body
        return _sha(data)

    def image(self, repo: str, tag: str) -> tuple[str, str]:
        """Push a config, a layer and a manifest under ``tag``: (manifest, layer) digests."""
        config = json.dumps({"architecture": "amd64", "os": "linux", "repo": repo}).encode()
        layer = f"the layer of {repo}".encode() * 20
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": self.blob(repo, config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": self.blob(repo, layer), "size": len(layer)}],
        }).encode()
        status, _, body = self.call("PUT", f"/v2/{repo}/manifests/{tag}", manifest,
                                    {"Content-Type": OCI_MANIFEST})
        assert status == 201, body
        return _sha(manifest), _sha(layer)

    def json(self, path: str) -> tuple[int, Any]:
        status, _, body = self.call("GET", path)
        return status, json.loads(body)


def _scenario(reg: Speaker) -> dict[str, Any]:
    """The same history on either registry; what it then says of it."""
    reg.blob("blobonly", b"a blob and nothing else")
    reg.start_upload("startedonly")
    gone, _ = reg.image("gone", "v1")
    status, _, body = reg.call("DELETE", f"/v2/gone/manifests/{gone}")
    assert status == 202, body
    _, kept_layer = reg.image("kept", "v1")
    status, _, body = reg.call("POST",
                               f"/v2/mounted/blobs/uploads/?mount={kept_layer}&from=kept")
    assert status == 201, body
    emptied, emptied_layer = reg.image("emptied", "v1")  # its manifest and its blob deleted
    for what, digest in (("manifests", emptied), ("blobs", emptied_layer)):
        status, _, body = reg.call("DELETE", f"/v2/emptied/{what}/{digest}")
        assert status == 202, (what, body)
    out: dict[str, Any] = {"catalog": reg.json("/v2/_catalog")}
    for repo in ("gone", "emptied", "kept", "startedonly"):
        status, listed = reg.json(f"/v2/{repo}/tags/list")
        if status == 200:
            out[repo] = (status, listed["tags"] or [])  # distribution says null, berth []
        else:
            out[repo] = (status, listed["errors"][0]["code"])
    return out


@pytest.fixture
def distribution_host(tmp: Path) -> Iterator[str]:
    reg = start_registry(tmp / "distribution")
    try:
        yield reg.host
    finally:
        reg.stop()


def test_catalog_after_deletes_matches_distribution(registry: BerthRegistry,
                                                     distribution_host: str) -> None:
    theirs = _scenario(Speaker(distribution_host))
    ours = _scenario(Speaker(registry.host))
    expected = {
        "catalog": (200, {"repositories": ["blobonly", "emptied", "gone", "kept", "mounted"]}),
        "gone": (200, []),  # listed, its tag list empty
        "emptied": (200, []),
        "kept": (200, ["v1"]),
        "startedonly": (404, "NAME_UNKNOWN"),
    }
    assert theirs == expected
    assert ours == expected
