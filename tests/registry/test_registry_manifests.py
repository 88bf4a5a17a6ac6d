"""Spec conformance of berth's registry: manifests, tags, the catalog, referrers."""

import json
from urllib.parse import parse_qs, urlparse

from registry_helpers import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    Registry,
    desc,
    image_manifest,
    push_blob,
    put_manifest,
    sha,
)


def test_put_and_get_manifest(registry: Registry) -> None:
    data = image_manifest(registry, "app")
    r = put_manifest(registry, "app", "v1", data)
    assert r.status == 201
    assert r.headers["location"] == f"/v2/app/manifests/{sha(data)}"
    assert r.headers["docker-content-digest"] == sha(data)
    for ref in ("v1", sha(data)):
        r = registry.request("GET", f"/v2/app/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert r.status == 200 and r.body == data
        assert r.headers["content-type"] == OCI_MANIFEST
        assert r.headers["docker-content-digest"] == sha(data)
        r = registry.request("HEAD", f"/v2/app/manifests/{ref}")
        assert r.status == 200 and r.body == b""
        assert r.headers["content-length"] == str(len(data))
        assert r.headers["docker-content-digest"] == sha(data)


def test_put_by_digest(registry: Registry) -> None:
    data = image_manifest(registry, "app")
    assert put_manifest(registry, "app", sha(data), data).status == 201
    r = put_manifest(registry, "app", sha(b"something else"), data)
    assert r.status == 400 and r.error == "DIGEST_INVALID"


def test_accept_negotiation(registry: Registry) -> None:
    oci = image_manifest(registry, "neg", "oci")
    docker = image_manifest(registry, "neg", "docker", DOCKER_MANIFEST)
    assert put_manifest(registry, "neg", "oci", oci).status == 201
    assert put_manifest(registry, "neg", "docker", docker, DOCKER_MANIFEST).status == 201
    r = registry.request("GET", "/v2/neg/manifests/docker",
                         headers={"Accept": f"{OCI_MANIFEST}, {DOCKER_MANIFEST}"})
    assert r.status == 200 and r.headers["content-type"] == DOCKER_MANIFEST
    r = registry.request("GET", "/v2/neg/manifests/oci", headers={"Accept": DOCKER_MANIFEST})
    assert r.status == 404 and r.error == "MANIFEST_UNKNOWN"
    r = registry.request("GET", "/v2/neg/manifests/oci", headers={"Accept": "*/*"})
    assert r.status == 200 and r.headers["content-type"] == OCI_MANIFEST
    r = registry.request("GET", f"/v2/neg/manifests/{sha(oci)}",
                         headers={"Accept": DOCKER_MANIFEST})  # by digest: as stored
    assert r.status == 200 and r.body == oci


def test_manifest_with_missing_blobs(registry: Registry) -> None:
    config = b'{"os":"linux"}'
    push_blob(registry, "m", config)
    layer = b"never pushed"
    data = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": desc(OCI_CONFIG, config),
                       "layers": [desc(OCI_LAYER, layer)]}).encode()
    r = put_manifest(registry, "m", "t", data)
    assert r.status == 400 and r.error == "MANIFEST_BLOB_UNKNOWN"
    assert r.json()["errors"][0]["detail"]["digest"] == sha(layer)
    push_blob(registry, "elsewhere", layer)  # in another repository: still unknown here
    assert put_manifest(registry, "m", "t", data).error == "MANIFEST_BLOB_UNKNOWN"
    assert registry.request("GET", "/v2/m/manifests/t").status == 404


def test_invalid_manifests(registry: Registry) -> None:
    good = json.loads(image_manifest(registry, "bad"))
    cases = [b"not json", b"[1, 2]", json.dumps({**good, "schemaVersion": 1}).encode(),
             json.dumps({**good, "config": {"digest": "nope", "size": 1}}).encode(),
             json.dumps({**good, "mediaType": "application/x-other"}).encode()]
    for data in cases:
        r = put_manifest(registry, "bad", "t", data)
        assert r.status == 400 and r.error == "MANIFEST_INVALID", data
    # the Content-Type and the mediaType inside disagree
    r = put_manifest(registry, "bad", "t", json.dumps(good).encode(), DOCKER_MANIFEST)
    assert r.status == 400 and r.error == "MANIFEST_INVALID"
    wrong_size = {**good, "layers": [{**good["layers"][0], "size": 1}]}
    r = put_manifest(registry, "bad", "t", json.dumps(wrong_size).encode())
    assert r.status == 400 and r.error == "SIZE_INVALID"
    r = put_manifest(registry, "bad", "-bad-tag", json.dumps(good).encode())
    assert r.status == 400 and r.error == "TAG_INVALID"


def test_index_needs_its_manifests(registry: Registry) -> None:
    for media_type, index_type in ((OCI_MANIFEST, OCI_INDEX), (DOCKER_MANIFEST, DOCKER_LIST)):
        child = image_manifest(registry, "multi", media_type, media_type)
        entry = {**desc(media_type, child), "platform": {"architecture": "amd64", "os": "linux"}}
        index = json.dumps({"schemaVersion": 2, "mediaType": index_type,
                            "manifests": [entry]}).encode()
        r = put_manifest(registry, "multi", "all", index, index_type)
        assert r.status == 400 and r.error == "MANIFEST_BLOB_UNKNOWN"
        assert put_manifest(registry, "multi", sha(child), child, media_type).status == 201
        assert put_manifest(registry, "multi", "all", index, index_type).status == 201
        r = registry.request("GET", "/v2/multi/manifests/all",
                             headers={"Accept": f"{OCI_INDEX},{DOCKER_LIST}"})
        assert r.body == index and r.headers["content-type"] == index_type


