"""The HTTP/1.1 layer and the Client against a real peer on a unix socket."""

import io
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from http_peer import Exchange, Peer, Request, start_tcp

from berth.client import APIError, Client, DaemonUnreachable
from berth.client.autostart import start_daemon
from berth.client.errors import ProtocolError
from berth.client.http import Connection, encode_query, quote
from berth.client.streams import encode_frame


def test_content_length_body_and_keep_alive(peer: Peer) -> None:
    @peer.route("GET", "/hello")
    def hello(req: Request, ex: Exchange) -> None:
        ex.respond(200, b"hello world")

    conn = Connection(("unix", peer.address.removeprefix("unix://")))
    first = conn.request("GET", "/hello")
    assert (first.status, first.read()) == (200, b"hello world")
    assert conn.reusable
    second = conn.request("GET", "/hello")
    assert second.read() == b"hello world"
    conn.close()
    assert peer.connections == 1


def test_chunked_body_arrives_piece_by_piece(peer: Peer) -> None:
    release = threading.Event()

    @peer.route("GET", "/stream")
    def stream(req: Request, ex: Exchange) -> None:
        ex.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        ex.send(b"5\r\nfirst\r\n")
        release.wait(5)
        ex.send(b"6;name=x\r\nsecond\r\n0\r\nTrailer: 1\r\n\r\n")

    conn = Connection(("unix", peer.address.removeprefix("unix://")))
    resp = conn.request("GET", "/stream")
    assert resp.read1() == b"first"  # before the server sent the rest
    release.set()
    assert resp.read() == b"second"
    assert resp.complete and conn.reusable


def test_chunked_lines_and_large_chunks(peer: Peer) -> None:
    big = os.urandom(300_000)

    @peer.route("GET", "/big")
    def big_body(req: Request, ex: Exchange) -> None:
        ex.chunked([big[:100_000], big[100_000:]])

    @peer.route("GET", "/lines")
    def lines(req: Request, ex: Exchange) -> None:
        ex.chunked([b'{"a": 1}\n{"b"', b': 2}\n\n', b'{"c": 3}'])

    with Client(peer.host) as client:
        assert client.request("GET", "/big").read() == big
        got = list(client.request("GET", "/lines").iter_lines())
    assert got == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']


