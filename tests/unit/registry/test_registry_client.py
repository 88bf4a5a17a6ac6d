"""registry.client without a registry: challenges, docker's config.json and helpers,
endpoints, platforms, and the token flow and blob resume against a tiny HTTP peer."""

import base64
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from berth.errors import FailedPrecondition, InvalidArgument, Unauthorized
from berth.images.pull import _matches, parse_platform
from berth.oci.image import Platform
from berth.registry.client import endpoint
from berth.registry.client.auth import Authorizer, parse_challenges
from berth.registry.client.dockerconfig import Credentials, DockerConfig
from berth.registry.client.fetch import fetch_blob
from berth.registry.client.repository import Repository


def test_challenges():
    (ch,) = parse_challenges('Bearer realm="https://auth.example/token",service="reg",'
                             'scope="repository:a/b:pull,push"')
    assert ch.scheme == "bearer"
    assert ch.params == {"realm": "https://auth.example/token", "service": "reg",
                         "scope": "repository:a/b:pull,push"}
    basic, bearer = parse_challenges('Basic realm="x", Bearer realm="y"')
    assert (basic.scheme, basic.params, bearer.params) == ("basic", {"realm": "x"},
                                                           {"realm": "y"})
    assert parse_challenges("") == []


def test_registry_auth_header_round_trip():
    creds = Credentials("alice", "pw", server="127.0.0.1:5000")
    assert Credentials.from_header(creds.to_header()) == creds
    unpadded = base64.urlsafe_b64encode(b'{"identitytoken":"tok"}').decode().rstrip("=")
    assert Credentials.from_header(unpadded).identity_token == "tok"
    assert Credentials.from_header("e30=").empty
    with pytest.raises(InvalidArgument):
        Credentials.from_header("!!!not base64")


def test_docker_config_file(tmp_path):
    config = DockerConfig(tmp_path)
    assert config.get("127.0.0.1:5000").empty
    config.store("127.0.0.1:5000", Credentials("alice", "s3:cret"))
    data = json.loads((tmp_path / "config.json").read_text())
    assert data["auths"]["127.0.0.1:5000"]["auth"] == base64.b64encode(b"alice:s3:cret").decode()
    assert os.stat(tmp_path / "config.json").st_mode & 0o777 == 0o600
    assert config.get("127.0.0.1:5000") == Credentials("alice", "s3:cret",
                                                       server="127.0.0.1:5000")
    assert config.erase("127.0.0.1:5000") and not config.erase("127.0.0.1:5000")
    assert config.get("127.0.0.1:5000").empty
    (tmp_path / "config.json").write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:pw").decode()},
        "http://reg.example:5000/v2/": {"auth": base64.b64encode(b"old:style").decode()}}}))
    assert config.get("https://index.docker.io/v1/").username == "hub"
    assert config.get("reg.example:5000").password == "style"


def test_docker_config_credential_helper(tmp_path, monkeypatch):
    """``credsStore`` runs ``docker-credential-<name>``: a shell helper keeps one secret."""
    store = tmp_path / "secret.json"
    helper = tmp_path / "bin" / "docker-credential-testing"
    helper.parent.mkdir()
    helper.write_text(f"""#!/bin/sh
case "$1" in
  store) cat > {store} ;;
  get) read key
       if [ -f {store} ]; then cat {store}
       else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) rm -f {store} ;;
esac
""")
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}:{os.environ['PATH']}")
    (tmp_path / "config.json").write_text(json.dumps({"credsStore": "testing"}))
    config = DockerConfig(tmp_path)
    assert config.get("reg.example").empty
    config.store("reg.example", Credentials("bob", "hunter2"))
    assert json.loads(store.read_text()) == {"ServerURL": "reg.example", "Username": "bob",
                                             "Secret": "hunter2"}
    assert "auth" not in json.loads((tmp_path / "config.json").read_text())["auths"][
        "reg.example"]
    assert config.get("reg.example") == Credentials("bob", "hunter2", server="reg.example")
    config.store("reg.example", Credentials(identity_token="refresh"))
    assert config.get("reg.example").identity_token == "refresh"
    assert config.erase("reg.example") and not store.exists()
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {"x.example": "nosuch"}}))
    with pytest.raises(FailedPrecondition, match="docker-credential-nosuch"):
        DockerConfig(tmp_path).get("x.example")


