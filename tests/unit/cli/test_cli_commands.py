"""Each command against a real HTTP peer scripted like dockerd: the requests it
sends, in order, and what it prints and exits with."""

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from http_peer import Exchange, Peer, Request

from berth.client.streams import encode_frame

RunCLI = Callable[..., tuple[int, str, str]]
CID = "f" * 64
IMAGE_ID = "sha256:" + "0123456789ab" + "c" * 52


def script_run(engine: Peer, *, status: int = 0, start_error: tuple[int, str] | None = None,
               output: list[tuple[int, bytes]] | None = None,
               early_head: bool = True) -> dict[str, object]:
    """create -> attach (101, frames once started) -> wait -> start, like dockerd
    (which answers the wait's head at once and its body at the exit)."""
    seen: dict[str, object] = {}
    started = threading.Event()

    @engine.route("POST", "/containers/create")
    def create(req: Request, ex: Exchange) -> None:
        seen["create"] = req.json()
        seen["name"] = req.q("name")
        ex.json(201, {"Id": CID, "Warnings": []})

    @engine.route("POST", f"/containers/{CID}/attach")
    def attach(req: Request, ex: Exchange) -> None:
        ex.upgrade()
        if not started.wait(5):
            return
        for stream, data in output or []:
            ex.send(encode_frame(stream, data))

    @engine.route("POST", f"/containers/{CID}/wait")
    def wait(req: Request, ex: Exchange) -> None:
        seen["condition"] = req.q("condition")
        if early_head:
            ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
        started.wait(5)
        body = json.dumps({"StatusCode": status, "Error": None}).encode()
        if early_head:
            ex.send(b"%x\r\n%b\r\n0\r\n\r\n" % (len(body), body))
        else:
            ex.respond(200, body)

    @engine.route("POST", f"/containers/{CID}/start")
    def start(req: Request, ex: Exchange) -> None:
        if start_error:
            ex.error(*start_error)
            return
        ex.respond(204)
        started.set()

    @engine.route("DELETE", f"/containers/{CID}")
    def delete(req: Request, ex: Exchange) -> None:
        seen["deleted"] = req.q("force")
        ex.respond(204)

    return seen


def test_run_copies_output_and_exits_with_the_status(cli: RunCLI, engine: Peer) -> None:
    seen = script_run(engine, status=3,
                      output=[(1, b"hello\n"), (2, b"oops\n"), (1, b"bye\n")])
    os.environ["BERTH_TEST_FROM_HOST"] = "from-host"
    try:
        code, out, err = cli("run", "--rm", "-e", "A=1", "-e", "BERTH_TEST_FROM_HOST",
                             "-e", "BERTH_TEST_UNSET", "-w", "/tmp", "--name", "web",
                             "busybox", "sh", "-c", "exit 3")
    finally:
        del os.environ["BERTH_TEST_FROM_HOST"]
    assert (code, out, err) == (3, "hello\nbye\n", "oops\n")
    assert engine.paths() == ["POST /containers/create", f"POST /containers/{CID}/attach",
                              f"POST /containers/{CID}/wait", f"POST /containers/{CID}/start"]
    config = seen["create"]
    assert isinstance(config, dict)
    assert config["Image"] == "busybox"
    assert config["Cmd"] == ["sh", "-c", "exit 3"]
    assert config["Env"] == ["A=1", "BERTH_TEST_FROM_HOST=from-host"]
    assert config["WorkingDir"] == "/tmp"
    assert config["HostConfig"] == {"AutoRemove": True}
    assert (config["AttachStdout"], config["AttachStderr"], config["Tty"]) == (True, True, False)
    assert seen["name"] == "web"
    assert seen["condition"] == "removed"
    assert all(r.version == "1.44" for r in engine.requests if r.path != "/_ping")


def test_run_without_rm_waits_for_next_exit(cli: RunCLI, engine: Peer) -> None:
    # a daemon that answers the wait only at the exit (no early head): still works
    seen = script_run(engine, output=[(1, b"x")], early_head=False)
    assert cli("run", "busybox", "true") == (0, "x", "")
    assert seen["condition"] == "next-exit"
    assert seen["create"]["HostConfig"] == {"AutoRemove": False}  # type: ignore[index]
    assert seen["create"]["Entrypoint"] is None  # type: ignore[index]