def test_body_until_close(peer: Peer) -> None:
    @peer.route("GET", "/old")
    def old(req: Request, ex: Exchange) -> None:
        ex.send(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
        ex.close = True
        ex.sock.shutdown(socket.SHUT_WR)

    with Client(peer.host) as client:
        assert client.request("GET", "/old").read() == b"until the end"
        # the next request needs a new connection, and gets one
        assert client.system.ping() == "OK"


def test_request_bodies(peer: Peer, short_tmp: Path) -> None:
    seen: list[tuple[str | None, str | None, bytes]] = []

    @peer.route("POST", "/upload")
    def upload(req: Request, ex: Exchange) -> None:
        seen.append((req.headers.get("content-length"), req.headers.get("transfer-encoding"),
                     req.body))
        ex.respond(204)

    data = os.urandom(200_000)
    path = short_tmp / "blob"
    path.write_bytes(data)
    with Client(peer.host) as client:
        client.request("POST", "/upload", body=b"small").read()
        client.request("POST", "/upload", body=io.BytesIO(data)).read()
        with path.open("rb") as f:
            client.request("POST", "/upload", body=f, body_size=len(data)).read()
    assert seen == [("5", None, b"small"), (None, "chunked", data), (str(len(data)), None, data)]


def test_api_error_from_message(peer: Peer) -> None:
    @peer.route("GET", "/containers/nope/json")
    def missing(req: Request, ex: Exchange) -> None:
        ex.error(404, "No such container: nope")

    @peer.route("GET", "/plain")
    def plain(req: Request, ex: Exchange) -> None:
        ex.respond(500, b"something broke\n")

    with Client(peer.host) as client:
        with pytest.raises(APIError) as e:
            client.containers.inspect("nope")
        assert (e.value.status, e.value.message) == (404, "No such container: nope")
        with pytest.raises(APIError) as e:
            client.request("GET", "/plain")
        assert (e.value.status, str(e.value)) == (500, "something broke")
        # the connection is still usable after an error
        assert client.system.ping() == "OK"


@pytest.mark.parametrize(("server", "used"), [
    ("1.41", "1.41"), ("1.44", "1.44"), ("1.47", "1.44"), (None, "1.24"),
])
def test_version_negotiation(peer: Peer, server: str | None, used: str) -> None:
    peer.api_version = server

    @peer.route("GET", "/info")
    def info(req: Request, ex: Exchange) -> None:
        ex.json(200, {"version": req.version})

    with Client(peer.host) as client:
        assert client.system.info() == {"version": used}
        assert client.system.info() == {"version": used}
    pings = [r for r in peer.requests if r.path == "/_ping"]
    assert len(pings) == 1 and pings[0].version is None


def test_hijack_both_ways_with_half_close(peer: Peer) -> None:
    @peer.route("POST", r"/containers/\w+/attach")
    def attach(req: Request, ex: Exchange) -> None:
        assert req.headers["upgrade"] == "tcp"
        assert req.headers["connection"].lower() == "upgrade"
        ex.upgrade()
        ex.send(encode_frame(1, b"ready\n"))
        stdin = ex.read_until_eof()  # returns once the client half-closes
        ex.send(encode_frame(1, stdin.upper()) + encode_frame(2, b"done\n"))
        ex.sock.shutdown(socket.SHUT_WR)

    from berth.client.streams import demux

    with Client(peer.host) as client:
        stream = client.containers.attach("abc", stdin=True)
        assert stream.upgraded
        frames = demux(stream.iter_chunks())
        assert next(frames) == (1, b"ready\n")
        stream.send(b"hello ")
        stream.send(b"there")
        stream.close_write()
        assert list(frames) == [(1, b"HELLO THERE"), (2, b"done\n")]
        stream.close()
    query = peer.requests[-1].query
    assert query["stream"] == ["1"] and query["stdin"] == ["1"]


def test_hijack_refused_raises(peer: Peer) -> None:
    @peer.route("POST", r"/containers/\w+/attach")
    def attach(req: Request, ex: Exchange) -> None:
        ex.error(409, "You cannot attach to a stopped container, start it first")

    with Client(peer.host) as client, pytest.raises(APIError) as e:
        client.containers.attach("abc")
    assert e.value.status == 409


def test_truncated_body_is_an_error(peer: Peer) -> None:
    @peer.route("GET", "/short")
    def short(req: Request, ex: Exchange) -> None:
        ex.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        ex.close = True

    with Client(peer.host) as client, pytest.raises(ProtocolError):
        client.request("GET", "/short").read()


def test_tcp_host() -> None:
    peer = start_tcp()
    try:
        with Client(peer.host) as client:
            assert client.system.ping() == "OK"
            assert client.api_version == "1.44"
    finally:
        peer.close()


def test_unreachable_without_autostart(short_tmp: Path) -> None:
    with pytest.raises(DaemonUnreachable) as e:
        Client(f"unix://{short_tmp}/none.sock", autostart=False).system.ping()
    assert "Cannot connect to the berth daemon at unix://" in str(e.value)


def test_query_encoding() -> None:
    assert quote("a b/c:d") == "a%20b%2Fc%3Ad"
    assert quote("busybox:latest", safe="/:") == "busybox:latest"
    assert encode_query({"all": True, "limit": None, "x": False}) == "?all=1&x=0"
    assert encode_query([("changes", "CMD [\"sh\"]"), ("changes", "ENV A=1")]) == \
        "?changes=CMD%20%5B%22sh%22%5D&changes=ENV%20A%3D1"
    assert encode_query({}) == ""


FAKE_DAEMON = textwrap.dedent('''
    import socketserver, sys
    path = sys.argv[sys.argv.index("--host") + 1].removeprefix("unix://")

    class H(socketserver.StreamRequestHandler):
        def handle(self):
            while self.rfile.readline() not in (b"\\r\\n", b""):
                pass
            self.wfile.write(b"HTTP/1.1 200 OK\\r\\nApi-Version: 1.43\\r\\n"
                             b"Content-Length: 2\\r\\nConnection: close\\r\\n\\r\\nOK")

    socketserver.UnixStreamServer(path, H).serve_forever()
''')


def test_autostart_starts_a_daemon_and_waits_for_it(short_tmp: Path) -> None:
    script = short_tmp / "fake_berthd.py"
    script.write_text(FAKE_DAEMON)
    sock = str(short_tmp / "run" / "d.sock")
    pid = start_daemon(sock, f"unix://{sock}", timeout=10,
                       command=[sys.executable, str(script), "--host", f"unix://{sock}"])
    try:
        assert pid is not None
        assert (short_tmp / "run" / "berthd.log").exists()
        # one answers now: nothing more is started
        assert start_daemon(sock, f"unix://{sock}") is None
        with Client(f"unix://{sock}") as client:
            assert client.api_version == "1.43"
    finally:
        if pid:
            os.kill(pid, 9)


def test_autostart_reports_a_daemon_that_dies(short_tmp: Path) -> None:
    sock = str(short_tmp / "d.sock")
    with pytest.raises(DaemonUnreachable) as e:
        start_daemon(sock, f"unix://{sock}", timeout=10,
                     command=[sys.executable, "-c", "raise SystemExit(3)"])
    assert "exited with status 3" in str(e.value)


def test_client_import_is_light() -> None:
    code = ("import sys, berth.cli.main, berth.client, berth.cli.commands.run; "
            "print(sorted(m for m in ('typing', 'http.client', 'urllib.request', 'email', "
            "'subprocess', 'threading', 'asyncio', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
