"""``docker build`` (the 28.x CLI falls back to the legacy builder without buildx; 20.10),
the SDK's ``images.build`` and docker-compose 1.29's ``build:`` against berthd: each
makes an image whose config and history are those ``berth build`` makes."""

import json
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docker
import pytest

DOCKERFILE = """\
FROM busybox
ARG V=1
LABEL org.example.v=$V
ENV A=1 B="two words"
WORKDIR /app
COPY hello.txt .
RUN echo "built $V" > out.txt
EXPOSE 8080
USER 1000:1000
HEALTHCHECK --interval=10s CMD test -f /app/out.txt
STOPSIGNAL SIGQUIT
ENTRYPOINT ["cat"]
CMD ["/app/out.txt"]
"""
KEYS = ("Env", "Cmd", "Entrypoint", "User", "WorkingDir", "Labels", "ExposedPorts",
        "Volumes", "Healthcheck", "StopSignal")


def _context(tmp_path: Path) -> Path:
    ctx = tmp_path / f"ctx-{secrets.token_hex(3)}"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "hello.txt").write_text("hello\n")
    return ctx


def _shape(daemon: Any, ref: str) -> tuple[dict[str, Any], list[tuple[str, bool]], int]:
    r = daemon.cli("image", "inspect", ref)
    assert r.returncode == 0, r.stderr
    image = json.loads(r.stdout)[0]
    config = {k: image["Config"].get(k) for k in KEYS}
    hist = daemon.cli("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", ref)
    by = [(line.rsplit("|", 1)[0], line.endswith("|0B")) for line in hist.stdout.splitlines()]
    return config, by, len(image["RootFS"]["Layers"])


@pytest.fixture
def reference(daemon: Any, tmp_path: Path) -> tuple[dict[str, Any], list[Any], int]:
    ctx = _context(tmp_path)
    r = daemon.cli("build", "--no-cache", "-t", "ref:build", str(ctx), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return _shape(daemon, "ref:build")


def test_docker_build_makes_berth_s_image(daemon, docker_cli, reference, tmp_path):
    ctx = _context(tmp_path)
    code, out, err = docker_cli("build", "--no-cache", "-t", "cli:build", str(ctx), timeout=120)
    assert code == 0, out + err
    assert "Step 7/13 : RUN echo \"built $V\" > out.txt" in out
    assert "Successfully tagged cli:build" in out
    assert _shape(daemon, "cli:build") == reference
    code, out, _ = docker_cli("run", "--rm", "cli:build")
    assert out == "built 1\n"


def test_docker_build_failure_is_docker_s(daemon, docker_cli, tmp_path):
    ctx = tmp_path / "fail"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN exit 4\n")
    code, _, err = docker_cli("build", str(ctx), timeout=120)
    assert code == 4  # docker build exits with the failed RUN's code
    assert "The command '/bin/sh -c exit 4' returned a non-zero code: 4" in err


def test_the_sdk_builds_the_same_image(daemon, reference, tmp_path):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    ctx = _context(tmp_path)
    image, logs = client.images.build(path=str(ctx), tag="sdk:build", nocache=True,
                                      buildargs={"V": "1"})
    assert image.tags == ["sdk:build:latest"] or "sdk:build" in image.tags[0]
    assert any("Successfully built" in entry.get("stream", "") for entry in logs)
    assert _shape(daemon, "sdk:build") == reference
    with pytest.raises(docker.errors.BuildError, match="returned a non-zero code: 4"):
        (ctx / "Dockerfile").write_text("FROM busybox\nRUN exit 4\n")
        client.images.build(path=str(ctx))


def test_docker_compose_1_29_builds_the_same_image(daemon, reference, tmp_path):
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose 1.29 is missing: run the set-up (scripts/setup.sh)"
    ctx = _context(tmp_path)
    (ctx / "docker-compose.yml").write_text(
        "version: '3'\nservices:\n  app:\n    build:\n      context: .\n"
        "      args:\n        V: '1'\n    image: compose:build\n")
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root), "COMPOSE_DOCKER_CLI_BUILD": "0"}
    r = subprocess.run([compose, "build", "--no-cache"], cwd=ctx, env=env, capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert _shape(daemon, "compose:build") == reference
