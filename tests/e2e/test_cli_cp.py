"""berth cp and the archive API, both ways, running and stopped containers, and the
docker CLI and SDK against them."""

import io
import os
import subprocess
import tarfile
import time

import docker
import pytest


@pytest.fixture
def box(berth_cli):
    assert berth_cli("run", "-d", "--name", "cp-box", "busybox", "sh", "-c",
                     "mkdir -p /data/sub && echo inside > /data/sub/file && "
                     "ln -sf sub/file /data/link && sleep 300")[0] == 0
    for _ in range(50):
        if berth_cli("exec", "cp-box", "test", "-e", "/data/link")[0] == 0:
            break
        time.sleep(0.1)
    yield "cp-box"
    berth_cli("rm", "-f", "cp-box")


def test_copy_out(berth_cli, box, tmp_path):
    assert berth_cli("cp", "cp-box:/data", str(tmp_path))[0] == 0
    assert (tmp_path / "data/sub/file").read_text() == "inside\n"
    assert (tmp_path / "data/link").is_symlink()
    assert berth_cli("cp", "cp-box:/data/sub/file", str(tmp_path / "renamed"))[0] == 0
    assert (tmp_path / "renamed").read_text() == "inside\n"
    assert berth_cli("cp", "cp-box:/data/.", str(tmp_path / "contents"))[0] == 0
    assert sorted(p.name for p in (tmp_path / "contents").iterdir()) == ["link", "sub"]
    _, out, _ = berth_cli("cp", "cp-box:/data/sub/file", "-")
    with tarfile.open(fileobj=io.BytesIO(out.encode()), mode="r:") as tar:
        assert tar.getnames() == ["file"]


def test_copy_in_running_and_stopped(berth_cli, box, tmp_path):
    (tmp_path / "host.txt").write_text("from the host\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a").write_text("a\n")
    assert berth_cli("cp", str(tmp_path / "host.txt"), "cp-box:/data/")[0] == 0
    assert berth_cli("cp", str(tmp_path / "dir"), "cp-box:/copied")[0] == 0
    assert berth_cli("exec", "cp-box", "cat", "/data/host.txt", "/copied/a")[1] == \
        "from the host\na\n"
    assert berth_cli("stop", "-t", "0", "cp-box")[0] == 0
    assert berth_cli("cp", str(tmp_path / "host.txt"), "cp-box:/while-stopped.txt")[0] == 0
    assert berth_cli("cp", "cp-box:/data/sub/file", str(tmp_path / "from-stopped"))[0] == 0
    assert (tmp_path / "from-stopped").read_text() == "inside\n"
    assert berth_cli("start", "cp-box")[0] == 0
    assert berth_cli("exec", "cp-box", "cat", "/while-stopped.txt")[1:] == ("from the host\n", "")


def test_copy_failures(berth_cli, box, tmp_path):
    code, _, err = berth_cli("cp", "cp-box:/nope", str(tmp_path))
    assert code == 1 and "Could not find the file /nope in container cp-box" in err
    code, _, err = berth_cli("cp", str(tmp_path / "missing"), "cp-box:/tmp/")
    assert code == 1 and "no such file or directory" in err
    code, _, err = berth_cli("cp", "a", "b")
    assert code == 1 and "must specify at least one container source" in err
    code, _, err = berth_cli("cp", "nosuch:/x", str(tmp_path))
    assert code == 1 and "No such container: nosuch" in err
    (tmp_path / "f").write_text("x")
    code, _, err = berth_cli("cp", str(tmp_path / "f"), "cp-box:/data/sub/file/deeper")
    assert code == 1


def test_the_archive_cannot_reach_the_host(berth_cli, box, tmp_path):
    """A tar that climbs out with .. or an absolute symlink stays in the container."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        evil = tarfile.TarInfo("../../../../../../tmp/berth-cp-escape")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
        link = tarfile.TarInfo("hostroot")
        link.type, link.linkname = tarfile.SYMTYPE, "/"
        tar.addfile(link)
        through = tarfile.TarInfo("hostroot/tmp/berth-cp-escape2")
        through.size = 4
        tar.addfile(through, io.BytesIO(b"evil"))
    berth_cli("cp", "-", "cp-box:/data", input=buf.getvalue())
    assert not os.path.exists("/tmp/berth-cp-escape")
    assert not os.path.exists("/tmp/berth-cp-escape2")
    _, out, _ = berth_cli("exec", "cp-box", "sh", "-c", "cat /tmp/berth-cp-escape*")
    assert "evil" in out  # written, but inside the container's own /tmp


def test_docker_clients_cp(daemon, box, tmp_path):
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}
    for docker_cli in ("/usr/local/bin/docker", "/usr/bin/docker"):
        out = tmp_path / docker_cli.replace("/", "_")
        r = subprocess.run([docker_cli, "cp", "cp-box:/data/sub/file", str(out)], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert out.read_text() == "inside\n"
        r = subprocess.run([docker_cli, "cp", str(out), "cp-box:/tmp/back"], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        container = client.containers.get("cp-box")
        chunks, stat = container.get_archive("/data/sub")
        assert stat["name"] == "sub" and stat["mode"] & (1 << 31)
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
            assert sorted(tar.getnames()) == ["sub", "sub/file"]
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("sdk.txt")
            info.size = 3
            tar.addfile(info, io.BytesIO(b"sdk"))
        assert container.put_archive("/tmp", buf.getvalue())
        assert container.exec_run("cat /tmp/sdk.txt").output == b"sdk"
    finally:
        client.close()
