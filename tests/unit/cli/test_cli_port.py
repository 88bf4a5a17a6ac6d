"""``berth port``'s lines and refusals, worded as the docker CLI's."""

import pytest

from berth.cli.commands.port import lines

PORTS = {
    "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}],
    "9/udp": [{"HostIp": "127.0.0.1", "HostPort": "9009"}],
    "443/tcp": None,  # exposed, not published
}


def test_all_mappings_sorted_naturally():
    assert lines(PORTS, None, "web") == [
        "9/udp -> 127.0.0.1:9009", "80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080"]


def test_one_port_defaults_to_tcp():
    assert lines(PORTS, "80", "web") == ["0.0.0.0:8080", "[::]:8080"]
    assert lines(PORTS, "9/udp", "web") == ["127.0.0.1:9009"]


def test_unpublished_and_invalid_ports():
    for private in ("443", "9", "81/tcp"):
        with pytest.raises(ValueError, match=f"No public port '{private}' published for web"):
            lines(PORTS, private, "web")
    with pytest.raises(ValueError, match=r'invalid port \(8x\)'):
        lines(PORTS, "8x", "web")
    with pytest.raises(ValueError, match=r'invalid port \(70000\)'):
        lines(PORTS, "70000", "web")
    assert lines({}, None, "web") == []
