"""The docker CLI and SDK remove, prune and read the history of berth's images."""

import io
import json
import tarfile

import docker


def _tar(content: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("f")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _import(api, content: bytes, repo: str) -> str:
    status, _, body = api("POST", f"/images/create?fromSrc=-&repo={repo}", raw=_tar(content))
    assert status == 200
    return json.loads(body.splitlines()[-1])["status"]


def test_docker_rmi_history_prune(docker_cli, api):
    image_id = _import(api, b"docker cli\n", "dcli/img")
    assert docker_cli("tag", "dcli/img", "dcli/img:two")[0] == 0
    code, out, _ = docker_cli("history", "--no-trunc", "dcli/img")
    assert code == 0 and out.splitlines()[1].startswith(image_id)
    assert docker_cli("rmi", "dcli/img:two")[1] == "Untagged: dcli/img:two\n"
    code, out, err = docker_cli("rmi", "nosuch:1")
    assert code == 1 and "No such image: nosuch:1" in err
    berth_tar_image = _import(api, b"dangling\n", "dcli/dangling")
    assert docker_cli("tag", "dcli/img", "dcli/dangling")[0] == 0  # leaves it untagged
    code, out, _ = docker_cli("image", "prune", "-f")
    assert code == 0 and f"deleted: {berth_tar_image}" in out
    code, out, _ = docker_cli("rmi", "dcli/img", "dcli/dangling")
    assert out.splitlines()[:3] == ["Untagged: dcli/img:latest",
                                    "Untagged: dcli/dangling:latest", f"Deleted: {image_id}"]
    assert out.splitlines()[3].startswith("Deleted: sha256:")  # its layer, used by no other


def test_sdk_images_remove_prune_history(daemon, api):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        image_id = _import(api, b"sdk\n", "sdk/img")
        image = client.images.get("sdk/img")
        assert image.id == image_id
        history = image.history()
        assert history[0]["Id"] == image_id and history[0]["Tags"] == ["sdk/img:latest"]
        assert history[0]["Comment"] == "Imported from -"
        client.images.remove("sdk/img")
        assert image_id not in [i.id for i in client.images.list(all=True)]
        dangling = _import(api, b"sdk dangling\n", "sdk/d")
        _import(api, b"sdk moved\n", "sdk/d")
        report = client.images.prune(filters={"dangling": True})
        assert {"Deleted": dangling} in report["ImagesDeleted"]
        assert report["SpaceReclaimed"] > 0
        client.images.remove("sdk/d", force=True)
    finally:
        client.close()


def test_system_df_as_docker_reads_it(docker_cli, daemon, berth_cli, api):
    image_id = _import(api, b"x" * 5000, "df/img")
    assert berth_cli("run", "--name", "df-writer", "busybox", "sh", "-c",
                     "head -c 20000 /dev/zero > /written")[0] == 0
    try:
        code, out, _ = docker_cli("system", "df")
        assert code == 0
        assert out == berth_cli("system", "df")[1]
        rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
        assert rows["Containers"][1] >= "1" and rows["Build"][:2] == ["Build", "Cache"]
        status, _, body = api("GET", "/system/df")
        df = json.loads(body)
        [mine] = [i for i in df["Images"] if i["Id"] == image_id]
        assert mine["Size"] == 5000 and mine["SharedSize"] == 0 and mine["Containers"] == 0
        [writer] = [c for c in df["Containers"] if c["Names"] == ["/df-writer"]]
        assert writer["SizeRw"] == 20000 and writer["SizeRootFs"] > 20000
        # the shared daemon's volumes and build cache are other tests' (builds run first)
        assert df["LayersSize"] >= 5000
        assert isinstance(df["Volumes"], list) and isinstance(df["BuildCache"], list)
        status, _, body = api("GET", "/system/df?type=image")
        assert set(json.loads(body)) == {"LayersSize", "Images"}
        status, _, body = api("GET", "/system/df?type=nonsense")
        assert status == 400 and b"unknown object type: nonsense" in body
        client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
        try:
            assert any(i["Id"] == image_id for i in client.df()["Images"])
        finally:
            client.close()
    finally:
        berth_cli("rm", "-f", "df-writer")
        berth_cli("rmi", "df/img")
