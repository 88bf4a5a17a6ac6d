"""berth's registry under load: 50 concurrent uploads of different blobs (chunked,
on 50 threads), then 50 concurrent pulls of one blob, every byte checked."""

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

from registry_helpers import Registry, push_blob, sha

CLIENTS = 50


def _upload(registry: Registry, i: int) -> str:
    data = os.urandom(256 * 1024) + i.to_bytes(4, "big")
    name = f"load/r{i % 5}"
    r = registry.request("POST", f"/v2/{name}/blobs/uploads/")
    assert r.status == 202, r.body
    location = r.headers["location"]
    half = len(data) // 2
    r = registry.request("PATCH", location, data[:half], {"Content-Range": f"0-{half - 1}"})
    assert r.status == 202, r.body
    r = registry.request("PATCH", location, data[half:],
                         {"Content-Range": f"{half}-{len(data) - 1}"})
    assert r.status == 202, r.body
    r = registry.request("PUT", f"{location}?digest={sha(data)}")
    assert r.status == 201, r.body
    r = registry.request("GET", f"/v2/{name}/blobs/{sha(data)}")
    assert r.status == 200 and r.body == data
    return sha(data)


def test_concurrent_uploads(registry: Registry) -> None:
    with ThreadPoolExecutor(CLIENTS) as pool:
        digests = list(pool.map(lambda i: _upload(registry, i), range(CLIENTS)))
    assert len(set(digests)) == CLIENTS
    stored = {"sha256:" + p.name for p in (registry.root / "blobs" / "sha256").iterdir()}
    assert stored == set(digests)
    assert list((registry.root / "ingest").iterdir()) == []


def test_concurrent_pulls_of_one_blob(registry: Registry) -> None:
    data = os.urandom(4 << 20)
    digest = push_blob(registry, "load/one", data)

    def pull(_: int) -> str:
        r = registry.request("GET", f"/v2/load/one/blobs/{digest}")
        assert r.status == 200 and r.headers["docker-content-digest"] == digest
        return "sha256:" + hashlib.sha256(r.body).hexdigest()

    with ThreadPoolExecutor(CLIENTS) as pool:
        assert set(pool.map(pull, range(CLIENTS))) == {digest}
