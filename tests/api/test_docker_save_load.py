"""save and load with tools we did not write: skopeo and umoci read berth's archives and
write ones berth loads; the docker CLI (28 and 20.10) and the docker SDK drive berthd."""

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

import docker
import pytest

DOCKER_CLIS = {"28": Path("/usr/local/bin/docker"), "20.10": Path("/usr/bin/docker")}


def run(*args: str) -> str:
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{args}: {r.stderr}"
    return r.stdout


def inspect(d, name: str) -> dict:
    r = d.cli("image", "inspect", name)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)[0]


def tree(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under root: (kind, permission bits, content hash or link target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                entry = ("link", 0, os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                entry = ("dir", stat.S_IMODE(st.st_mode), "")
            elif stat.S_ISREG(st.st_mode):
                entry = ("file", stat.S_IMODE(st.st_mode),
                         hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                entry = ("other", stat.S_IMODE(st.st_mode), str(st.st_rdev))
            out[str(path.relative_to(root))] = entry
    return out


def layout_config_digest(layout: Path) -> str:
    [desc] = json.loads((layout / "index.json").read_text())["manifests"]
    blob = layout / "blobs" / "sha256" / desc["digest"][7:]
    return str(json.loads(blob.read_text())["config"]["digest"])


def test_skopeo_and_umoci_read_what_berth_saves(daemon, tmp_path):
    archive = tmp_path / "busybox.tar"
    assert daemon.cli("save", "-o", str(archive), "busybox").returncode == 0
    layout = tmp_path / "layout"
    run("skopeo", "--insecure-policy", "copy", f"docker-archive:{archive}", f"oci:{layout}:x")
    bundle = tmp_path / "bundle"
    run("umoci", "unpack", "--image", f"{layout}:x", str(bundle))
    image = inspect(daemon, "busybox")
    [diff_id] = image["RootFS"]["Layers"]
    berth_view = daemon.data_root / "snapshots" / diff_id[7:] / "fs"
    assert tree(bundle / "rootfs") == tree(berth_view)
    assert (bundle / "rootfs" / "bin" / "busybox").is_file()


def test_berth_loads_what_skopeo_writes(daemon, own_daemon, tmp_path):
    archive = tmp_path / "busybox.tar"
    assert daemon.cli("save", "-o", str(archive), "busybox").returncode == 0
    layout = tmp_path / "layout"
    run("skopeo", "--insecure-policy", "copy", f"docker-archive:{archive}", f"oci:{layout}:x")
    out = tmp_path / "from-skopeo.tar"
    run("skopeo", "--insecure-policy", "copy", f"oci:{layout}:x",
        f"docker-archive:{out}:skopeo/made:1")
    r = own_daemon.cli("load", "-i", str(out))
    assert (r.returncode, r.stdout) == (0, "Loaded image: skopeo/made:1\n"), r.stderr
    theirs, ours = inspect(own_daemon, "skopeo/made:1"), inspect(daemon, "busybox")
    # skopeo rewrites the config going to OCI (it drops docker's "comment"): the id is
    # that of the layout's config, the layers berth's own.
    assert theirs["Id"] == layout_config_digest(layout)
    assert theirs["RootFS"]["Layers"] == ours["RootFS"]["Layers"]
    r = own_daemon.cli("run", "--rm", "skopeo/made:1", "echo", "made by skopeo")
    assert (r.returncode, r.stdout) == (0, "made by skopeo\n"), r.stderr
    # And the OCI layout itself, a tar of it: names come from its annotations (none here).
    layout_tar = tmp_path / "layout.tar"
    run("tar", "-C", str(layout), "-cf", str(layout_tar), ".")
    r = own_daemon.cli("load", "-i", str(layout_tar))
    assert (r.returncode, r.stdout) == (0, f"Loaded image ID: {theirs['Id']}\n"), r.stderr


@pytest.mark.parametrize("version", sorted(DOCKER_CLIS))
def test_docker_cli_saves_and_loads(version, daemon, own_daemon, tmp_path):
    binary = DOCKER_CLIS[version]
    assert binary.exists(), f"the docker {version} client is missing: run the set-up"

    def docker_cli(d, *args: str) -> tuple[int, str, str]:
        env = {"DOCKER_HOST": f"unix://{d.socket}", "PATH": "/usr/bin:/bin",
               "HOME": str(tmp_path)}
        r = subprocess.run([str(binary), *args], env=env, capture_output=True, text=True,
                           timeout=120)
        return r.returncode, r.stdout, r.stderr

    archive = tmp_path / "busybox.tar"
    code, _, err = docker_cli(daemon, "save", "-o", str(archive), "busybox")
    assert code == 0, err
    code, out, err = docker_cli(own_daemon, "load", "-i", str(archive))
    assert code == 0, err
    assert "Loaded image: busybox:latest" in out
    assert inspect(own_daemon, "busybox")["Id"] == inspect(daemon, "busybox")["Id"]
    code, _, err = docker_cli(daemon, "save", "-o", str(tmp_path / "no.tar"), "nosuchimage")
    assert code == 1 and "No such image" in err
    (tmp_path / "junk.tar").write_bytes(b"junk" * 1000)
    code, _, err = docker_cli(own_daemon, "load", "-i", str(tmp_path / "junk.tar"))
    assert code == 1 and "invalid archive" in err


def test_sdk_save_and_load(daemon, own_daemon):
    source = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    target = docker.DockerClient(base_url=f"unix://{own_daemon.socket}")
    try:
        image = source.images.get("busybox")
        # by its name: a shared daemon's busybox may hold other tags (the registry tests
        # push it), and named=True would save the first of them
        data = b"".join(image.save(named="busybox:latest"))
        [loaded] = target.images.load(data)
        assert loaded.id == image.id and "busybox:latest" in loaded.tags
        assert target.containers.run("busybox", ["echo", "via sdk"], remove=True) == b"via sdk\n"
    finally:
        source.close()
        target.close()


@pytest.mark.slow
def test_dockerd_2010_loads_what_berth_saves_and_back(daemon, own_daemon, dockerd, tmp_path):
    ours = tmp_path / "berth.tar"
    assert daemon.cli("save", "-o", str(ours), "busybox").returncode == 0
    r = subprocess.run(["/usr/bin/docker", "load", "-i", str(ours)], env=dockerd,
                       capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout) == (0, "Loaded image: busybox:latest\n"), r.stderr
    r = subprocess.run(["/usr/bin/docker", "image", "inspect", "--format", "{{.Id}}",
                        "busybox"], env=dockerd, capture_output=True, text=True, timeout=60)
    image_id = inspect(daemon, "busybox")["Id"]
    assert r.stdout.strip() == image_id
    theirs = tmp_path / "dockerd.tar"  # the old layout: <id>/layer.tar, <config>.json
    r = subprocess.run(["/usr/bin/docker", "save", "-o", str(theirs), "busybox"], env=dockerd,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = own_daemon.cli("load", "-i", str(theirs))
    assert r.returncode == 0 and r.stdout.endswith("Loaded image: busybox:latest\n"), r.stderr
    assert inspect(own_daemon, "busybox")["Id"] == image_id
