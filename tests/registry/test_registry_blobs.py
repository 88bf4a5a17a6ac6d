"""Spec conformance of berth's registry: the base endpoint, blobs and uploads."""

from collections.abc import Callable

from registry_helpers import Registry, push_blob, sha


def test_base_endpoint_and_api_version_header(registry: Registry) -> None:
    r = registry.request("GET", "/v2/")
    assert r.status == 200
    assert r.headers["docker-distribution-api-version"] == "registry/2.0"
    r = registry.request("GET", "/v2/nothing/here")
    assert r.status == 404 and r.headers["docker-distribution-api-version"] == "registry/2.0"
    assert r.json()["errors"][0]["code"]


def test_method_not_allowed_is_unsupported(registry: Registry) -> None:
    r = registry.request("PUT", f"/v2/a/blobs/{sha(b'x')}", b"x")
    assert r.status == 405 and r.error == "UNSUPPORTED"


def test_bad_names_are_name_invalid(registry: Registry) -> None:
    for name in ("Upper/case", "a//b", "-a", "a" * 256, "a/b_"):
        r = registry.request("GET", f"/v2/{name}/tags/list")
        assert r.status == 400 and r.error == "NAME_INVALID", name
    r = registry.request("POST", "/v2/BAD/blobs/uploads/")
    assert r.status == 400 and r.error == "NAME_INVALID"


def test_monolithic_upload_then_get_head(registry: Registry) -> None:
    data = b"hello registry\n" * 100
    d = sha(data)
    r = registry.request("POST", f"/v2/a/b/blobs/uploads/?digest={d}", data)
    assert r.status == 201
    assert r.headers["location"] == f"/v2/a/b/blobs/{d}"
    assert r.headers["docker-content-digest"] == d
    r = registry.request("GET", f"/v2/a/b/blobs/{d}")
    assert r.status == 200 and r.body == data
    assert r.headers["docker-content-digest"] == d
    r = registry.request("HEAD", f"/v2/a/b/blobs/{d}")
    assert r.status == 200 and r.body == b""
    assert r.headers["content-length"] == str(len(data))
    assert r.headers["docker-content-digest"] == d


def test_monolithic_upload_with_wrong_or_bad_digest(registry: Registry) -> None:
    wrong = sha(b"other")
    r = registry.request("POST", f"/v2/a/blobs/uploads/?digest={wrong}", b"data")
    assert r.status == 400 and r.error == "DIGEST_INVALID"
    assert registry.request("HEAD", f"/v2/a/blobs/{wrong}").status == 404
    assert registry.request("HEAD", f"/v2/a/blobs/{sha(b'data')}").status == 404
    for bad in ("sha256:1234", "md5:abc", "nope"):
        r = registry.request("POST", f"/v2/a/blobs/uploads/?digest={bad}", b"data")
        assert r.status == 400 and r.error == "DIGEST_INVALID", bad
    r = registry.request("GET", "/v2/a/blobs/sha256:zz")
    assert r.status == 400 and r.error == "DIGEST_INVALID"


def test_unknown_blob_and_repository_scope(registry: Registry) -> None:
    d = push_blob(registry, "one", b"scoped")
    r = registry.request("GET", f"/v2/two/blobs/{d}")
    assert r.status == 404 and r.error == "BLOB_UNKNOWN"
    assert registry.request("HEAD", f"/v2/two/blobs/{d}").status == 404
    r = registry.request("GET", f"/v2/one/blobs/{sha(b'never')}")
    assert r.status == 404 and r.error == "BLOB_UNKNOWN"