def test_unknown_and_deleted_manifests(registry: Registry) -> None:
    r = registry.request("GET", "/v2/nope/manifests/latest")
    assert r.status == 404 and r.error == "MANIFEST_UNKNOWN"
    r = registry.request("HEAD", f"/v2/nope/manifests/{sha(b'x')}")
    assert r.status == 404
    data = image_manifest(registry, "del")
    put_manifest(registry, "del", "a", data)
    put_manifest(registry, "del", "b", data)
    assert registry.request("DELETE", "/v2/del/manifests/a").status == 202
    assert registry.request("GET", "/v2/del/manifests/a").status == 404
    assert registry.request("GET", "/v2/del/manifests/b").status == 200
    assert registry.request("DELETE", f"/v2/del/manifests/{sha(data)}").status == 202
    assert registry.request("GET", "/v2/del/manifests/b").status == 404
    assert registry.request("GET", f"/v2/del/manifests/{sha(data)}").status == 404
    r = registry.request("DELETE", f"/v2/del/manifests/{sha(data)}")
    assert r.status == 404 and r.error == "MANIFEST_UNKNOWN"
    assert registry.request("GET", "/v2/del/tags/list").json()["tags"] == []


def _follow(registry: Registry, path: str, key: str) -> list[list[str]]:
    pages = []
    while True:
        r = registry.request("GET", path)
        assert r.status == 200, r.body
        pages.append(r.json()[key])
        link = r.headers.get("link")
        if link is None:
            return pages
        assert link.endswith('>; rel="next"')
        url = urlparse(link[1:link.index(">")])
        assert parse_qs(url.query)["last"] == [pages[-1][-1]]
        path = f"{url.path}?{url.query}"


def test_tags_list_and_pagination(registry: Registry) -> None:
    data = image_manifest(registry, "t/repo")
    names = ["v10", "v2", "latest", "a", "b-1"]
    for tag in names:
        assert put_manifest(registry, "t/repo", tag, data).status == 201
    r = registry.request("GET", "/v2/t/repo/tags/list")
    assert r.json() == {"name": "t/repo", "tags": sorted(names)}
    assert "link" not in r.headers
    assert _follow(registry, "/v2/t/repo/tags/list?n=2", "tags") == [
        ["a", "b-1"], ["latest", "v10"], ["v2"]]
    r = registry.request("GET", "/v2/t/repo/tags/list?n=10&last=b-1")
    assert r.json()["tags"] == ["latest", "v10", "v2"]
    assert registry.request("GET", "/v2/t/repo/tags/list?n=0").json()["tags"] == []
    r = registry.request("GET", "/v2/t/repo/tags/list?n=abc")
    assert r.status == 400 and r.error == "PAGINATION_NUMBER_INVALID"
    r = registry.request("GET", "/v2/unknown/tags/list")
    assert r.status == 404 and r.error == "NAME_UNKNOWN"


def test_catalog_and_pagination(registry: Registry) -> None:
    repos = ["zeta", "alpha/one", "alpha/two", "mid"]
    for name in repos:
        push_blob(registry, name, b"something")
    r = registry.request("GET", "/v2/_catalog")
    assert r.json() == {"repositories": sorted(repos)}
    assert _follow(registry, "/v2/_catalog?n=3", "repositories") == [
        ["alpha/one", "alpha/two", "mid"], ["zeta"]]


def test_referrers(registry: Registry) -> None:
    subject = image_manifest(registry, "ref")
    put_manifest(registry, "ref", "v1", subject)
    empty = b"{}"
    push_blob(registry, "ref", empty)
    refs = []
    for kind in ("application/vnd.example.sbom", "application/vnd.example.sig"):
        art = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": kind,
            "config": desc("application/vnd.oci.empty.v1+json", empty), "layers": [],
            "subject": desc(OCI_MANIFEST, subject),
            "annotations": {"org.example.kind": kind}}).encode()
        r = put_manifest(registry, "ref", sha(art), art)
        assert r.status == 201 and r.headers["oci-subject"] == sha(subject)
        refs.append(art)
    r = registry.request("GET", f"/v2/ref/referrers/{sha(subject)}")
    assert r.status == 200 and r.headers["content-type"] == OCI_INDEX
    index = r.json()
    assert index["schemaVersion"] == 2 and index["mediaType"] == OCI_INDEX
    assert sorted(m["digest"] for m in index["manifests"]) == sorted(sha(a) for a in refs)
    sbom = next(m for m in index["manifests"] if m["digest"] == sha(refs[0]))
    assert sbom == {"mediaType": OCI_MANIFEST, "digest": sha(refs[0]), "size": len(refs[0]),
                    "artifactType": "application/vnd.example.sbom",
                    "annotations": {"org.example.kind": "application/vnd.example.sbom"}}
    r = registry.request("GET", f"/v2/ref/referrers/{sha(subject)}"
                         "?artifactType=application/vnd.example.sig")
    assert [m["digest"] for m in r.json()["manifests"]] == [sha(refs[1])]
    assert r.headers["oci-filters-applied"] == "artifactType"
    r = registry.request("GET", f"/v2/ref/referrers/{sha(b'no such subject')}")
    assert r.status == 200 and r.json()["manifests"] == []
    r = registry.request("GET", "/v2/ref/referrers/sha256:bad")
    assert r.status == 400 and r.error == "DIGEST_INVALID"
