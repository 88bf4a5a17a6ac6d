"""``berth build URL`` (``POST /build?remote=``): berthd fetches the context itself — a
tar, a lone Dockerfile, or a git repository (docker's ``#ref:subdir``) — from a server
on loopback."""

import functools
import http.server
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_a_tar_a_dockerfile_and_a_git_repository_by_url(daemon, served, tmp_path):
    root, base = served
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY hello.txt /hello.txt\n")
    (ctx / "hello.txt").write_text("from a tar\n")
    with tarfile.open(root / "ctx.tar.gz", "w:gz") as tar:
        tar.add(ctx, ".")
    r = daemon.cli("build", "-q", "-t", "remote:tar", f"{base}/ctx.tar.gz", timeout=120)
    assert r.returncode == 0, r.stderr
    assert daemon.cli("run", "--rm", "remote:tar", "cat", "/hello.txt").stdout == "from a tar\n"

    (root / "Dockerfile.txt").write_text("FROM busybox\nRUN echo lone > /lone\n")
    r = daemon.cli("build", "-q", "-t", "remote:df", f"{base}/Dockerfile.txt", timeout=120)
    assert r.returncode == 0, r.stderr
    assert daemon.cli("run", "--rm", "remote:df", "cat", "/lone").stdout == "lone\n"

    work = tmp_path / "work"
    (work / "app").mkdir(parents=True)
    (work / "app" / "Dockerfile").write_text("FROM busybox\nCOPY v.txt /v.txt\n")
    (work / "app" / "v.txt").write_text("from git\n")
    _git("init", "-q", "-b", "main", cwd=work)
    _git("add", ".", cwd=work)
    _git("commit", "-q", "-m", "one", cwd=work)
    _git("tag", "v1", cwd=work)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(root / "repo.git")],
                   check=True)
    subprocess.run(["git", "update-server-info"], cwd=root / "repo.git", check=True)
    r = daemon.cli("build", "-q", "-t", "remote:git", f"{base}/repo.git#v1:app", timeout=120)
    assert r.returncode == 0, r.stderr
    assert daemon.cli("run", "--rm", "remote:git", "cat", "/v.txt").stdout == "from git\n"

    r = daemon.cli("build", "-q", f"{base}/repo.git#v1:nope", timeout=120)
    assert r.returncode == 1 and "subdirectory 'nope' not found" in r.stderr
    r = daemon.cli("build", "-q", f"{base}/missing.tar", timeout=120)
    assert r.returncode == 1 and "unable to prepare context" in r.stderr
