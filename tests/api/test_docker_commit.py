"""docker diff, commit and export from clients we did not write: the docker CLI (28.x and
Debian's 20.10) and the docker SDK 7.x, against berthd; the raw API's shapes."""

import io
import json
import tarfile
import time

import docker
import pytest


def _names(data: bytes) -> dict[str, bytes | None]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        out: dict[str, bytes | None] = {}
        for m in tar:
            f = tar.extractfile(m) if m.isreg() else None
            out[m.name] = f.read() if f else None
        return out


@pytest.fixture
def sdk(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    yield client
    client.close()


def test_docker_cli_diff_commit_export(docker_cli, tmp_path, request):
    name = f"dk-commit-{request.node.callspec.id}"
    image = f"dk/committed:{request.node.callspec.id}"
    try:
        assert docker_cli("run", "--name", name, "busybox", "sh", "-c",
                          "rm /etc/group && echo new > /added")[0] == 0
        code, out, err = docker_cli("diff", name)
        assert (code, out.splitlines()) == (0, ["A /added", "C /etc", "D /etc/group"]), err
        code, out, err = docker_cli("commit", "-c", "CMD cat /added", "-m", "by docker",
                                    "-a", "someone", name, image)
        assert code == 0 and out.strip().startswith("sha256:"), err
        assert docker_cli("run", "--rm", image)[:2] == (0, "new\n")
        code, out, _ = docker_cli("inspect", "-f", "{{.Author}}|{{.Comment}}|{{.Config.Cmd}}",
                                  image)
        assert out.strip() == "someone|by docker|[/bin/sh -c cat /added]"
        target = tmp_path / "out.tar"
        assert docker_cli("export", "-o", str(target), name)[0] == 0
        members = _names(target.read_bytes())
        assert members["added"] == b"new\n" and "etc/group" not in members
        code, _, err = docker_cli("commit", name, "Bad/Name")
        assert code != 0 and "must be lowercase" in err
        code, _, err = docker_cli("commit", "nosuchcontainer")
        assert code == 1 and "No such container: nosuchcontainer" in err
    finally:
        docker_cli("rm", "-f", name)
        docker_cli("rmi", "-f", image)


def test_sdk_diff_commit_export_and_the_pause(sdk):
    c = sdk.containers.run("busybox", ["sh", "-c", "echo hi > /hello; exec sleep 1000"],
                           detach=True, name="sdk-commit")
    try:
        code, _ = c.exec_run("test -e /hello")
        assert code == 0
        assert {"Path": "/hello", "Kind": 1} in c.diff()
        since = int(time.time()) - 1
        image = c.commit("sdk/committed", "v1", message="sdk msg", author="sdk",
                         changes=["ENV SDK=1"])
        until = int(time.time()) + 1
        assert image.attrs["Comment"] == "sdk msg" and "SDK=1" in image.attrs["Config"]["Env"]
        c.reload()
        assert c.status == "running"
        actions = [e["Action"] for e in sdk.events(since=since, until=until, decode=True,
                                                   filters={"container": c.id})]
        assert actions[actions.index("pause"):][:3] == ["pause", "commit", "unpause"]
        data = b"".join(c.export())
        assert _names(data)["hello"] == b"hi\n"
        out = sdk.containers.run("sdk/committed:v1", ["sh", "-c", "cat /hello; echo $SDK"],
                                 remove=True)
        assert out == b"hi\n1\n"
        with pytest.raises(docker.errors.NotFound):
            sdk.api.commit("nosuchcontainer")
        with pytest.raises(docker.errors.APIError) as e:
            c.commit("UPPER")
        assert e.value.status_code == 400
    finally:
        c.remove(force=True)
        try:
            sdk.images.remove("sdk/committed:v1", force=True)
        except docker.errors.NotFound:
            pass


def test_api_shapes(api):
    status, _, body = api("POST", "/containers/create", {"Image": "busybox", "Cmd": ["true"]})
    cid = json.loads(body)["Id"]
    try:
        status, _, body = api("GET", f"/containers/{cid}/changes")
        assert (status, json.loads(body)) == (200, None)  # docker: null when nothing changed
        status, headers, body = api("GET", f"/containers/{cid}/export")
        assert status == 200 and headers["content-type"] == "application/x-tar"
        assert "bin/busybox" in _names(body)
        status, _, body = api("POST", f"/commit?container={cid}&repo=api/shape&tag=x&pause=0")
        assert status == 201 and json.loads(body)["Id"].startswith("sha256:")
        status, _, body = api("POST", "/commit?container=nosuch")
        assert status == 404 and json.loads(body)["message"] == "No such container: nosuch"
        status, _, body = api("POST", f"/commit?container={cid}&repo=api/shape&tag=bad:tag")
        assert status == 400 and json.loads(body)["message"] == "invalid tag format"
        status, _, _ = api("GET", "/containers/nosuch/export")
        assert status == 404
    finally:
        api("DELETE", f"/containers/{cid}?force=1")
        api("DELETE", "/images/api/shape:x?force=1")
