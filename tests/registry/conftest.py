"""A real ``berth registry serve`` on a random loopback port, and a small HTTP helper.

The server is started the way a user starts it (``berth registry serve``, which
execs ``python -m berth.registry.server``); it prints its address once listening.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BERTH = [sys.executable, "-m", "berth.cli.main"]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> str:
        return str(self.json()["errors"][0]["code"])


@dataclass
class Registry:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    scheme: str = "http"
    auth: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        if self.scheme == "https":
            import ssl

            ctx = ssl._create_unverified_context()
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=60, context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if self.auth and "Authorization" not in h:
            h["Authorization"] = self.auth
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")


def start_registry(root: Path, *extra: str, scheme: str = "http") -> Registry:
    proc = subprocess.Popen([*BERTH, "registry", "serve", "--addr", "127.0.0.1:0",
                             "--root", str(root), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("berth registry: serving"):
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        raise RuntimeError(f"registry did not start: {line!r} {proc.stderr.read()!r}")
    return Registry(root, int(line.rsplit(":", 1)[1]), proc, scheme)


@pytest.fixture
def tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="berth-registry-") as d:
        yield Path(d)


@pytest.fixture
def registry_factory(tmp: Path) -> Iterator[Callable[..., Registry]]:
    started: list[Registry] = []

    def start(*extra: str, root: Path | None = None, scheme: str = "http") -> Registry:
        r = start_registry(root or tmp / "registry", *extra, scheme=scheme)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def registry(registry_factory: Callable[..., Registry]) -> Registry:
    return registry_factory()


def env_without_proxy() -> dict[str, str]:
    env = dict(os.environ)
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(k, None)
    return env