def test_run_detached_prints_the_id(cli: RunCLI, engine: Peer) -> None:
    seen = script_run(engine)
    assert cli("run", "-d", "--entrypoint", "", "busybox", "sleep", "9") == (0, CID + "\n", "")
    assert engine.paths() == ["POST /containers/create", f"POST /containers/{CID}/start"]
    assert seen["create"]["AttachStdout"] is False  # type: ignore[index]
    assert seen["create"]["Entrypoint"] == [""]  # type: ignore[index]


@pytest.mark.parametrize(("message", "status"), [
    ('failed to create task: exec: "nope": executable file not found in $PATH', 127),
    ("exec /bin/x: no such file or directory", 127),
    ("exec /etc: permission denied", 126),
    ("cgroup setup failed", 125),
])
def test_start_failures_use_dockers_statuses(cli: RunCLI, engine: Peer, message: str,
                                             status: int) -> None:
    seen = script_run(engine, start_error=(400, message))
    code, out, err = cli("run", "--rm", "busybox", "nope")
    assert code == status
    assert out == ""
    assert err.startswith(f"berth: Error response from daemon: {message}\n")
    assert seen["deleted"] == "1"  # --rm: nothing is left behind


def test_unknown_image(cli: RunCLI, engine: Peer) -> None:
    """docker's run: not here, so pulled; a pull that fails ends it with 125."""
    pulled: list[tuple[str | None, str | None]] = []

    @engine.route("POST", "/containers/create")
    def create(req: Request, ex: Exchange) -> None:
        ex.error(404, "No such image: busybox:latest")

    @engine.route("POST", "/images/create")
    def pull(req: Request, ex: Exchange) -> None:
        pulled.append((req.q("fromImage"), req.q("tag")))
        ex.error(404, "manifest for busybox:latest not found: manifest unknown")

    code, _, err = cli("run", "busybox")
    assert code == 125
    assert err.splitlines()[:2] == ["Unable to find image 'busybox:latest' locally",
                                    "berth: Error response from daemon: "
                                    "manifest for busybox:latest not found: manifest unknown"]
    assert pulled == [("busybox", "latest")]


def test_run_pulls_then_creates(cli: RunCLI, engine: Peer) -> None:
    created: list[str] = []

    @engine.route("POST", "/containers/create")
    def create(req: Request, ex: Exchange) -> None:
        if not created:
            created.append("missing")
            return ex.error(404, "No such image: busybox:latest")
        created.append("ok")
        ex.json(201, {"Id": "c" * 64, "Warnings": []})

    @engine.route("POST", "/images/create")
    def pull(req: Request, ex: Exchange) -> None:
        ex.chunked([b'{"status":"Pulling from library/busybox","id":"latest"}\r\n',
                    b'{"status":"Status: Downloaded newer image for busybox:latest"}\r\n'])

    code, out, err = cli("create", "busybox")
    assert code == 0 and out == "c" * 64 + "\n"
    assert err.splitlines() == ["Unable to find image 'busybox:latest' locally",
                                "latest: Pulling from library/busybox",
                                "Status: Downloaded newer image for busybox:latest"]
    assert created == ["missing", "ok"]


def test_ps_table(cli: RunCLI, engine: Peer) -> None:
    now = int(time.time())

    @engine.route("GET", "/containers/json")
    def containers(req: Request, ex: Exchange) -> None:
        assert req.q("all") == "1"
        ex.json(200, [
            {"Id": CID, "Names": ["/web"], "Image": "busybox", "Command": "sleep 1000",
             "Created": now - 600, "Status": "Up 3 seconds", "State": "running", "Ports": []},
            {"Id": "e" * 64, "Names": ["/old"], "Image": IMAGE_ID,
             "Command": "sh -c 'echo a very long command'", "Created": now - 7200,
             "Status": "Exited (0) 5 seconds ago", "State": "exited", "Ports": []},
        ])

    code, out, err = cli("ps", "-a")
    assert code == 0, err
    assert out.splitlines() == [
        "CONTAINER ID   IMAGE          COMMAND                  CREATED          "
        "STATUS                     PORTS     NAMES",
        "ffffffffffff   busybox        \"sleep 1000\"             10 minutes ago   "
        "Up 3 seconds                         web",
        "eeeeeeeeeeee   0123456789ab   \"sh -c 'echo a very …\"   2 hours ago      "
        "Exited (0) 5 seconds ago             old",
    ]
    assert cli("ps", "-aq") == (0, "ffffffffffff\neeeeeeeeeeee\n", "")
    assert cli("ps", "-aq", "--no-trunc")[1] == f"{CID}\n{'e' * 64}\n"


