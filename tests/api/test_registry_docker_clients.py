"""The docker CLI 28 and the docker SDK pull, push and log in through berthd, against
Debian's docker-registry (CNCF distribution 2.8)."""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from distribution import Registry, htpasswd, start_registry

DOCKER = "/usr/local/bin/docker"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = start_registry(tmp_path / "registry")
    yield reg
    reg.stop()


def _docker(d, home: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    env = {"DOCKER_HOST": f"unix://{d.socket}", "PATH": "/usr/bin:/bin", "HOME": str(home)}
    r = subprocess.run([DOCKER, *args], env=env, capture_output=True, text=True, input=input,
                       timeout=120)
    return r.returncode, r.stdout, r.stderr


def test_docker_cli_push_and_pull(daemon, own_daemon, registry, tmp_path):
    ref = f"{registry.host}/dk/busybox:v1"
    assert daemon.cli("tag", "busybox", ref).returncode == 0
    code, out, err = _docker(daemon, tmp_path, "push", ref)
    assert code == 0, err
    assert f"The push refers to repository [{registry.host}/dk/busybox]" in out
    digest = out.strip().splitlines()[-1].split()[2]
    assert out.strip().splitlines()[-1].startswith("v1: digest: sha256:")

    assert own_daemon.cli("rmi", "busybox").returncode == 0
    code, out, err = _docker(own_daemon, tmp_path, "pull", ref)
    assert code == 0, err
    assert "v1: Pulling from dk/busybox" in out and f"Digest: {digest}" in out
    assert f"Status: Downloaded newer image for {ref}" in out
    assert out.strip().splitlines()[-1] == ref
    code, out, _ = _docker(own_daemon, tmp_path, "images", "--digests", "--format",
                           "{{.Repository}} {{.Tag}} {{.Digest}}")
    assert f"{registry.host}/dk/busybox v1 {digest}" in out.splitlines()
    code, out, err = _docker(own_daemon, tmp_path, "pull", f"{registry.host}/dk/nosuch")
    assert code == 1 and "not found" in err, err

    # the SDK: images.pull answers the pulled Image
    client = docker.DockerClient(base_url=f"unix://{own_daemon.socket}")
    try:
        image = client.images.pull(f"{registry.host}/dk/busybox", tag="v1")
        assert image.id == json.loads(daemon.cli("image", "inspect", "busybox").stdout)[0]["Id"]
        info = client.api.inspect_distribution(ref)
        assert info["Descriptor"]["digest"] == digest
        assert info["Platforms"] == [{"architecture": "amd64", "os": "linux"}]
    finally:
        client.close()


def test_docker_cli_login_through_berthd(daemon, tmp_path):
    pw = tmp_path / "htpasswd"
    htpasswd(pw, "bob", "hunter2")
    reg = start_registry(tmp_path / "authreg", pw)
    home = tmp_path / "home"
    home.mkdir()
    try:
        code, out, err = _docker(daemon, home, "login", "-u", "bob", "--password-stdin",
                                 reg.host, input="wrong\n")
        assert code == 1 and "401 Unauthorized" in err, err
        code, out, err = _docker(daemon, home, "login", "-u", "bob", "--password-stdin",
                                 reg.host, input="hunter2\n")
        assert code == 0 and "Login Succeeded" in out, err
        ref = f"{reg.host}/secret/busybox"
        assert daemon.cli("tag", "busybox", ref).returncode == 0
        code, out, err = _docker(daemon, home, "push", ref)
        assert code == 0, err
        client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
        try:
            with pytest.raises(docker.errors.APIError):
                client.images.pull(f"{reg.host}/secret/busybox", tag="latest")
            image = client.images.pull(f"{reg.host}/secret/busybox", tag="latest",
                                       auth_config={"username": "bob", "password": "hunter2"})
            assert image.tags
        finally:
            client.close()
    finally:
        reg.stop()
