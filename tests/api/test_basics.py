"""The Engine API's shapes, headers, version rules and error bodies."""

import json


def test_ping_get_and_head(api):
    status, headers, body = api("GET", "/_ping")
    assert status == 200 and body == b"OK"
    assert headers["api-version"] == "1.44"
    assert headers["ostype"] == "linux"
    assert headers["docker-experimental"] == "false"
    assert headers["server"].startswith("Docker/")
    status, headers, body = api("HEAD", "/_ping")
    assert status == 200 and body == b""
    assert headers["api-version"] == "1.44"


def test_versioned_paths_and_bounds(api):
    assert api("GET", "/v1.44/version")[0] == 200
    assert api("GET", "/v1.24/_ping")[0] == 200
    status, _, body = api("GET", "/v1.99/version")
    assert status == 400
    assert json.loads(body)["message"] == (
        "client version 1.99 is too new. Maximum supported API version is 1.44")
    status, _, body = api("GET", "/v1.12/version")
    assert status == 400
    assert "is too old. Minimum supported API version is 1.24" in json.loads(body)["message"]


def test_version_and_info_fields(api):
    status, _, body = api("GET", "/version")
    v = json.loads(body)
    assert status == 200
    assert v["ApiVersion"] == "1.44" and v["MinAPIVersion"] == "1.24"
    for key in ("Version", "Os", "Arch", "KernelVersion", "GoVersion", "GitCommit", "BuildTime",
                "Components", "Platform"):
        assert key in v
    status, _, body = api("GET", "/info")
    info = json.loads(body)
    assert status == 200
    assert info["OSType"] == "linux" and info["NCPU"] >= 1 and info["Images"] >= 1


def test_unknown_path_is_docker_404(api):
    status, headers, body = api("GET", "/v1.44/nothing/here")
    assert status == 404
    assert json.loads(body) == {"message": "page not found"}
    assert headers["api-version"] == "1.44" and headers["server"].startswith("Docker/")
    # dockerd answers a known path with a method it does not serve the same way.
    for method, path in (("DELETE", "/_ping"), ("POST", "/version"),
                         ("PUT", "/v1.41/containers/json")):
        status, _, body = api(method, path)
        assert (status, json.loads(body)) == (404, {"message": "page not found"}), path
    status, _, body = api("GET", "/v1.99/nothing/here")
    assert status == 400 and "client version 1.99 is too new" in json.loads(body)["message"]


def test_create_for_missing_image_says_no_such_image(api):
    status, _, body = api("POST", "/containers/create", {"Image": "nosuchimage:1"})
    assert status == 404
    assert "No such image" in json.loads(body)["message"]


def test_bad_json_and_missing_image_field(api):
    status, _, body = api("POST", "/containers/create", raw=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert status == 400 and "message" in json.loads(body)
    status, _, body = api("POST", "/containers/create", {"Cmd": ["true"]})
    assert status == 400
    assert json.loads(body)["message"] == "config cannot be empty in order to create a container"


def test_unknown_container_404(api):
    for method, path in (("GET", "/containers/deadbeef0000/json"),
                         ("POST", "/containers/deadbeef0000/start"),
                         ("DELETE", "/containers/deadbeef0000")):
        status, _, body = api(method, path)
        assert status == 404, path
        assert json.loads(body)["message"] == "No such container: deadbeef0000"


def test_invalid_container_name(api):
    status, _, body = api("POST", "/containers/create?name=bad%20name", {"Image": "busybox"})
    assert status == 400
    assert "Invalid container name" in json.loads(body)["message"]


def test_create_start_wait_logs_delete(api):
    cmd = ["sh", "-c", "echo out; echo err >&2; exit 5"]
    status, _, body = api("POST", "/containers/create", {"Image": "busybox", "Cmd": cmd})
    assert status == 201
    cid = json.loads(body)["Id"]
    assert api("POST", f"/containers/{cid}/start")[0] == 204
    status, _, body = api("POST", f"/containers/{cid}/wait")
    assert status == 200 and json.loads(body)["StatusCode"] == 5
    status, headers, body = api("GET", f"/containers/{cid}/logs?stdout=1&stderr=1")
    assert status == 200
    assert headers["content-type"] == "application/vnd.docker.multiplexed-stream"
    frames = []
    while body:
        stream, size = body[0], int.from_bytes(body[4:8], "big")
        frames.append((stream, body[8:8 + size]))
        body = body[8 + size:]
    assert (1, b"out\n") in frames and (2, b"err\n") in frames
    status, _, body = api("GET", f"/containers/{cid}/json")
    state = json.loads(body)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 5 and not state["Running"]
    assert api("DELETE", f"/containers/{cid}")[0] == 204
    assert api("GET", f"/containers/{cid}/json")[0] == 404


def test_remove_running_needs_force(api):
    body = {"Image": "busybox", "Cmd": ["sleep", "60"]}
    status, _, body = api("POST", "/containers/create", body)
    cid = json.loads(body)["Id"]
    assert api("POST", f"/containers/{cid}/start")[0] == 204
    assert api("POST", f"/containers/{cid}/start")[0] == 304
    status, _, body = api("DELETE", f"/containers/{cid}")
    assert status == 409
    assert "You cannot remove a running container" in json.loads(body)["message"]
    assert api("DELETE", f"/containers/{cid}?force=True")[0] == 204


def test_every_kind_of_answer_has_dockers_headers(api):
    """Plain answers get them from the handlers' wrapper, streams when they are made."""
    for method, path in (("GET", "/version"), ("GET", "/v1.41/images/json"),
                         ("GET", "/events?since=0&until=1"),  # a stream
                         ("GET", "/containers/nosuch/json"), ("GET", "/no/such/path")):
        status, headers, _ = api(method, path)
        assert headers.get("api-version") == "1.44", (path, status, headers)
        assert headers["server"].startswith("Docker/"), path
        assert headers["ostype"] == "linux", path