def test_images_table(cli: RunCLI, engine: Peer) -> None:
    now = int(time.time())

    seen_filters: list[str | None] = []

    @engine.route("GET", "/images/json")
    def images(req: Request, ex: Exchange) -> None:
        seen_filters.append(req.q("filters"))
        ex.json(200, [
            {"Id": IMAGE_ID, "RepoTags": ["busybox:latest", "bb:1"], "Created": now - 90,
             "Size": 4_261_000},
            {"Id": "sha256:" + "9" * 64, "RepoTags": [], "RepoDigests": [],
             "Created": now - 3 * 86400, "Size": 999},
        ])

    code, out, _ = cli("images")
    assert code == 0
    assert out.splitlines() == [
        "REPOSITORY   TAG       IMAGE ID       CREATED              SIZE",
        "busybox      latest    0123456789ab   About a minute ago   4.26MB",
        "bb           1         0123456789ab   About a minute ago   4.26MB",
        "<none>       <none>    999999999999   3 days ago           999B",
    ]
    assert cli("images", "-q") == (0, "0123456789ab\n999999999999\n", "")
    assert seen_filters == [None, None]
    cli("images", "-q", "--no-trunc", "-f", "dangling=false", "bb")
    assert json.loads(seen_filters[-1] or "") == {"dangling": ["false"], "reference": ["bb"]}
    code, _, err = cli("images", "-f", "dangling")
    assert code == 125 and "bad format of filter (expected name=value)" in err


def test_import_streams_the_file(cli: RunCLI, engine: Peer, tmp_path: Path) -> None:
    data = os.urandom(100_000)
    tar = tmp_path / "rootfs.tar"
    tar.write_bytes(data)
    got: list[Request] = []

    @engine.route("POST", "/images/create")
    def create(req: Request, ex: Exchange) -> None:
        got.append(req)
        ex.chunked([b'{"status":"Importing"}\n', b'{"status":"' + IMAGE_ID.encode() + b'"}\n'])

    code, out, err = cli("import", "-c", 'CMD ["sh"]', "-c", "ENV A=1", "-m", "hello",
                         str(tar), "busybox:latest")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == IMAGE_ID
    req = got[0]
    assert req.body == data
    assert req.headers["content-length"] == str(len(data))
    assert req.query["fromSrc"] == ["-"]
    assert (req.q("repo"), req.q("tag"), req.q("message")) == ("busybox", "latest", "hello")
    assert req.query["changes"] == ['CMD ["sh"]', "ENV A=1"]


def test_import_errors(cli: RunCLI, engine: Peer, tmp_path: Path) -> None:
    @engine.route("POST", "/images/create")
    def create(req: Request, ex: Exchange) -> None:
        if req.q("repo") == "streamed":
            ex.chunked([b'{"errorDetail":{"message":"bad tar"},"error":"bad tar"}\n'])
        else:
            ex.error(400, "archive/tar: invalid tar header")

    junk = tmp_path / "junk"
    junk.write_bytes(b"not a tar")
    code, _, err = cli("import", str(junk), "x")
    assert (code, err) == (1, "Error response from daemon: archive/tar: invalid tar header\n")
    assert cli("import", str(junk), "streamed") == (1, "", "bad tar\n")
    code, _, err = cli("import", str(tmp_path / "missing.tar"))
    assert code == 1 and "no such file or directory" in err


def test_rm(cli: RunCLI, engine: Peer) -> None:
    @engine.route("DELETE", r"/containers/(\w+)")
    def delete(req: Request, ex: Exchange) -> None:
        if req.path.endswith("/gone"):
            ex.error(404, "No such container: gone")
        else:
            ex.respond(204)

    assert cli("rm", "a", "b") == (0, "a\nb\n", "")
    assert cli("rm", "a", "gone", "b") == (1, "a\nb\n",
                                          "Error response from daemon: No such container: gone\n")
    assert cli("rm", "-f", "gone")[0] == 0  # docker: -f ignores what is not there
    assert engine.requests[-1].q("force") == "1"


def test_logs_demultiplexed(cli: RunCLI, engine: Peer) -> None:
    @engine.route("GET", r"/containers/web/logs")
    def logs(req: Request, ex: Exchange) -> None:
        assert (req.q("stdout"), req.q("stderr"), req.q("tail"), req.q("follow")) == \
            ("1", "1", "2", "1")
        ex.chunked([encode_frame(1, b"one\n") + encode_frame(2, b"two")[:5],
                    encode_frame(2, b"two")[5:]],
                   {"Content-Type": "application/vnd.docker.multiplexed-stream"})

    assert cli("logs", "-f", "--tail", "2", "web") == (0, "one\n", "two")