def test_range_requests(registry: Registry) -> None:
    data = bytes(range(256)) * 4
    d = push_blob(registry, "r", data)
    r = registry.request("GET", f"/v2/r/blobs/{d}", headers={"Range": "bytes=10-19"})
    assert r.status == 206 and r.body == data[10:20]
    assert r.headers["content-range"] == f"bytes 10-19/{len(data)}"
    r = registry.request("GET", f"/v2/r/blobs/{d}", headers={"Range": "bytes=1000-"})
    assert r.status == 206 and r.body == data[1000:]
    r = registry.request("GET", f"/v2/r/blobs/{d}", headers={"Range": "bytes=-5"})
    assert r.status == 206 and r.body == data[-5:]
    for bad in ("bytes=5000-", "bytes=9-3", "bytes=-0", "lines=1-2", "bytes=0-1,4-5"):
        r = registry.request("GET", f"/v2/r/blobs/{d}", headers={"Range": bad})
        assert r.status == 416 and r.error == "RANGE_INVALID", bad
        assert r.headers["content-range"] == f"bytes */{len(data)}"


def test_chunked_upload(registry: Registry) -> None:
    data = b"0123456789" * 1000
    r = registry.request("POST", "/v2/c/blobs/uploads/")
    assert r.status == 202
    location, uuid = r.headers["location"], r.headers["docker-upload-uuid"]
    assert location == f"/v2/c/blobs/uploads/{uuid}" and r.headers["range"] == "0-0"
    r = registry.request("PATCH", location, data[:4000], {
        "Content-Range": "0-3999", "Content-Type": "application/octet-stream"})
    assert r.status == 202 and r.headers["range"] == "0-3999"
    assert r.headers["docker-upload-uuid"] == uuid
    r = registry.request("GET", location)
    assert r.status == 204 and r.headers["range"] == "0-3999"
    # out of order: the chunk must start where the last one stopped
    r = registry.request("PATCH", location, data[:4000], {"Content-Range": "0-3999"})
    assert r.status == 416 and r.error == "RANGE_INVALID"
    assert r.headers["range"] == "0-3999"
    # the range says 10 bytes, the body has 5
    r = registry.request("PATCH", location, b"12345", {"Content-Range": "4000-4009"})
    assert r.status == 400 and r.error == "SIZE_INVALID"
    r = registry.request("PATCH", location, data[4000:9000])  # streamed, no Content-Range
    assert r.status == 202 and r.headers["range"] == "0-8999"
    r = registry.request("PUT", f"{location}?digest={sha(data)}", data[9000:])
    assert r.status == 201
    assert r.headers["location"] == f"/v2/c/blobs/{sha(data)}"
    assert registry.request("GET", f"/v2/c/blobs/{sha(data)}").body == data
    r = registry.request("GET", location)
    assert r.status == 404 and r.error == "BLOB_UPLOAD_UNKNOWN"


def test_finish_with_wrong_or_missing_digest(registry: Registry) -> None:
    location = registry.request("POST", "/v2/c/blobs/uploads/").headers["location"]
    assert registry.request("PATCH", location, b"some bytes").status == 202
    r = registry.request("PUT", location)
    assert r.status == 400 and r.error == "DIGEST_INVALID"
    r = registry.request("PUT", f"{location}?digest={sha(b'other bytes')}")
    assert r.status == 400 and r.error == "DIGEST_INVALID"
    assert registry.request("HEAD", f"/v2/c/blobs/{sha(b'other bytes')}").status == 404
    assert registry.request("HEAD", f"/v2/c/blobs/{sha(b'some bytes')}").status == 404


def test_unknown_upload(registry: Registry) -> None:
    location = registry.request("POST", "/v2/mine/blobs/uploads/").headers["location"]
    uuid = location.rsplit("/", 1)[1]
    for method, path in (("GET", "/v2/c/blobs/uploads/nope"),
                         ("PATCH", "/v2/c/blobs/uploads/nope"),
                         ("PUT", f"/v2/c/blobs/uploads/nope?digest={sha(b'')}"),
                         ("DELETE", "/v2/c/blobs/uploads/nope"),
                         ("GET", f"/v2/theirs/blobs/uploads/{uuid}")):
        r = registry.request(method, path, b"")
        assert r.status == 404 and r.error == "BLOB_UPLOAD_UNKNOWN", (method, path)


