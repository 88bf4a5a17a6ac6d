"""A plain HTTP client over the daemon's unix socket (stdlib only), the docker CLIs, and
Debian's dockerd 20.10 on temp roots."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 30) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


Response = tuple[int, dict[str, str], bytes]


@pytest.fixture
def api(daemon: Any) -> Callable[..., Response]:
    def call(method: str, path: str, body: Any = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> Response:
        conn = UnixHTTPConnection(str(daemon.socket))
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        hdrs = dict(headers or {})
        if data is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        out = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        conn.close()
        return out

    return call


DOCKER_CLIS = {"28": Path("/usr/local/bin/docker"), "20.10": Path("/usr/bin/docker")}


@pytest.fixture(params=sorted(DOCKER_CLIS))
def docker_cli(request: pytest.FixtureRequest, daemon: Any) -> Callable[..., tuple[int, str, str]]:
    """The docker CLI (28.x and Debian's 20.10) pointed at the session's berthd."""
    binary = DOCKER_CLIS[request.param]
    assert binary.exists(), f"the docker {request.param} client is missing: run the set-up"
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}

    def run(*args: str, input: str | None = None, timeout: float = 30) -> tuple[int, str, str]:
        r = subprocess.run([str(binary), *args], env=env, capture_output=True, text=True,
                           input=input, timeout=timeout)
        return r.returncode, r.stdout, r.stderr

    return run


@pytest.fixture
def dockerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Debian's dockerd 20.10 on temp roots, no bridge: the env for its CLI."""
    binary = Path("/usr/sbin/dockerd")
    assert binary.exists(), "dockerd (docker.io) is missing: run the set-up"
    root = tmp_path_factory.mktemp("dockerd")
    sock = root / "docker.sock"
    log = (root / "dockerd.log").open("wb")
    # TMPDIR: its containerd dumps its stacks there when stopped, not in /tmp.
    proc = subprocess.Popen(
        [str(binary), "--host", f"unix://{sock}", "--data-root", str(root / "data"),
         "--exec-root", str(root / "run"), "--pidfile", str(root / "docker.pid"),
         "--bridge", "none", "--iptables=false"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "TMPDIR": str(root)})
    env = {"DOCKER_HOST": f"unix://{sock}", "PATH": "/usr/bin:/bin", "HOME": str(root)}
    try:
        for _ in range(300):
            if subprocess.run(["/usr/bin/docker", "version"], env=env,
                              capture_output=True).returncode == 0:
                break
            assert proc.poll() is None, (root / "dockerd.log").read_text()
            time.sleep(0.1)
        yield env
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text()
                  .splitlines() if str(root) in line]
        for mount in reversed(mounts):
            subprocess.run(["umount", "-l", mount], check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def docker_sdk(daemon: Any) -> Any:
    """The docker SDK's low-level ``APIClient`` on the session's berthd."""
    import docker

    client = docker.APIClient(base_url=f"unix://{daemon.socket}")
    yield client
    client.close()