def test_endpoints(tmp_path):
    for host in ("localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000", "localhost"):
        assert not endpoint.resolve(host).secure, host
    hub = endpoint.resolve("docker.io")
    assert hub.secure and hub.base_url == "https://registry-1.docker.io"
    (tmp_path / "reg.example:443").mkdir()
    (tmp_path / "reg.example:443" / "ca.crt").write_text("")
    assert endpoint.resolve("reg.example:443", tmp_path).ca_files == (
        tmp_path / "reg.example:443" / "ca.crt",)
    assert endpoint.config_key("docker.io") == "https://index.docker.io/v1/"
    assert endpoint.domain_of("https://index.docker.io/v1/") == "docker.io"
    assert endpoint.domain_of("http://127.0.0.1:5000/v2/") == "127.0.0.1:5000"
    assert endpoint.domain_of("") == "docker.io"


def test_platforms():
    assert parse_platform("", "amd64") == Platform("amd64", "linux")
    assert parse_platform("linux/arm64/v8", "amd64") == Platform("arm64", "linux")
    assert parse_platform("linux/arm/v7", "amd64") == Platform("arm", "linux", "v7")
    with pytest.raises(InvalidArgument):
        parse_platform("linux//", "amd64")
    assert _matches(Platform("arm64", "linux"), Platform("arm64", "linux", "v8"))
    assert not _matches(Platform("arm", "linux", "v7"), Platform("arm", "linux", "v6"))


# -- a tiny peer: bearer tokens, and a blob whose first body is cut -----------------------


class Peer:
    def __init__(self) -> None:
        self.token_requests: list[str] = []
        self.blob_requests: list[str] = []
        self.blob = bytes(range(256)) * 400
        self.ignore_range = False
        self.expires_in = 300
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/token"):
                    peer.token_requests.append(self.path)
                    if self.headers.get("Authorization") != "Basic " + base64.b64encode(
                            b"u:p").decode():
                        return self._send(401, b"{}")
                    token = f"t{len(peer.token_requests)}"
                    return self._send(200, json.dumps(
                        {"access_token": token, "expires_in": peer.expires_in}).encode())
                if not (self.headers.get("Authorization") or "").startswith("Bearer t"):
                    realm = f"http://{peer.host}/token"
                    return self._send(401, b"{}", {
                        "WWW-Authenticate": f'Bearer realm="{realm}",service="peer"'})
                peer.blob_requests.append(self.headers.get("Range") or "")
                start = 0
                rng = self.headers.get("Range")
                if rng and not peer.ignore_range:
                    start = int(rng.removeprefix("bytes=").rstrip("-"))
                body = peer.blob[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if len(peer.blob_requests) == 1:  # the first body is cut halfway
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

            def do_POST(self) -> None:  # an OAuth2 refresh token (docker's identity token)
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                peer.token_requests.append("POST " + json.dumps(form, sort_keys=True))
                if form.get("refresh_token") != ["rt"] or form.get("grant_type") != [
                        "refresh_token"]:
                    return self._send(401, b"{}")
                self._send(200, b'{"access_token": "t-refresh", "expires_in": 300}')

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None
                      ) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    yield p
    p.server.shutdown()
    p.server.server_close()


class Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    @property
    def size(self) -> int:
        return len(self.data)

    def write(self, data: bytes) -> None:
        self.data += data


@pytest.mark.parametrize("ignore_range", [False, True])
def test_token_flow_and_resumed_blob(peer, ignore_range):
    peer.ignore_range = ignore_range
    ep = endpoint.resolve(peer.host)
    repo = Repository(ep, "a/b", Authorizer(ep, Credentials("u", "p")))
    sink = Sink()
    digest = "sha256:" + "0" * 64
    fetch_blob(repo, digest, len(peer.blob), sink)
    assert bytes(sink.data) == peer.blob
    assert peer.blob_requests[0] == "" and peer.blob_requests[1].startswith("bytes=")
    assert len(peer.token_requests) == 1  # cached for the second request
    assert "scope=repository%3Aa%2Fb%3Apull" in peer.token_requests[0]
    assert "service=peer" in peer.token_requests[0] and "account=u" in peer.token_requests[0]


def test_identity_token(peer):
    ep = endpoint.resolve(peer.host)
    repo = Repository(ep, "a/b", Authorizer(ep, Credentials(identity_token="rt")))
    sink = Sink()
    fetch_blob(repo, "sha256:" + "0" * 64, len(peer.blob), sink)
    assert bytes(sink.data) == peer.blob
    (sent,) = peer.token_requests
    form = json.loads(sent.removeprefix("POST "))
    assert form["scope"] == ["repository:a/b:pull"] and form["service"] == ["peer"]


def test_refused_credentials(peer):
    ep = endpoint.resolve(peer.host)
    repo = Repository(ep, "a/b", Authorizer(ep, Credentials("u", "wrong")))
    with pytest.raises(Unauthorized, match="unauthorized"):
        repo.blob("sha256:" + "0" * 64)
