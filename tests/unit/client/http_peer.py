"""A tiny real HTTP/1.1 server for the client's tests (socketserver, a thread per
connection), on a unix socket or a TCP port.

Each test registers routes: ``peer.route("POST", r"/containers/create")(fn)``
where ``fn(request, exchange)`` writes the raw answer through ``exchange``.
Every request is recorded in ``peer.requests``; the path is matched without
its ``/vX.Y`` prefix, which is kept in ``request.version``.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    target: str
    path: str
    version: str | None
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    connection: int

    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Exchange:
    sock: socket.socket
    rfile: Any
    close: bool = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def respond(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                reason: str = "X") -> None:
        head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}",
                "Api-Version: 1.44"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.send(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self.respond(status, json.dumps(obj).encode(),
                     {"Content-Type": "application/json", **(headers or {})})

    def error(self, status: int, message: str) -> None:
        self.json(status, {"message": message})

    def chunked(self, parts: list[bytes], headers: dict[str, str] | None = None,
                status: int = 200) -> None:
        head = [f"HTTP/1.1 {status} OK", "Transfer-Encoding: chunked"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.send(("\r\n".join(head) + "\r\n\r\n").encode())
        for part in parts:
            self.send(b"%x;ext=1\r\n%b\r\n" % (len(part), part))
        self.send(b"0\r\nX-Trailer: yes\r\n\r\n")

    def upgrade(self, content_type: str = "application/vnd.docker.multiplexed-stream") -> None:
        self.send(b"HTTP/1.1 101 UPGRADED\r\nContent-Type: " + content_type.encode()
                  + b"\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
        self.close = True

    def read_until_eof(self) -> bytes:
        data = b""
        while chunk := self.rfile.read1(65536):
            data += chunk
        return data


Handler = Callable[[Request, Exchange], None]


@dataclass
class Peer:
    address: str
    server: socketserver.BaseServer
    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    api_version: str | None = "1.44"
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return self.address

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.routes.insert(0, (method, re.compile(pattern + "$"), fn))
            return fn
        return register

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests if r.path != "/_ping"]

    def dispatch(self, req: Request, ex: Exchange) -> None:
        with self.lock:
            self.requests.append(req)
        for method, pattern, fn in self.routes:
            if method == req.method and pattern.match(req.path):
                fn(req, ex)
                return
        if req.path == "/_ping":
            headers = {"Api-Version": self.api_version} if self.api_version else {}
            head = ["HTTP/1.1 200 OK", "Content-Length: 2"]
            head += [f"{k}: {v}" for k, v in headers.items()]
            ex.send(("\r\n".join(head) + "\r\n\r\nOK").encode())
            return
        ex.error(404, f"page not found: {req.method} {req.path}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _read_request(rfile: Any, number: int) -> Request | None:
    line = rfile.readline()
    if not line:
        return None
    method, target, _ = line.decode().split(" ", 2)
    headers: dict[str, str] = {}
    while (raw := rfile.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(rfile.readline().split(b";")[0], 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b""):
                    pass
                break
            body += rfile.read(size)
            assert rfile.read(2) == b"\r\n"
    else:
        body = rfile.read(int(headers.get("content-length", "0")))
    url = urlsplit(target)
    path, version = url.path, None
    if m := re.match(r"/v(\d+\.\d+)(/.*)", path):
        version, path = m.group(1), m.group(2)
    return Request(method, target, path, version, parse_qs(url.query, keep_blank_values=True),
                   headers, body, number)


class _Handler(socketserver.StreamRequestHandler):
    server: Any

    def handle(self) -> None:
        peer: Peer = self.server.peer
        with peer.lock:
            peer.connections += 1
            number = peer.connections
        while True:
            req = _read_request(self.rfile, number)
            if req is None:
                return
            ex = Exchange(self.connection, self.rfile)
            peer.dispatch(req, ex)
            if ex.close or req.headers.get("connection", "").lower() == "close":
                return


class _UnixServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_unix(path: Path) -> Peer:
    server = _UnixServer(str(path), _Handler)
    return _serve(Peer(f"unix://{path}", server))


def start_tcp() -> Peer:
    server = _TCPServer(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    return _serve(Peer(f"tcp://{host}:{port}", server))


def _serve(peer: Peer) -> Peer:
    peer.server.peer = peer  # type: ignore[attr-defined]
    threading.Thread(target=peer.server.serve_forever, args=(0.02,), daemon=True).start()
    return peer
