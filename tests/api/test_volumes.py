"""``/volumes/*`` with dockerd's shapes, statuses and messages, and ``volume`` in the
berth and docker CLIs."""

import json
import shutil
import subprocess
import time
import urllib.parse

import docker


def q(filters: dict[str, list[str]]) -> str:
    return urllib.parse.quote(json.dumps(filters))


def test_create_inspect_list_remove(api, daemon):
    status, _, body = api("POST", "/v1.44/volumes/create",
                          {"Name": "api-vol", "Labels": {"team": "a"},
                           "DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}})
    assert status == 201, body
    vol = json.loads(body)
    assert vol["Name"] == "api-vol" and vol["Driver"] == "local" and vol["Scope"] == "local"
    assert vol["Mountpoint"] == str(daemon.data_root / "volumes/api-vol/_data")
    assert vol["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}
    assert vol["Labels"] == {"team": "a"} and vol["CreatedAt"].endswith("Z")
    status, _, again = api("POST", "/v1.44/volumes/create", {"Name": "api-vol"})
    assert status == 201 and json.loads(again) == vol  # the existing one, as dockerd
    status, _, body = api("GET", "/v1.44/volumes/api-vol")
    assert status == 200 and json.loads(body) == vol
    status, _, body = api("GET", "/v1.44/volumes?filters=" + q({"label": ["team=a"]}))
    listed = json.loads(body)
    assert status == 200 and listed["Volumes"] == [vol] and listed["Warnings"] is None
    status, _, body = api("POST", "/v1.44/volumes/create", {})
    anon = json.loads(body)
    assert status == 201 and len(anon["Name"]) == 64 and anon["Labels"] is None
    for name in ("api-vol", anon["Name"]):
        assert api("DELETE", f"/v1.44/volumes/{name}")[0] == 204
    status, _, body = api("GET", "/v1.44/volumes/api-vol")
    assert status == 404 and json.loads(body)["message"] == "get api-vol: no such volume"
    assert not (daemon.data_root / "volumes/api-vol").exists()


def test_dockerd_errors(api):
    cases = [
        ({"Name": "a"}, 400, "create a: volume name is too short, names should be at least two "
                            "alphanumeric characters"),
        ({"Name": "a/b"}, 400, 'create a/b: "a/b" includes invalid characters for a local '
                               'volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If '
                               "you intended to pass a host directory, use absolute path"),
        ({"Name": "vo", "DriverOpts": {"bogus": "1"}}, 400, 'create vo: invalid option: "bogus"'),
        ({"Name": "vo", "DriverOpts": {"type": "tmpfs"}}, 400,
         'create vo: missing required option: "device"'),
        ({"Name": "vo", "Driver": "nope"}, 404,
         'create vo: error looking up volume plugin nope: plugin "nope" not found'),
        ({"Name": 5}, 400, "json: cannot unmarshal int into Go struct field "
                           "VolumeCreateBody.Name of type string"),
        ([], 400, "json: cannot unmarshal list into Go value of type volume.VolumeCreateBody"),
    ]
    for body, status, message in cases:
        got, _, raw = api("POST", "/v1.44/volumes/create", body)
        assert (got, json.loads(raw)["message"]) == (status, message)
    status, _, body = api("GET", "/v1.44/volumes?filters=" + q({"foo": ["1"]}))
    assert status == 400 and json.loads(body)["message"] == "invalid filter 'foo'"
    status, _, body = api("GET", "/v1.44/volumes?filters=" + q({"dangling": ["maybe"]}))
    assert status == 400 and json.loads(body)["message"] == "invalid filter 'dangling=maybe'"
    status, _, body = api("DELETE", "/v1.44/volumes/nope")
    assert status == 404 and json.loads(body)["message"] == "get nope: no such volume"
    assert api("DELETE", "/v1.44/volumes/nope?force=1")[0] == 204
    names = [v["Name"] for v in json.loads(api("GET", "/v1.44/volumes")[2])["Volumes"]]
    assert "vo" not in names


def test_prune_by_api_version(api):
    for body in ({"Name": "keep-named", "Labels": {"scope": "p"}},
                 {"Name": "gone-named", "Labels": {"x": "1"}}):
        assert api("POST", "/v1.44/volumes/create", body)[0] == 201
    anon = json.loads(api("POST", "/v1.44/volumes/create", {})[2])["Name"]
    labelled = json.loads(api("POST", "/v1.44/volumes/create", {
        "Labels": {"com.docker.volume.anonymous": ""}})[2])["Name"]
    status, _, body = api("POST", "/v1.44/volumes/prune")
    report = json.loads(body)
    assert status == 200 and {anon, labelled} <= set(report["VolumesDeleted"])
    assert not {"keep-named", "gone-named"} & set(report["VolumesDeleted"])
    assert report["SpaceReclaimed"] == 0
    status, _, body = api("POST", "/v1.44/volumes/prune?filters=" + q({"all": ["true"],
                                                                      "label": ["x"]}))
    assert json.loads(body)["VolumesDeleted"] == ["gone-named"]
    status, _, body = api("POST", "/v1.44/volumes/prune?filters=" + q({"until": ["1h"]}))
    assert status == 400 and json.loads(body)["message"] == "invalid filter 'until'"
    status, _, body = api("POST", "/v1.41/volumes/prune?filters=" + q({"label": ["scope=p"]}))
    assert json.loads(body)["VolumesDeleted"] == ["keep-named"]  # 20.10's prune: all unused


def test_berth_volume_commands(berth_cli):
    assert berth_cli("volume", "create", "--label", "k=v", "-o", "type=tmpfs", "-o",
                     "device=tmpfs", "cli-vol") == (0, "cli-vol\n", "")
    assert berth_cli("volume", "create", "--name", "cli-vol2")[:2] == (0, "cli-vol2\n")
    code, out, _ = berth_cli("volume", "ls")
    assert code == 0 and out.splitlines()[0] == "DRIVER    VOLUME NAME"
    assert "local     cli-vol\n" in out
    assert berth_cli("volume", "ls", "-q", "-f", "label=k")[1] == "cli-vol\n"
    assert berth_cli("volume", "ls", "--format", "{{.Name}} {{.Labels}} {{.Size}}", "-f",
                     "name=cli-vol2")[1] == "cli-vol2  N/A\n"
    code, out, _ = berth_cli("volume", "inspect", "cli-vol")
    assert code == 0 and json.loads(out)[0]["Options"]["type"] == "tmpfs"
    assert berth_cli("volume", "inspect", "-f", "{{.Labels.k}}", "cli-vol")[1] == "v\n"
    code, out, err = berth_cli("volume", "inspect", "cli-vol", "nope")
    assert code == 1 and err == "Error response from daemon: get nope: no such volume\n"
    code, _, err = berth_cli("volume", "create", "x")
    assert code == 1 and "volume name is too short" in err
    code, out, err = berth_cli("volume", "rm", "cli-vol", "nope")
    assert (code, out) == (1, "cli-vol\n") and "get nope: no such volume" in err
    code, out, _ = berth_cli("volume", "prune", "-f", "-a", "--filter", "label!=k")
    assert code == 0 and out.startswith("Deleted Volumes:\n") and "\ncli-vol2\n" in out
    code, _, err = berth_cli("volume", "rm")
    assert code == 1 and '"berth volume rm" requires at least 1 argument' in err


def test_docker_clis_volume_commands(docker_cli):
    code, out, err = docker_cli("volume", "create", "--label", "a=b", "dk-vol")
    assert (code, out) == (0, "dk-vol\n"), err
    code, out, _ = docker_cli("volume", "ls", "--filter", "label=a=b", "--format",
                              "{{.Driver}} {{.Name}} {{.Labels}}")
    assert out == "local dk-vol a=b\n"
    code, out, _ = docker_cli("volume", "inspect", "dk-vol")
    assert code == 0 and json.loads(out)[0]["Labels"] == {"a": "b"}
    code, _, err = docker_cli("volume", "inspect", "nope")
    assert code == 1 and "nope" in err
    code, _, err = docker_cli("volume", "create", "-o", "type=tmpfs", "dk-bad")
    assert code == 1 and 'missing required option: "device"' in err
    assert docker_cli("volume", "rm", "dk-vol")[:2] == (0, "dk-vol\n")
    code, _, err = docker_cli("volume", "rm", "dk-vol")
    assert code == 1 and "no such volume" in err.lower()


def test_sdk_volumes_events_and_df(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        since = time.time() - 1
        vol = client.volumes.create("sdk-vol", labels={"via": "sdk"})
        out = client.containers.run("busybox", ["sh", "-c", "echo sdk > /v/f; cat /v/f"],
                                    volumes={"sdk-vol": {"bind": "/v", "mode": "rw"}},
                                    remove=True)
        assert out == b"sdk\n"
        c = client.containers.create("busybox", "true", volumes=["sdk-vol:/v:ro"])
        (mount,) = c.attrs["Mounts"]
        assert mount == {"Type": "volume", "Name": "sdk-vol", "Destination": "/v",
                         "Source": str(daemon.data_root / "volumes/sdk-vol/_data"),
                         "Driver": "local", "Mode": "ro", "RW": False, "Propagation": ""}
        df = client.df()["Volumes"]
        (usage,) = [v["UsageData"] for v in df if v["Name"] == "sdk-vol"]
        assert usage == {"Size": 4, "RefCount": 1}
        try:
            vol.remove()
        except docker.errors.APIError as e:
            assert e.status_code == 409
            assert str(e.explanation) == f"remove sdk-vol: volume is in use - [{c.id}]"
        else:
            raise AssertionError("a volume in use was removed")
        c.remove()
        vol.remove()
        events = client.events(since=since, until=time.time() + 1,
                               filters={"type": "volume", "volume": "sdk-vol"}, decode=True)
        actions = [(e["Action"], sorted(e["Actor"]["Attributes"])) for e in events]
        assert actions == [
            ("create", ["driver"]),
            ("mount", ["container", "destination", "driver", "propagation", "read/write"]),
            ("unmount", ["container", "driver"]),
            ("destroy", ["driver"])]
    finally:
        client.close()


COMPOSE = """\
version: "3.8"
services:
  writer:
    image: busybox
    network_mode: none
    command: sh -c "echo from-compose > /data/f"
    volumes: ["appdata:/data", "/scratch"]
  reader:
    image: busybox
    network_mode: none
    command: cat /data/f
    volumes:
      - {type: volume, source: appdata, target: /data, read_only: true}
    depends_on: [writer]
volumes:
  appdata:
    labels: {tier: test}
"""


def test_docker_compose_1_29_volumes(daemon, tmp_path):
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose 1.29 is missing: run the set-up (scripts/setup.sh)"
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "COMPOSE_PROJECT_NAME": "vols"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([compose, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)

    r = run("up", "--no-color")
    assert r.returncode == 0, r.stderr
    assert "from-compose" in r.stdout
    vol = json.loads(daemon.cli("volume", "inspect", "vols_appdata").stdout)[0]
    assert vol["Labels"]["tier"] == "test"
    assert vol["Labels"]["com.docker.compose.volume"] == "appdata"
    r = run("down", "-v")
    assert r.returncode == 0, r.stderr
    assert "vols_appdata" not in daemon.cli("volume", "ls", "-q").stdout.split()
