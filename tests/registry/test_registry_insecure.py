"""``berthd --insecure-registry``, against Debian's docker-registry (CNCF distribution
2.8) listening on the host's own, non-loopback address: one registry speaking plain
HTTP, one HTTPS with a self-signed certificate and basic auth.

Without the flag, both are refused with dockerd's words (``http: server gave HTTP
response to HTTPS client``, ``x509: certificate signed by unknown authority``,
naming ``https://HOST/v2/``) by pull, push, login and ``GET /distribution``. With
it (the HTTP one listed by ``host:port``, the TLS one by a CIDR holding its IP),
all four work: HTTPS unverified first, plain HTTP when no TLS answer comes.
``GET /info`` and ``berth info`` report the list as dockerd does, and bad values
stop berthd at its start with dockerd's messages."""

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from distribution import Registry, htpasswd, primary_ipv4, start_registry

from berth.client import Client
from berth.client.errors import APIError

USER, PASSWORD = "marin", "s3cret-pass"


@dataclass
class Site:
    """The two registries on this host's address, and a docker config dir per test."""

    ip: str
    plain: Registry  # HTTP
    tls: Registry  # HTTPS, self-signed, htpasswd
    root: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    ip = primary_ipv4()
    with tempfile.TemporaryDirectory(prefix="berth-insecure-") as tmp:
        root = Path(tmp)
        pki = root / "pki"
        pki.mkdir()
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key",
                 "-out", "srv.crt", "-days", "1", "-subj", f"/CN={ip}",
                 "-addext", f"subjectAltName=IP:{ip}", cwd=pki)
        htpasswd(root / "htpasswd", USER, PASSWORD)
        plain = start_registry(root / "plain", ip=ip)
        try:
            tls = start_registry(root / "tls", htpasswd_file=root / "htpasswd",
                                 tls=(pki / "srv.crt", pki / "srv.key"), ip=ip)
            try:
                yield Site(ip, plain, tls, root)
            finally:
                tls.stop()
        finally:
            plain.stop()


@pytest.fixture(scope="module")
def flagged(site: Site, daemon_factory: Callable[..., object]):
    """A berthd told that the HTTP registry (by host:port) and the TLS one (by the
    CIDR of this host's address) are insecure, plus a scheme dockerd drops."""
    return daemon_factory("--insecure-registry", site.plain.host,
                          f"--insecure-registry={site.ip}/32",
                          "--insecure-registry", "http://reg.example:5000")