def test_cancel_upload(registry: Registry) -> None:
    location = registry.request("POST", "/v2/c/blobs/uploads/").headers["location"]
    assert registry.request("PATCH", location, b"abc").status == 202
    assert registry.request("DELETE", location).status == 204
    r = registry.request("GET", location)
    assert r.status == 404 and r.error == "BLOB_UPLOAD_UNKNOWN"
    assert list((registry.root / "ingest").iterdir()) == []


def test_upload_resumes_after_a_restart(registry_factory: Callable[..., Registry]) -> None:
    data = b"resumable " * 5000
    reg = registry_factory()
    location = reg.request("POST", "/v2/c/blobs/uploads/").headers["location"]
    assert reg.request("PATCH", location, data[:20000]).status == 202
    reg.stop()
    reg = registry_factory()
    r = reg.request("GET", location)
    assert r.status == 204 and r.headers["range"] == "0-19999"
    r = reg.request("PATCH", location, data[20000:], {
        "Content-Range": f"20000-{len(data) - 1}"})
    assert r.status == 202
    assert reg.request("PUT", f"{location}?digest={sha(data)}").status == 201
    assert reg.request("GET", f"/v2/c/blobs/{sha(data)}").body == data


def test_cross_repository_mount(registry: Registry) -> None:
    d = push_blob(registry, "src/repo", b"shared layer")
    r = registry.request("POST", f"/v2/dst/repo/blobs/uploads/?mount={d}&from=src/repo")
    assert r.status == 201
    assert r.headers["location"] == f"/v2/dst/repo/blobs/{d}"
    assert r.headers["docker-content-digest"] == d
    assert registry.request("GET", f"/v2/dst/repo/blobs/{d}").body == b"shared layer"
    # a blob the source does not have: an upload session instead
    missing = sha(b"missing")
    r = registry.request("POST", f"/v2/dst/repo/blobs/uploads/?mount={missing}&from=src/repo")
    assert r.status == 202 and r.headers["docker-upload-uuid"]
    r = registry.request("POST", f"/v2/x/blobs/uploads/?mount={d}&from=other")
    assert r.status == 202
    # stored once, whatever the number of repositories
    assert len(list((registry.root / "blobs" / "sha256").iterdir())) == 1


def test_delete_blob(registry: Registry) -> None:
    d = push_blob(registry, "a", b"to delete")
    push_blob(registry, "b", b"to delete")
    r = registry.request("DELETE", f"/v2/a/blobs/{d}")
    assert r.status == 202
    assert registry.request("GET", f"/v2/a/blobs/{d}").status == 404
    assert registry.request("GET", f"/v2/b/blobs/{d}").body == b"to delete"
    r = registry.request("DELETE", f"/v2/a/blobs/{d}")
    assert r.status == 404 and r.error == "BLOB_UNKNOWN"


def test_broken_chunk_keeps_what_came(registry: Registry) -> None:
    import socket
    import time

    data = b"interrupted " * 10000
    location = registry.request("POST", "/v2/c/blobs/uploads/").headers["location"]
    with socket.create_connection(("127.0.0.1", registry.port)) as s:
        s.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n"
                  "Content-Type: application/octet-stream\r\n\r\n".encode() + data[:50000])
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while registry.request("GET", location).headers["range"] != "0-49999":
        assert time.monotonic() < deadline, registry.request("GET", location).headers
        time.sleep(0.05)
    r = registry.request("PATCH", location, data[50000:],
                         {"Content-Range": f"50000-{len(data) - 1}"})
    assert r.status == 202, r.body
    assert registry.request("PUT", f"{location}?digest={sha(data)}").status == 201
    assert registry.request("GET", f"/v2/c/blobs/{sha(data)}").body == data
