"""berthd reaches registries through its environment's HTTP_PROXY and HTTPS_PROXY, as
dockerd does (a forward proxy for http://, a CONNECT tunnel for https://, credentials
as Proxy-Authorization), not for loopback registries nor NO_PROXY's hosts; a pull's
requests share kept-alive connections; ``info`` shows the proxies, credentials masked.

The proxy is the test's own, on 127.0.0.1: it answers for the name
``registry.berth.test`` (which no resolver knows, so only a proxied request reaches
the registry) with Debian's docker-registry on another loopback port."""

import base64
import json
import re
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from distribution import Registry, start_registry

NAME = "registry.berth.test"
CREDENTIALS = ("proxy-user", "proxy:pass")
_REQUEST = re.compile(rb"(?:GET|HEAD|POST|PUT|PATCH|DELETE) http://([^/ ]+)/")


@dataclass
class Proxy:
    """A forward and CONNECT proxy in a thread that counts connections and requests
    and refuses (407) a client without its credentials."""

    target: int  # the registry's port on 127.0.0.1
    sock: socket.socket = field(default_factory=socket.socket)
    connections: int = 0
    requests: list[str] = field(default_factory=list)  # "GET host", "CONNECT host"
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "Proxy":
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        user, password = CREDENTIALS
        return f"http://{user}:{password.replace(':', '%3A')}@127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode()
            method, where = line.split()[:2]
            expected = "Basic " + base64.b64encode(":".join(CREDENTIALS).encode()).decode()
            if f"proxy-authorization: {expected}".lower().encode() not in head.lower():
                with self.lock:
                    self.refused += 1
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                               b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                return
            host = where if method == "CONNECT" else where.split("/")[2]
            with self.lock:
                self.requests.append(f"{method} {host}")
            if host.partition(":")[0] != NAME:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection(("127.0.0.1", self.target)) as upstream:
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    head = head.split(b"\r\n\r\n", 1)[1]
                self._pipe(client, upstream, head)

    def _pipe(self, client: socket.socket, upstream: socket.socket, first: bytes) -> None:
        """Bytes both ways; further requests on the kept connection are counted."""
        upstream.sendall(first)
        while True:
            ready, _, _ = select.select([client, upstream], [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(1 << 20)
                if not data:
                    return
                if s is client:
                    with self.lock:
                        self.requests += [f"{m.split()[0]} {h.decode()}" for m, h in (
                            (x.group(0).decode(), x.group(1))
                            for x in _REQUEST.finditer(data))]
                    upstream.sendall(data)
                else:
                    client.sendall(data)

    def stop(self) -> None:
        self.sock.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = start_registry(tmp_path / "registry")
    yield reg
    reg.stop()


@pytest.fixture
def proxy(registry: Registry) -> Iterator[Proxy]:
    p = Proxy(registry.port).start()
    yield p
    p.stop()


@pytest.fixture
def proxied(daemon_factory, monkeypatch, registry, proxy):
    """berthd started with the proxy in its environment (and the test name insecure)."""
    def start(no_proxy: str = ""):
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        d = daemon_factory("--insecure-registry", f"{NAME}:{registry.port}")
        for name in ("HTTP_PROXY", "https_proxy", "NO_PROXY"):
            monkeypatch.delenv(name)
        return d

    return start


def test_push_and_pull_through_the_proxy(proxied, proxy, registry):
    d = proxied()
    ref = f"{NAME}:{registry.port}/bb"
    assert d.cli("tag", "busybox", ref).returncode == 0
    r = d.cli("push", ref)
    assert r.returncode == 0, r.stderr
    assert d.cli("rmi", ref, "busybox").returncode == 0
    r = d.cli("pull", ref)
    assert r.returncode == 0, r.stderr
    r = d.cli("run", "--rm", ref, "echo", "proxied")
    assert (r.returncode, r.stdout) == (0, "proxied\n"), r.stderr
    host = f"{NAME}:{registry.port}"
    # HTTPS first (an insecure registry): a tunnel, whose TLS the plain registry refuses
    assert f"CONNECT {host}" in proxy.requests
    forwarded = [x for x in proxy.requests if not x.startswith("CONNECT")]
    assert {x.split()[1] for x in forwarded} == {host}
    assert {x.split()[0] for x in forwarded} >= {"GET", "HEAD", "POST", "PUT"}
    # kept alive: many requests, few connections (pings and tunnels get their own)
    assert len(forwarded) >= 8 and proxy.connections <= len(forwarded) // 2, (
        proxy.connections, proxy.requests)
    assert proxy.refused == 0


def test_info_shows_the_proxies_masked(proxied, proxy):
    d = proxied(no_proxy="*.internal,10.0.0.0/8")
    info = json.loads(d.cli("info", "--format", "{{json .}}").stdout)
    masked = f"http://xxxxx:xxxxx@127.0.0.1:{proxy.port}"
    assert (info["HttpProxy"], info["HttpsProxy"], info["NoProxy"]) == (
        masked, masked, "*.internal,10.0.0.0/8")


def test_no_proxy_and_loopback_go_direct(proxied, proxy, registry):
    d = proxied(no_proxy=f"other.test,.berth.test:{registry.port}")
    r = d.cli("pull", f"{NAME}:{registry.port}/bb")
    assert r.returncode != 0
    assert "registry.berth.test" in r.stderr  # the name no resolver knows: asked directly
    assert proxy.requests == [] and proxy.connections == 0
    ref = f"127.0.0.1:{registry.port}/direct"
    assert d.cli("tag", "busybox", ref).returncode == 0
    r = d.cli("push", ref)
    assert r.returncode == 0, r.stderr
    assert proxy.requests == [] and proxy.connections == 0


def test_a_proxy_berth_cannot_speak_to_stops_berthd(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "berth.api.main", "--host", f"unix://{tmp_path}/s.sock",
         "--data-root", str(tmp_path / "data"), "--exec-root", str(tmp_path / "run")],
        env={"PATH": "/usr/bin:/bin", "HTTPS_PROXY": "socks5://127.0.0.1:1080"},
        capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (1, "berthd: failed to start daemon: proxy "
                                           "'socks5://127.0.0.1:1080': only http:// proxies "
                                           "are supported\n")
