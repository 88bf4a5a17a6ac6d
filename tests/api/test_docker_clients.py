"""Clients we did not write drive berthd unchanged: the docker CLI (28.x and
Debian's 20.10) and the docker Python SDK 7.x."""

import subprocess
from pathlib import Path

import docker
import pytest

DOCKER_CLIS = {"28": Path("/usr/local/bin/docker"), "20.10": Path("/usr/bin/docker")}


@pytest.fixture(params=sorted(DOCKER_CLIS))
def docker_cli(request, daemon):
    binary = DOCKER_CLIS[request.param]
    assert binary.exists(), f"the docker {request.param} client is missing: run the set-up"
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}

    def run(*args, input=None, timeout=30):
        r = subprocess.run([str(binary), *args], env=env, capture_output=True, text=True,
                           input=input, timeout=timeout)
        return r.returncode, r.stdout, r.stderr

    return run


def test_run_output_and_exit_codes(docker_cli):
    assert docker_cli("run", "--rm", "busybox", "echo", "hi from docker")[:2] == (
        0, "hi from docker\n")
    assert docker_cli("run", "--rm", "busybox", "sh", "-c", "exit 7")[0] == 7
    code, _, err = docker_cli("run", "--rm", "busybox", "nosuchcommand")
    assert code == 127 and 'exec: "nosuchcommand": executable file not found in $PATH' in err
    assert '{"message"' not in err
    assert docker_cli("run", "--rm", "busybox", "/etc/passwd")[0] == 126


def test_run_interactive_stdin(docker_cli):
    assert docker_cli("run", "-i", "--rm", "busybox", "cat", input="piped\n")[:2] == (
        0, "piped\n")


def test_detached_lifecycle(docker_cli):
    code, cid, _ = docker_cli("run", "-d", "--name", "dlife", "busybox", "sh", "-c",
                              'trap "exit 9" TERM; echo ready; while true; do sleep 0.1; done')
    assert code == 0 and len(cid.strip()) == 64
    code, out, _ = docker_cli("inspect", "-f", "{{.State.Status}} {{.Name}}", "dlife")
    assert out.strip() == "running /dlife"
    assert "dlife" in docker_cli("ps")[1]
    assert docker_cli("stop", "dlife")[0] == 0
    assert docker_cli("wait", "dlife")[1].strip() == "9"
    assert docker_cli("logs", "dlife")[1] == "ready\n"
    assert docker_cli("start", "dlife")[0] == 0
    assert docker_cli("kill", "dlife")[0] == 0
    assert docker_cli("wait", "dlife")[1].strip() == "137"
    assert docker_cli("rm", "dlife")[0] == 0
    code, _, err = docker_cli("rm", "dlife")
    assert code == 1 and "No such container: dlife" in err


def test_create_then_start_attached(docker_cli):
    assert docker_cli("create", "--name", "cattach", "busybox", "echo", "attached")[0] == 0
    assert docker_cli("start", "-a", "cattach")[:2] == (0, "attached\n")
    assert docker_cli("rm", "cattach")[0] == 0


def test_tag(docker_cli):
    assert docker_cli("tag", "busybox", "dockertagged/box:2")[0] == 0
    code, out, _ = docker_cli("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert "dockertagged/box:2" in out.split()
    code, _, err = docker_cli("tag", "nosuchimage", "x")
    assert code == 1 and "No such image" in err


def test_images_and_version(docker_cli):
    code, out, _ = docker_cli("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert code == 0 and "busybox:latest" in out.split()
    code, out, _ = docker_cli("version", "--format", "{{.Server.APIVersion}}")
    assert code == 0 and out.strip() in ("1.41", "1.44")


def test_sdk_run_logs_wait_remove(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        assert client.ping()
        assert client.containers.run("busybox", ["echo", "hi sdk"], remove=True) == b"hi sdk\n"
        ct = client.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"],
                                   detach=True)
        assert ct.wait()["StatusCode"] == 0
        assert ct.logs(stdout=True, stderr=False) == b"out\n"
        ct.reload()
        assert ct.status == "exited"
        ct.remove()
        with pytest.raises(docker.errors.ContainerError) as info:
            client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 3"], remove=True)
        assert info.value.exit_status == 3 and b"bad" in info.value.stderr
        with pytest.raises(docker.errors.NotFound):
            client.containers.get("nosuchcontainer")
        assert any("busybox:latest" in img.tags for img in client.images.list())
    finally:
        client.close()
