"""The environment's proxies read as Go's ProxyFromEnvironment reads them, docker
info's masking, and kept-alive connections to a small local HTTP server."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from berth.errors import InvalidArgument
from berth.registry.client import proxy, transport
from berth.registry.client.endpoint import Endpoint
from berth.registry.client.proxy import Proxies, Proxy


def test_upper_case_first_then_lower_case() -> None:
    p = Proxies.from_env({"HTTP_PROXY": "http://a:1", "http_proxy": "http://b:2",
                          "https_proxy": "c:3", "no_proxy": "x"})
    assert p == Proxies("http://a:1", "c:3", "x")
    assert Proxies.from_env({"HTTPS_PROXY": "", "https_proxy": "d:4"}).https == "d:4"


def test_by_scheme_and_never_for_loopback() -> None:
    p = Proxies(http="http://hp:3128", https="sp:3129")
    assert p.for_url("http://reg.example/v2/") == Proxy("hp:3128")
    assert p.for_url("https://reg.example/v2/") == Proxy("sp:3129")  # no scheme: http://
    for url in ("http://localhost:5000/v2/", "https://127.0.0.1/v2/", "http://127.1.2.3/",
                "https://[::1]:5000/v2/"):
        assert p.for_url(url) is None
    assert Proxies(http="http://hp:3128").for_url("https://reg.example/") is None


@pytest.mark.parametrize(("no_proxy", "url", "direct"), [
    ("*", "https://any.where/", True),
    ("foo.com", "https://foo.com/", True),
    ("foo.com", "https://a.b.foo.com/", True),
    ("foo.com", "https://barfoo.com/", False),
    (".foo.com", "https://foo.com/", False),
    (".foo.com", "https://a.foo.com/", True),
    ("*.foo.com", "https://a.foo.com/", True),
    ("foo.com:5000", "https://foo.com:5000/", True),
    ("foo.com:5000", "https://foo.com/", False),
    (" other , FOO.com ", "https://foo.com/", True),
    ("10.0.0.0/8", "https://10.1.2.3:5000/", True),
    ("10.0.0.0/8", "https://11.1.2.3/", False),
    ("192.168.1.7", "https://192.168.1.7/", True),
    ("[2001:db8::1]:443", "https://[2001:db8::1]/", True),
])
def test_no_proxy(no_proxy: str, url: str, direct: bool) -> None:
    p = Proxies(http="http://hp:1", https="http://hp:1", no_proxy=no_proxy)
    assert (p.for_url(url) is None) == direct


def test_credentials_and_masking() -> None:
    parsed = proxy.parse("http://us%40er:p%3Ass@proxy.example:3128")
    assert parsed == Proxy("proxy.example:3128", "Basic dXNAZXI6cDpzcw==")  # us@er:p:ss
    assert proxy.parse("proxy.example") == Proxy("proxy.example:80")
    assert proxy.masked("http://us%40er:p%3Ass@proxy.example:3128") == (
        "http://xxxxx:xxxxx@proxy.example:3128")
    assert proxy.masked("127.0.0.1:3129") == "127.0.0.1:3129"
    assert proxy.masked("") == ""
    for bad in ("socks5://p:1080", "https://p:3129", "http://"):
        with pytest.raises(InvalidArgument, match="only http:// proxies are supported"):
            proxy.parse(bad)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: list[tuple[str, int]] = []
    sockets: list[socket.socket] = []

    def do_GET(self) -> None:
        self.peers.append(self.client_address)
        self.sockets.append(self.connection)
        body = b"x" * (100 if self.path == "/small" else 1 << 20)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_connections_are_kept_alive_and_a_dropped_one_replaced() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ep = Endpoint("127.0.0.1", f"127.0.0.1:{server.server_port}", secure=False)
        url = f"{ep.base_url}/small"
        for _ in range(3):
            assert transport.send(ep, "GET", url).read_all() == b"x" * 100
        assert len(set(_Handler.peers)) == 1  # one connection for the three
        _Handler.sockets[-1].shutdown(socket.SHUT_RDWR)  # the server drops it while idle
        assert transport.send(ep, "GET", url).read_all() == b"x" * 100  # sent again, anew
        assert len(set(_Handler.peers)) == 2
        with transport.send(ep, "GET", f"{ep.base_url}/big") as resp:
            resp.read(10)  # closed early: its connection is not kept
        assert transport.send(ep, "GET", url).read_all() == b"x" * 100
        assert len(set(_Handler.peers)) == 3
    finally:
        server.shutdown()
        server.server_close()
