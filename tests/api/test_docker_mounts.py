"""Bind and tmpfs mounts from clients we did not write: the docker CLIs' ``-v`` and
``--mount``, and the SDK's ``volumes=`` and ``mounts=``."""

import json

import docker
from docker.types import Mount


def test_docker_cli_binds_and_mounts(docker_cli, tmp_path):
    (tmp_path / "f").write_text("shared\n")
    code, out, err = docker_cli(
        "run", "--rm", "-v", f"{tmp_path}:/a:ro", "--mount",
        f"type=bind,src={tmp_path},dst=/d", "--mount", "type=tmpfs,dst=/t,tmpfs-size=2m",
        "busybox", "sh", "-c", "cat /a/f; touch /a/x || echo a-ro; echo w > /d/w; "
                               "grep ' /t ' /proc/mounts | grep -o 'size=[0-9]*k'")
    assert code == 0, err
    assert out.splitlines() == ["shared", "a-ro", "size=2048k"]
    assert (tmp_path / "w").read_text() == "w\n"
    code, _, err = docker_cli("run", "--rm", "--mount",
                              f"type=bind,src={tmp_path}/nope,dst=/d", "busybox", "true")
    assert code == 125 and "bind source path does not exist" in err


def test_sdk_volumes_and_mounts(daemon, tmp_path):
    (tmp_path / "f").write_text("via the sdk\n")
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        out = client.containers.run(
            "busybox", ["sh", "-c", "cat /a/f /d/f; touch /d/x 2>/dev/null || echo d-ro"],
            volumes={str(tmp_path): {"bind": "/a", "mode": "rw"}},
            mounts=[Mount("/d", str(tmp_path), type="bind", read_only=True)],
            name="sdk-mounts", detach=True)
        assert out.wait()["StatusCode"] == 0
        assert out.logs() == b"via the sdk\nvia the sdk\nd-ro\n"
        out.reload()
        mounts = {m["Destination"]: m for m in out.attrs["Mounts"]}
        assert mounts["/a"]["RW"] is True and mounts["/d"]["RW"] is False
        assert json.dumps(out.attrs["HostConfig"]["Mounts"]).count("/d") == 1
        out.remove()
    finally:
        client.close()


def test_published_ports_are_refused_clearly(docker_cli, daemon):
    code, _, err = docker_cli("run", "--rm", "-p", "8080:80", "busybox", "true")
    assert code == 125 and "berth does not publish ports yet" in err
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        try:
            client.containers.run("busybox", "true", ports={"80/tcp": 8080}, remove=True)
        except docker.errors.APIError as e:
            assert e.status_code == 400 and "does not publish ports yet" in str(e)
        else:
            raise AssertionError("a published port was accepted without a network for it")
    finally:
        client.close()
