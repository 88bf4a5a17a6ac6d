"""``--insecure-registry`` values read as dockerd 20.10 reads them (each case below
was checked against a real ``dockerd --insecure-registry``), and the order of the
endpoint rules: listed host, loopback, insecure CIDR, verified TLS."""

import ipaddress

import pytest

from berth.errors import InvalidArgument
from berth.registry.client.endpoint import resolve
from berth.registry.client.insecure import InsecureRegistries


def _cidrs(reg: InsecureRegistries) -> list[str]:
    return [str(n) for n in reg.cidrs]


def test_defaults_list_loopback_only() -> None:
    assert InsecureRegistries.parse([]) == InsecureRegistries()
    assert _cidrs(InsecureRegistries()) == ["127.0.0.0/8"]
    assert InsecureRegistries().hosts == ()


def test_values_as_dockerd_keeps_them() -> None:
    reg = InsecureRegistries.parse([
        "10.1.2.3:5000", "myreg.example", "192.168.0.0/16", "10.0.0.1/8",
        "http://httpreg:5000", "HTTPS://secure:443", "[::1]:5000", "::1", "fe80::/10",
        "UPPER.example:5000", "300.1.1.1", "index.docker.io", "docker.io", "127.0.0.0/8",
        "myreg.example"])
    assert reg.hosts == ("10.1.2.3:5000", "myreg.example", "httpreg:5000", "secure:443",
                         "[::1]:5000", "::1", "UPPER.example:5000", "300.1.1.1")
    assert _cidrs(reg) == ["192.168.0.0/16", "10.0.0.0/8", "fe80::/10", "127.0.0.0/8"]


@pytest.mark.parametrize(("value", "message"), [
    ("", 'insecure registry  is not valid: invalid host ""'),
    ("ftp://x", "insecure registry ftp://x should not contain '://'"),
    ("10.0.0.0/33", 'insecure registry 10.0.0.0/33 is not valid: invalid host "10.0.0.0/33"'),
    ("-foo", "invalid index name (-foo). Cannot begin or end with a hyphen"),
    ("host:99999", 'insecure registry host:99999 is not valid: invalid port "99999"'),
    ("a b", 'insecure registry a b is not valid: invalid host "a b"'),
    ("host:abc", 'insecure registry host:abc is not valid: invalid host "host"'),
    ("host/path", 'insecure registry host/path is not valid: invalid host "host/path"'),
    ("[::1]:abc", 'insecure registry [::1]:abc is not valid: strconv.Atoi: parsing "abc": '
                  "invalid syntax"),
])
def test_bad_values_refused_with_dockerds_message(value: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        InsecureRegistries.parse(["ok.example", value])
    assert err.value.message == message


def test_lists_by_host_string_or_address_in_a_cidr() -> None:
    reg = InsecureRegistries.parse(["reg.example:5000", "10.0.0.0/8", "fd00::/8"])
    assert reg.lists("reg.example:5000")
    assert not reg.lists("reg.example:5001")  # a host entry is the exact host:port
    assert reg.lists("10.2.3.4:5000") and reg.lists("10.2.3.4")
    assert not reg.lists("11.2.3.4:5000")
    assert reg.lists("[fd00::1]:5000") and not reg.lists("[fe80::1]:5000")
    assert reg.lists("localhost:5000")  # resolves into 127.0.0.0/8, as in dockerd
    assert not reg.lists("docker.io") and not reg.lists("no-such-host.invalid:5000")


def test_endpoint_rules_in_order() -> None:
    reg = InsecureRegistries.parse(["127.0.0.1:5000", "reg.example:5000", "10.0.0.0/8"])
    listed_loopback = resolve("127.0.0.1:5000", None, reg)  # a listing beats the loopback rule
    assert listed_loopback.secure and not listed_loopback.verify
    assert not resolve("127.0.0.1:5001", None, reg).secure  # loopback: plain HTTP
    by_host = resolve("reg.example:5000", None, reg)
    assert by_host.base_url == "https://reg.example:5000" and not by_host.verify
    by_cidr = resolve("10.9.9.9:443", None, reg)
    assert by_cidr.secure and not by_cidr.verify
    other = resolve("11.0.0.1:443", None, reg)
    assert other.secure and other.verify
    hub = resolve("docker.io", None, InsecureRegistries.parse(["docker.io"]))
    assert hub.verify and hub.host == "registry-1.docker.io"


def test_unverified_context_checks_nothing() -> None:
    ctx = resolve("10.1.1.1:443", None, InsecureRegistries.parse(["10.0.0.0/8"])).ssl_context()
    assert not ctx.check_hostname and ctx.verify_mode.name == "CERT_NONE"
    verified = resolve("11.1.1.1:443", None, InsecureRegistries()).ssl_context()
    assert verified.check_hostname and verified.verify_mode.name == "CERT_REQUIRED"
    assert ipaddress.ip_address("127.0.0.1") in InsecureRegistries().cidrs[0]
