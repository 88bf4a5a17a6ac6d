"""berth against its own registry: push an image, remove it, pull it back, run it
(berthd from the root conftest's session ``daemon``, with busybox imported)."""

import json
import subprocess
from typing import Any

from registry_helpers import Registry, env_without_proxy


def test_berth_push_pull_run(daemon: Any, registry: Registry) -> None:
    ref = f"{registry.host}/e2e/busybox:1"
    assert daemon.cli("tag", "busybox:latest", ref).returncode == 0
    r = daemon.cli("push", ref)
    assert r.returncode == 0, r.stderr
    pushed = json.loads(daemon.cli("image", "inspect", ref).stdout)[0]
    assert registry.request("GET", "/v2/e2e/busybox/tags/list").json()["tags"] == ["1"]
    r = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{ref}"],
                       capture_output=True, text=True, timeout=60, env=env_without_proxy())
    assert r.returncode == 0, r.stderr
    assert f"{registry.host}/e2e/busybox@{json.loads(r.stdout)['Digest']}" in (
        pushed["RepoDigests"])
    assert daemon.cli("rmi", ref).returncode == 0
    r = daemon.cli("pull", ref)
    assert r.returncode == 0, r.stderr
    assert json.loads(daemon.cli("image", "inspect", ref).stdout)[0]["Id"] == pushed["Id"]
    r = daemon.cli("run", "--rm", ref, "echo", "hello from berth's registry")
    assert r.returncode == 0 and r.stdout == "hello from berth's registry\n", r.stderr
    assert daemon.cli("rmi", ref).returncode == 0


def test_berth_push_and_pull_every_tag(daemon: Any, registry: Registry) -> None:
    repo = f"{registry.host}/e2e/tags"
    tags = [f"t{i}" for i in range(3)]
    for tag in tags:
        assert daemon.cli("tag", "busybox:latest", f"{repo}:{tag}").returncode == 0
    r = daemon.cli("push", "-a", repo)
    assert r.returncode == 0, r.stderr
    assert registry.request("GET", "/v2/e2e/tags/tags/list").json()["tags"] == tags
    assert daemon.cli("rmi", *(f"{repo}:{tag}" for tag in tags)).returncode == 0
    r = daemon.cli("pull", "-a", repo)
    assert r.returncode == 0, r.stderr
    listed = daemon.cli("images", "--format", "{{.Tag}}", repo).stdout.split()
    assert sorted(listed) == tags
    assert daemon.cli("rmi", *(f"{repo}:{tag}" for tag in tags)).returncode == 0
