"""Containers on bridge networks: an address from the network's pool, a default route
via its gateway, inspect's NetworkSettings as dockerd fills them, /etc/hosts, one
container fetching from another by address, and nothing left after they go."""

import json
import subprocess
import time
from ipaddress import IPv4Address, IPv4Interface

import network_fixtures
from network_fixtures import Daemon, iptables_rules, links, unique_bridge

bridged_daemon = network_fixtures.bridged_daemon  # the fixtures these tests take
host_left_alone = network_fixtures.host_left_alone

Bridged = tuple[Daemon, str, str]


def ok(d: Daemon, *args: str) -> str:
    r = d.cli(*args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def veths(bridge: str) -> set[str]:
    """The veths on the bridge (other engines on this host have veths of their own)."""
    out = subprocess.run(["ip", "-o", "link", "show", "master", bridge], capture_output=True,
                         text=True, check=False).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def test_a_container_on_the_default_bridge(bridged_daemon: Bridged) -> None:
    d, device, bip = bridged_daemon
    gateway = bip.split("/")[0]
    subnet = IPv4Interface(bip).network
    cid = ok(d, "run", "-d", "busybox", "sleep", "60").strip()
    info = json.loads(ok(d, "inspect", cid))[0]
    settings = info["NetworkSettings"]
    address = IPv4Address(settings["IPAddress"])
    assert address in subnet and address != IPv4Address(gateway)
    assert settings["Gateway"] == gateway and settings["IPPrefixLen"] == subnet.prefixlen
    assert settings["MacAddress"] == "02:42:" + ":".join(f"{b:02x}" for b in address.packed)
    bridge_net = json.loads(ok(d, "network", "inspect", "bridge"))[0]
    endpoint = settings["Networks"]["bridge"]
    assert endpoint["NetworkID"] == bridge_net["Id"] and endpoint["IPAddress"] == str(address)
    assert bridge_net["Containers"][cid]["IPv4Address"] == f"{address}/{subnet.prefixlen}"
    assert info["HostConfig"]["NetworkMode"] == "default"
    inside = ok(d, "exec", cid, "ip", "-o", "-4", "addr", "show", "eth0")
    assert f"{address}/{subnet.prefixlen}" in inside
    assert ok(d, "exec", cid, "ip", "route").startswith(f"default via {gateway} dev eth0")
    assert f"{address}\t{cid[:12]}" in ok(d, "exec", cid, "cat", "/etc/hosts")
    assert len(veths(device)) == 1
    r = d.cli("network", "rm", "bridge")
    assert "pre-defined" in r.stderr
    host_end = veths(device).pop()
    ok(d, "rm", "-f", cid)
    assert host_end not in links(), "the container's veth outlived it"
    assert not list((d.exec_root / "netns").iterdir())


def test_two_containers_on_a_network_talk_by_address(bridged_daemon: Bridged) -> None:
    d, _, _ = bridged_daemon
    device, bip = unique_bridge()
    subnet = str(IPv4Interface(bip).network)
    ok(d, "network", "create", "--subnet", subnet, "-o",
       f"com.docker.network.bridge.name={device}", "web")
    server = ok(d, "run", "-d", "--network", "web", "busybox", "sh", "-c",
                "mkdir /www && echo hello from the server > /www/index.html && "
                "exec httpd -f -p 80 -h /www").strip()
    info = json.loads(ok(d, "inspect", server))[0]["NetworkSettings"]
    assert info["IPAddress"] == "" and info["Networks"]["web"]["Gateway"] == bip.split("/")[0]
    address = info["Networks"]["web"]["IPAddress"]
    fetched = ""
    for _ in range(50):  # httpd listens a moment after its start
        r = d.cli("run", "--rm", "--network", "web", "busybox", "wget", "-q", "-O", "-",
                  f"http://{address}/")
        fetched = r.stdout
        if r.returncode == 0:
            break
        time.sleep(0.1)
    assert fetched == "hello from the server\n"
    r = d.cli("network", "rm", "web")
    assert r.returncode == 1 and "has active endpoints" in r.stderr
    host_end = veths(device).pop()
    ok(d, "rm", "-f", server)
    assert host_end not in links() and veths(device) == set()
    ok(d, "network", "rm", "web")
    assert device not in links()


def test_none_host_and_a_missing_network(bridged_daemon: Bridged) -> None:
    d, _, _ = bridged_daemon
    out = ok(d, "run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
    assert [line.split(":")[1].strip() for line in out.splitlines()] == ["lo"]
    r = d.cli("run", "--rm", "--network", "nope", "busybox", "true")
    assert r.returncode == 125 and "network nope not found" in r.stderr
    cid = ok(d, "create", "--network", "none", "busybox", "true").strip()
    settings = json.loads(ok(d, "inspect", cid))[0]["NetworkSettings"]
    assert settings["IPAddress"] == "" and settings["Networks"] == {}


def test_the_bridges_nat_rule_goes_with_it(bridged_daemon: Bridged) -> None:
    d, device, bip = bridged_daemon
    subnet = str(IPv4Interface(bip).network)
    rules = iptables_rules()
    assert f"-A POSTROUTING -s {subnet} ! -o {device} -j MASQUERADE" in rules
    assert f"-A BERTH-FORWARD -i {device} -j ACCEPT" in rules
    internal, ibip = unique_bridge()
    ok(d, "network", "create", "--internal", "--subnet", str(IPv4Interface(ibip).network),
       "-o", f"com.docker.network.bridge.name={internal}", "inside")
    assert not any(internal in rule for rule in iptables_rules())
    cid = ok(d, "run", "-d", "--network", "inside", "busybox", "sleep", "60").strip()
    assert "default" not in ok(d, "exec", cid, "ip", "route")
    ok(d, "rm", "-f", cid)
    ok(d, "network", "rm", "inside")