def _cli(d, config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The berth CLI with its own docker config (logins written there, not in ~)."""
    env = {**d.env, "DOCKER_CONFIG": str(config_dir)}
    r = subprocess.run([sys.executable, "-m", "berth.cli.main", *args], env=env,
                       capture_output=True, timeout=120)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(),
                                       r.stderr.decode())


def _client(d) -> Client:
    return Client(f"unix://{d.socket}", autostart=False)


def _image_id(d, ref: str) -> str:
    r = d.cli("image", "inspect", "--format", "{{.Id}}", ref)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


# -- without the flag: dockerd's refusals --------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "tls"])
def test_unlisted_registries_are_refused_like_dockerd(daemon, site: Site, kind: str,
                                                      tmp_path: Path) -> None:
    reg = site.plain if kind == "plain" else site.tls
    reason = ("http: server gave HTTP response to HTTPS client" if kind == "plain"
              else "x509: certificate signed by unknown authority")
    expected = f'Get "https://{reg.host}/v2/": '
    ref = f"{reg.host}/unlisted/app"

    r = _cli(daemon, tmp_path, "pull", ref)
    assert r.returncode == 1 and expected in r.stderr and reason in r.stderr, r.stderr

    assert daemon.cli("tag", "busybox", ref).returncode == 0
    try:
        r = _cli(daemon, tmp_path, "push", ref)
        assert r.returncode == 1 and expected in r.stderr and reason in r.stderr, r.stderr
    finally:
        assert daemon.cli("rmi", ref).returncode == 0

    r = _cli(daemon, tmp_path, "login", "-u", USER, "-p", PASSWORD, reg.host)
    assert r.returncode == 1 and expected in r.stderr and reason in r.stderr, r.stderr
    assert not (tmp_path / "config.json").exists()

    with _client(daemon) as c, pytest.raises(APIError) as err:
        c.call("GET", f"/distribution/{ref}/json")
    assert expected in str(err.value) and reason in str(err.value)


# -- with the flag --------------------------------------------------------------------------


def test_plain_http_registry_listed_by_host_port(flagged, site: Site, tmp_path: Path) -> None:
    """HTTPS is tried first (the registry answers it with HTTP), then plain HTTP."""
    ref = f"{site.plain.host}/team/app:1.0"
    busybox = _image_id(flagged, "busybox")
    r = _cli(flagged, tmp_path, "login", "-u", "anyone", "-p", "anything", site.plain.host)
    assert r.returncode == 0 and r.stdout.strip().endswith("Login Succeeded"), r.stderr

    assert flagged.cli("tag", "busybox", ref).returncode == 0
    r = _cli(flagged, tmp_path, "push", ref)
    assert r.returncode == 0, r.stderr
    digest = r.stdout.strip().splitlines()[-1].split()[2]
    assert digest.startswith("sha256:"), r.stdout

    with _client(flagged) as c:
        described = c.call("GET", f"/distribution/{ref}/json")
    assert described["Descriptor"]["digest"] == digest
    assert described["Platforms"][0]["os"] == "linux"

    assert flagged.cli("rmi", ref).returncode == 0
    r = _cli(flagged, tmp_path, "pull", ref)
    assert r.returncode == 0, r.stderr
    assert f"Digest: {digest}" in r.stdout
    assert _image_id(flagged, ref) == busybox
    assert flagged.cli("rmi", ref).returncode == 0


def test_self_signed_registry_listed_by_cidr(flagged, site: Site, tmp_path: Path) -> None:
    """HTTPS without verification, with basic auth: login (refused, then taken),
    push, inspect, pull."""
    host = site.tls.host
    ref = f"{host}/secure/app"
    busybox = _image_id(flagged, "busybox")
    r = _cli(flagged, tmp_path, "login", "-u", USER, "-p", "wrong", host)
    assert r.returncode == 1 and "unauthorized" in r.stderr.lower(), r.stderr
    r = _cli(flagged, tmp_path, "login", "-u", USER, "-p", PASSWORD, host)
    assert r.returncode == 0 and "Login Succeeded" in r.stdout, r.stderr
    assert host in json.loads((tmp_path / "config.json").read_text())["auths"]

    assert flagged.cli("tag", "busybox", ref).returncode == 0
    r = _cli(flagged, tmp_path, "push", ref)
    assert r.returncode == 0, r.stderr
    digest = r.stdout.strip().splitlines()[-1].split()[2]

    auth = _cli(flagged, tmp_path, "pull", ref)  # with the login: the header is sent
    assert auth.returncode == 0, auth.stderr
    assert flagged.cli("rmi", ref).returncode == 0
    r = _cli(flagged, tmp_path, "pull", ref)
    assert r.returncode == 0, r.stderr
    assert f"Digest: {digest}" in r.stdout
    assert _image_id(flagged, ref) == busybox

    r = _cli(flagged, tmp_path / "nobody", "pull", ref)  # the registry still wants a login
    assert r.returncode == 1 and "unauthorized" in r.stderr.lower(), r.stderr
    assert flagged.cli("rmi", ref).returncode == 0


def test_listed_registry_that_is_down_names_the_http_attempt(flagged, site: Site,
                                                            tmp_path: Path) -> None:
    """Neither HTTPS nor HTTP answers: the error is the last attempt's, as dockerd's."""
    from distribution import free_port

    host = f"{site.ip}:{free_port(site.ip)}"
    r = _cli(flagged, tmp_path, "pull", f"{host}/nothing/here")  # covered by the /32
    assert r.returncode == 1, r.stderr
    assert f'Get "http://{host}/v2/": connection refused' in r.stderr


# -- GET /info and berth info ----------------------------------------------------------------


def test_info_reports_the_insecure_registries(flagged, site: Site) -> None:
    with _client(flagged) as c:
        config = c.system.info()["RegistryConfig"]
    index = {"Mirrors": [], "Secure": False, "Official": False}
    assert config == {
        "AllowNondistributableArtifactsCIDRs": [],
        "AllowNondistributableArtifactsHostnames": [],
        "InsecureRegistryCIDRs": [f"{site.ip}/32", "127.0.0.0/8"],
        "IndexConfigs": {
            site.plain.host: {"Name": site.plain.host, **index},
            "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True,
                          "Official": True},
            "reg.example:5000": {"Name": "reg.example:5000", **index},
        },
        "Mirrors": [],
    }
    r = flagged.cli("info")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    start = lines.index(" Insecure Registries:")
    hosts = sorted([f"  {site.plain.host}", "  reg.example:5000"])
    assert lines[start + 1:start + 5] == [*hosts, f"  {site.ip}/32", "  127.0.0.0/8"]
    log = (flagged.root / "berthd.log").read_text()
    assert ("insecure registry http://reg.example:5000 should not contain 'http://'"
            in log), log

    # the docker CLI reads the same answer into the same list (its hosts in map order)
    env = {**flagged.env, "DOCKER_HOST": f"unix://{flagged.socket}"}
    theirs = subprocess.run(["docker", "info"], env=env, capture_output=True, text=True,
                            timeout=60).stdout.splitlines()
    start = theirs.index(" Insecure Registries:")
    assert sorted(theirs[start + 1:start + 3]) == hosts
    assert theirs[start + 3:start + 5] == [f"  {site.ip}/32", "  127.0.0.0/8"]


def test_info_without_the_flag_lists_loopback_only(daemon) -> None:
    with _client(daemon) as c:
        config = c.system.info()["RegistryConfig"]
    assert config["InsecureRegistryCIDRs"] == ["127.0.0.0/8"]
    assert config["IndexConfigs"] == {"docker.io": {"Name": "docker.io", "Mirrors": [],
                                                    "Secure": True, "Official": True}}
    r = daemon.cli("info")
    lines = r.stdout.splitlines()
    start = lines.index(" Insecure Registries:")
    assert lines[start + 1] == "  127.0.0.0/8" and not lines[start + 2].startswith("  ")


# -- bad values: berthd does not start --------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    ("", 'insecure registry  is not valid: invalid host ""'),
    ("ftp://reg.example", "insecure registry ftp://reg.example should not contain '://'"),
    ("10.0.0.0/33", 'insecure registry 10.0.0.0/33 is not valid: invalid host "10.0.0.0/33"'),
    ("reg.example:99999", 'insecure registry reg.example:99999 is not valid: invalid port '
                          '"99999"'),
    ("reg.example/path", 'insecure registry reg.example/path is not valid: invalid host '
                         '"reg.example/path"'),
    ("reg example", 'insecure registry reg example is not valid: invalid host "reg example"'),
    ("-reg.example", "invalid index name (-reg.example). Cannot begin or end with a hyphen"),
])
def test_bad_values_stop_berthd_at_its_start(value: str, message: str) -> None:
    with tempfile.TemporaryDirectory(prefix="berth-badflag-") as tmp:
        root = Path(tmp)
        sock = root / "run" / "berthd.sock"
        r = subprocess.run([sys.executable, "-m", "berth.api.main", "--host", f"unix://{sock}",
                            "--data-root", str(root / "data"), "--exec-root", str(root / "run"),
                            "--insecure-registry", "10.9.8.7:5000",
                            f"--insecure-registry={value}"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r.stderr
        assert r.stderr.strip().splitlines()[-1] == f"berthd: failed to start daemon: {message}"
        assert not (root / "data").exists() and not sock.exists()