def test_version_and_info(cli: RunCLI, engine: Peer) -> None:
    @engine.route("GET", "/version")
    def version(req: Request, ex: Exchange) -> None:
        ex.json(200, {"Platform": {"Name": "fake engine"}, "Components": [
            {"Name": "Engine", "Version": "9.9", "Details": {
                "ApiVersion": "1.44", "MinAPIVersion": "1.24", "Os": "linux",
                "Arch": "amd64", "GitCommit": "abc"}}]})

    @engine.route("GET", "/info")
    def info(req: Request, ex: Exchange) -> None:
        ex.json(200, {"Containers": 2, "ContainersRunning": 1, "ContainersStopped": 1,
                      "Images": 1, "ServerVersion": "9.9", "Driver": "overlay2",
                      "MemTotal": 4_102_905_856, "LiveRestoreEnabled": True})

    code, out, _ = cli("version")
    assert code == 0
    assert " API version:       1.44\n" in out
    assert "Server: fake engine\n Engine:\n  Version:          9.9\n" \
           "  API version:      1.44 (minimum version 1.24)\n" in out
    assert "  OS/Arch:          linux/amd64\n" in out
    code, out, _ = cli("info")
    assert code == 0
    assert " Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: 1\n" in out
    assert " Total Memory: 3.821GiB\n" in out
    assert " Live Restore Enabled: true\n" in out


def test_unreachable_daemon(capsys: pytest.CaptureFixture[str]) -> None:
    from berth.cli.main import main

    assert main(["-H", "tcp://127.0.0.1:1", "ps"]) == 1
    assert capsys.readouterr().err.startswith(
        "Cannot connect to the berth daemon at tcp://127.0.0.1:1. Is the berth daemon running?")
    assert main(["-H", "tcp://127.0.0.1:1", "run", "busybox"]) == 125
    assert capsys.readouterr().err.startswith("berth: Cannot connect to the berth daemon")


def test_console_entry_in_a_subprocess(engine: Peer) -> None:
    script_run(engine, status=7, output=[(1, b"from a child\n")])
    env = {**os.environ, "BERTH_HOST": engine.host}
    env.pop("DOCKER_HOST", None)
    r = subprocess.run([sys.executable, "-m", "berth.cli.main", "run", "busybox"],
                       env=env, capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout, r.stderr) == (7, "from a child\n", "")
    assert json.loads(json.dumps(engine.paths()))[0] == "POST /containers/create"


def test_lifecycle_verbs(cli: RunCLI, engine: Peer) -> None:
    @engine.route("POST", r"/containers/(\w+)/(start|stop|kill|wait)")
    def verb(req: Request, ex: Exchange) -> None:
        name, action = req.path.split("/")[2:4]
        if name == "gone":
            ex.error(404, "No such container: gone")
        elif action == "wait":
            ex.json(200, {"StatusCode": 42, "Error": None})
        else:
            ex.respond(204)

    assert cli("start", "a", "b") == (0, "a\nb\n", "")
    assert cli("stop", "-t", "3", "a") == (0, "a\n", "")
    assert engine.requests[-1].q("t") == "3"
    assert cli("kill", "-s", "TERM", "a") == (0, "a\n", "")
    assert engine.requests[-1].q("signal") == "TERM"
    assert cli("wait", "a", "gone") == (1, "42\n",
                                        "Error response from daemon: No such container: gone\n")


def test_inspect_falls_back_to_images(cli: RunCLI, engine: Peer) -> None:
    @engine.route("GET", r"/containers/([^/]+)/json")
    def container(req: Request, ex: Exchange) -> None:
        if req.path == "/containers/web/json":
            ex.json(200, {"Id": CID, "Name": "/web"})
        else:
            ex.error(404, "No such container: x")

    @engine.route("GET", r"/images/(.+)/json")
    def image(req: Request, ex: Exchange) -> None:
        if req.path == "/images/busybox:latest/json":
            ex.json(200, {"Id": IMAGE_ID})
        else:
            ex.error(404, "No such image: x")

    code, out, err = cli("inspect", "web", "busybox:latest")
    assert (code, err) == (0, "")
    assert [o["Id"] for o in json.loads(out)] == [CID, IMAGE_ID]
    code, out, err = cli("inspect", "nothing")
    assert (code, json.loads(out), err) == (1, [], "Error: No such object: nothing\n")
