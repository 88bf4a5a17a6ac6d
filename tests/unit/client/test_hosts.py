"""Host selection and parsing."""

import pytest

from berth.client.errors import ClientError
from berth.client.hosts import DEFAULT_HOST, parse_host, resolve_host


def test_precedence() -> None:
    env = {"BERTH_HOST": "unix:///b.sock", "DOCKER_HOST": "unix:///d.sock"}
    assert resolve_host("tcp://h:1", env) == "tcp://h:1"
    assert resolve_host(None, env) == "unix:///b.sock"
    assert resolve_host(None, {"DOCKER_HOST": "unix:///d.sock"}) == "unix:///d.sock"
    assert resolve_host(None, {}) == DEFAULT_HOST == "unix:///run/berth/berthd.sock"


def test_parse() -> None:
    assert parse_host("unix:///run/x.sock") == ("unix", "/run/x.sock")
    assert parse_host("/run/x.sock") == ("unix", "/run/x.sock")
    assert parse_host("tcp://10.0.0.1:2376") == ("tcp", ("10.0.0.1", 2376))
    assert parse_host("tcp://example") == ("tcp", ("example", 2375))
    assert parse_host("tcp://[::1]:99") == ("tcp", ("::1", 99))
    assert parse_host("http://h:5/") == ("tcp", ("h", 5))
    for bad in ("ssh://me@h", "unix://", "tcp://h:port"):
        with pytest.raises(ClientError):
            parse_host(bad)
