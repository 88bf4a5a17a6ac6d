"""``-p``/``--expose`` read as the docker CLI reads them (its words for a bad one), and the
daemon's answer to published ports before berth publishes them."""

import argparse

import pytest

from berth.cli.hostconfig import exposed_ports, publish_spec
from berth.cli.usage import UsageError
from berth.daemon.ports import HOST_NETWORK_WARNING, checked
from berth.errors import InvalidArgument


@pytest.mark.parametrize("value, bindings", [
    ("80", {"80/tcp": [{"HostIp": "", "HostPort": ""}]}),
    ("8080:80", {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}),
    ("127.0.0.1:8080:53/udp", {"53/udp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}),
    ("127.0.0.1::80", {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}),
    ("[::1]:8080:80", {"80/tcp": [{"HostIp": "::1", "HostPort": "8080"}]}),
    ("8000-8001:80-81", {"80/tcp": [{"HostIp": "", "HostPort": "8000"}],
                         "81/tcp": [{"HostIp": "", "HostPort": "8001"}]}),
])
def test_publish_specs(value, bindings):
    assert publish_spec(value) == bindings


@pytest.mark.parametrize("value, detail", [
    ("x", "Invalid containerPort: x"), ("80/foo", "Invalid proto: foo"),
    ("8080:99999", "Invalid containerPort: 99999"), ("x:80", "Invalid hostPort: x"),
    ("1:2:3:4", "Invalid ip address: 1:2:3:4"),
    ("8000-8002:80-81", "Invalid ranges specified for container and host Ports: 80-81 and "
                        "8000-8002"),
])
def test_bad_publish_specs(value, detail):
    with pytest.raises(UsageError) as info:
        publish_spec(value)
    assert str(info.value) == f'invalid argument "{value}" for "-p, --publish" flag: {detail}'


def test_exposed_ports_from_expose_and_publish():
    args = argparse.Namespace(expose=["90", "53/udp", "7000-7001"], publish=["8080:80"])
    bindings = publish_spec(args.publish[0])
    assert exposed_ports(args.expose, bindings) == {"90/tcp": {}, "53/udp": {}, "7000/tcp": {},
                                   "7001/tcp": {}, "80/tcp": {}}


def test_the_daemon_refuses_bindings_it_cannot_honour():
    hc = {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}}
    with pytest.raises(InvalidArgument, match="cannot publish 80/tcp: berth does not publish "
                                              "ports yet"):
        checked(hc)
    with pytest.raises(InvalidArgument, match=r"all exposed ports \(-P\)"):
        checked({"PublishAllPorts": True})
    host = {**hc, "NetworkMode": "host"}
    assert checked(host) == ({**host, "PortBindings": {}, "PublishAllPorts": False},
                             [HOST_NETWORK_WARNING])
    assert checked({"PortBindings": {"80/tcp": None}}) == ({"PortBindings": {"80/tcp": None}},
                                                           [])
