"""What dockerd 20.10 accepts and reports, as clients we did not write rely on it: a
json-file max-file without max-size, HostConfig.Runtime, and a load's failure carried in
its 200 stream."""

import json

import docker
import pytest
from docker.types import LogConfig


@pytest.fixture
def sdk(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    yield client
    client.close()


def test_max_file_without_max_size_is_kept(sdk):
    config = LogConfig(type="json-file", config={"max-file": "100"})
    ct = sdk.containers.create("busybox", ["echo", "kept"], log_config=config)
    try:
        assert ct.attrs["HostConfig"]["LogConfig"] == {"Type": "json-file",
                                                       "Config": {"max-file": "100"}}
        ct.start()
        assert ct.wait()["StatusCode"] == 0
        assert ct.logs() == b"kept\n"
    finally:
        ct.remove(force=True)


def test_log_options_without_a_type_keep_their_config(api):
    status, _, body = api("POST", "/containers/create", {
        "Image": "busybox", "HostConfig": {"LogConfig": {"Config": {"max-file": "2"}}}})
    assert status == 201, body
    cid = json.loads(body)["Id"]
    try:
        _, _, body = api("GET", f"/containers/{cid}/json")
        assert json.loads(body)["HostConfig"]["LogConfig"] == {
            "Type": "json-file", "Config": {"max-file": "2"}}
    finally:
        api("DELETE", f"/containers/{cid}?force=1")


@pytest.mark.parametrize(("value", "message"), [
    ("x", 'strconv.Atoi: parsing "x": invalid syntax'),
    ("0", "max-file cannot be less than 1")])
def test_a_wrong_max_file_is_refused(sdk, value, message):
    config = LogConfig(type="json-file", config={"max-file": value})
    with pytest.raises(docker.errors.APIError) as e:
        sdk.containers.create("busybox", ["true"], log_config=config)
    assert (e.value.status_code, e.value.explanation) == (400, message)


@pytest.mark.parametrize(("asked", "reported"), [
    (None, "runc"), ("runc", "runc"), ("io.containerd.runc.v2", "io.containerd.runc.v2")])
def test_runtime_is_accepted_and_reported(sdk, asked, reported):
    """docker-py's test_create_with_runtime: berth's runtime answers to docker's names."""
    ct = sdk.api.create_container("busybox", ["echo", "test"],
                                  host_config=sdk.api.create_host_config(runtime=asked))
    try:
        assert sdk.api.inspect_container(ct)["HostConfig"]["Runtime"] == reported
        sdk.api.start(ct)
        assert sdk.api.wait(ct)["StatusCode"] == 0
    finally:
        sdk.api.remove_container(ct, force=True)
    info = sdk.info()
    assert info["DefaultRuntime"] == "runc" and "runc" in info["Runtimes"]


def test_an_unknown_runtime_is_refused_in_dockerds_words(sdk, docker_cli):
    with pytest.raises(docker.errors.APIError) as e:
        sdk.api.create_container("busybox", ["true"],
                                 host_config=sdk.api.create_host_config(runtime="kata"))
    assert (e.value.status_code, e.value.explanation) == (400, "Unknown runtime specified kata")
    code, _, err = docker_cli("create", "--runtime", "kata", "busybox", "true")
    assert code == 1 and "Unknown runtime specified kata" in err


def test_loading_what_is_not_an_archive_is_an_image_load_error(sdk, api):
    """docker-py's models_images_test.py::test_load_error: the 200 stream carries it."""
    before = sorted(i.id for i in sdk.images.list(all=True))
    with pytest.raises(docker.errors.ImageLoadError):
        sdk.images.load(b"abc")
    status, headers, body = api("POST", "/images/load", raw=b"not a tar" * 100,
                                headers={"Content-Type": "application/x-tar"})
    line = json.loads(body)
    assert status == 200 and headers["content-type"] == "application/json"
    assert line["error"] == line["errorDetail"]["message"] and line["error"]
    assert sorted(i.id for i in sdk.images.list(all=True)) == before


def test_the_docker_cli_prints_a_loads_error_bare(docker_cli, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"junk" * 1000)
    code, out, err = docker_cli("load", "-i", str(junk))
    assert (code, out) == (1, "") and err.startswith("invalid archive")
