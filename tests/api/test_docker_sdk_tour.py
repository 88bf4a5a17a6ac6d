"""The docker SDK 7.x (PyPI ``docker``) against berthd, for what issue 5 lists beyond
run/logs/wait/remove: create/start, streamed logs, exec_run, attach_socket,
put_archive/get_archive, images get/tag/remove, events and df."""

import io
import socket
import tarfile
import time

import docker
import pytest


@pytest.fixture
def sdk(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    yield client
    client.close()


def _tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_create_start_stream_logs_and_exec(sdk):
    ct = sdk.containers.create("busybox", ["sh", "-c", "for i in 1 2 3; do echo line $i; "
                                                       "sleep 0.2; done; sleep 60"],
                               name="sdk-stream")
    try:
        assert ct.status == "created"
        ct.start()
        lines = []
        for chunk in ct.logs(stream=True, follow=True):
            lines.append(chunk.decode())
            if "".join(lines).count("\n") >= 3:
                break
        assert "".join(lines) == "line 1\nline 2\nline 3\n"
        code, out = ct.exec_run(["sh", "-c", "echo $HOME; exit 4"])
        assert (code, out) == (4, b"/root\n")
        code, (out, err) = ct.exec_run(["sh", "-c", "echo o; echo e >&2"], demux=True)
        assert (code, out, err) == (0, b"o\n", b"e\n")
        code, out = ct.exec_run("id -u", user="65534")
        assert (code, out) == (0, b"65534\n")
    finally:
        ct.remove(force=True)


def test_attach_socket_sends_stdin_and_reads_output(sdk):
    ct = sdk.containers.create("busybox", ["cat"], name="sdk-attach", stdin_open=True)
    try:
        ct.start()
        sock = ct.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
        raw = sock._sock
        raw.sendall(b"through the socket\n")
        raw.shutdown(socket.SHUT_WR)  # half-close: cat sees EOF, the answer still comes
        raw.settimeout(10)
        data = b""
        while chunk := raw.recv(4096):
            data += chunk
        # Not a tty: docker's 8-byte frame header, stream 1 (stdout).
        assert data[0] == 1 and data[8:] == b"through the socket\n"
        assert ct.wait(timeout=10)["StatusCode"] == 0
        sock.close()
    finally:
        ct.remove(force=True)


def test_put_and_get_archive(sdk):
    ct = sdk.containers.run("busybox", ["sleep", "60"], detach=True, name="sdk-archive")
    try:
        assert ct.put_archive("/tmp", _tar("sdk.txt", b"put by the sdk\n"))
        assert ct.exec_run("cat /tmp/sdk.txt")[1] == b"put by the sdk\n"
        stream, stat = ct.get_archive("/tmp/sdk.txt")
        assert stat["name"] == "sdk.txt" and stat["size"] == 15
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            assert tar.extractfile("sdk.txt").read() == b"put by the sdk\n"
        with pytest.raises(docker.errors.NotFound):
            ct.get_archive("/no/such/file")
        with pytest.raises(docker.errors.NotFound):
            ct.put_archive("/no/such/dir", _tar("x", b"x"))
    finally:
        ct.remove(force=True)


def test_images_get_tag_remove(sdk):
    image = sdk.images.get("busybox")
    assert "busybox:latest" in image.tags
    assert image.tag("sdk/tour", "v1")
    assert "sdk/tour:v1" in sdk.images.get("sdk/tour:v1").tags
    sdk.images.remove("sdk/tour:v1")
    with pytest.raises(docker.errors.ImageNotFound):
        sdk.images.get("sdk/tour:v1")
    with pytest.raises(docker.errors.ImageNotFound):
        sdk.images.get("sdk/never")


def test_events_and_df(sdk):
    since = time.time()
    sdk.containers.run("busybox", ["true"], name="sdk-events", remove=True)
    until = time.time() + 0.5
    actions = [e["Action"] for e in sdk.events(since=since, until=until, decode=True,
                                               filters={"container": "sdk-events"})]
    assert actions[0] == "create" and "start" in actions and "die" in actions
    assert actions[-1] == "destroy"
    df = sdk.df()
    assert any("busybox:latest" in (i.get("RepoTags") or []) for i in df["Images"])
    assert "Containers" in df and "Volumes" in df and df["LayersSize"] > 0
