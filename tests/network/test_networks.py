"""Networks through the API and the CLI: the predefined ones, the default bridge's
device, bridge networks made and removed with their devices, dockerd's refusals."""

import json
import subprocess
from ipaddress import IPv4Interface
from pathlib import Path

import network_fixtures
import pytest
from network_fixtures import Daemon, links, root_conftest, unique_bridge

bridged_daemon = network_fixtures.bridged_daemon  # the fixtures these tests take
host_left_alone = network_fixtures.host_left_alone

Bridged = tuple[Daemon, str, str]


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def addresses(device: str) -> list[str]:
    out = subprocess.run(["ip", "-o", "-4", "addr", "show", "dev", device], capture_output=True,
                         text=True, check=True).stdout
    return [line.split()[3] for line in out.splitlines()]


def ok(d: Daemon, *args: str) -> str:
    r = d.cli(*args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_the_predefined_networks_and_the_default_bridges_device(bridged_daemon: Bridged) -> None:
    d, device, bip = bridged_daemon
    lines = ok(d, "network", "ls").splitlines()
    assert lines[0].split() == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
    assert [line.split()[1:] for line in lines[1:]] == [
        ["bridge", "bridge", "local"], ["host", "host", "local"], ["none", "null", "local"]]
    info = json.loads(ok(d, "network", "inspect", "bridge"))[0]
    assert info["IPAM"]["Config"] == [{"Subnet": str(IPv4Interface(bip).network),
                                       "Gateway": bip.split("/")[0]}]
    assert info["Options"]["com.docker.network.bridge.name"] == device
    assert info["Options"]["com.docker.network.bridge.default_bridge"] == "true"
    assert addresses(device) == [bip]
    for name in ("bridge", "host", "none"):
        r = d.cli("network", "rm", name)
        assert r.returncode == 1
        assert r.stderr == (f"Error response from daemon: {name} is a pre-defined network "
                            "and cannot be removed\n")
        r = d.cli("network", "create", name)
        assert f"{name} is a pre-defined network and cannot be created" in r.stderr


def test_a_bridge_network_made_and_removed_with_its_device(bridged_daemon: Bridged) -> None:
    d, _, _ = bridged_daemon
    device, bip = unique_bridge()
    subnet = str(IPv4Interface(bip).network)
    base = subnet.rsplit(".", 1)[0]
    nid = ok(d, "network", "create", "--subnet", subnet, "--gateway", f"{base}.254",
             "--ip-range", f"{base}.128/25", "--aux-address", f"router={base}.130",
             "-o", f"com.docker.network.bridge.name={device}",
             "-o", "com.docker.network.driver.mtu=1400", "--internal", "--attachable",
             "--label", "team=a", "web").strip()
    assert len(nid) == 64
    info = json.loads(ok(d, "network", "inspect", nid[:10]))[0]
    assert info["Name"] == "web" and info["Id"] == nid and info["Driver"] == "bridge"
    assert info["Internal"] is True and info["Attachable"] is True
    assert info["Labels"] == {"team": "a"} and info["Containers"] == {}
    assert info["IPAM"]["Config"] == [{"Subnet": subnet, "Gateway": f"{base}.254",
                                       "IPRange": f"{base}.128/25",
                                       "AuxiliaryAddresses": {"router": f"{base}.130"}}]
    assert addresses(device) == [f"{base}.254/24"]
    assert "mtu 1400" in subprocess.run(["ip", "link", "show", device], capture_output=True,
                                        text=True).stdout
    r = d.cli("network", "create", "web")
    assert r.stderr == "Error response from daemon: network with name web already exists\n"
    r = d.cli("network", "create", "--subnet", subnet, "other")
    assert "conflicts with network" in r.stderr and "networks have overlapping IPv4" in r.stderr
    assert ok(d, "network", "ls", "-q", "--filter", "label=team=a").split() == [nid[:12]]
    assert ok(d, "network", "ls", "--filter", "type=custom", "--format",
              "{{.Name}} {{.Internal}}") == "web true\n"
    assert ok(d, "network", "rm", "web") == "web\n"
    assert device not in links()
    r = d.cli("network", "inspect", "web")
    assert r.returncode == 1 and r.stderr == "Error: No such network: web\n"
    r = d.cli("network", "rm", "web")
    assert r.stderr == "Error response from daemon: network web not found\n"


def test_create_refuses_what_docker_refuses(bridged_daemon: Bridged) -> None:
    d, _, _ = bridged_daemon
    for args, message in (
            (("-d", "overlayish"), 'plugin "overlayish" not found'),
            (("-d", "host"), 'only one instance of "host" network is allowed'),
            (("--subnet", "bad"), "invalid CIDR address: bad"),
            (("--subnet", "10.232.0.0/24", "--gateway", "10.232.1.1"),
             "no matching subnet for gateway 10.232.1.1"),
            (("--gateway", "10.232.1.1"),
             "every ip-range or gateway must have a corresponding subnet"),
            (("-o", "com.docker.network.bridge.name=a/b"), "invalid bridge name")):
        r = d.cli("network", "create", *args, "n1")
        assert r.returncode == 1 and message in r.stderr, (args, r.stderr)
    assert "n1" not in ok(d, "network", "ls")


def test_a_subnet_is_chosen_from_the_pools_and_prune_takes_custom_networks(
        bridged_daemon: Bridged) -> None:
    d, _, _ = bridged_daemon
    nid = ok(d, "network", "create", "auto").strip()
    config = json.loads(ok(d, "network", "inspect", "auto"))[0]["IPAM"]["Config"][0]
    assert config["Subnet"].startswith(("172.", "192.168."))
    assert addresses(f"br-{nid[:12]}") == [f"{config['Gateway']}/{config['Subnet'][-2:]}"]
    r = d.cli("network", "prune", "-f")
    assert r.returncode == 0 and r.stdout == "Deleted Networks:\nauto\n"
    assert f"br-{nid[:12]}" not in links()
    assert [line.split()[1] for line in ok(d, "network", "ls").splitlines()[1:]] == [
        "bridge", "host", "none"]


def test_the_default_bridge_goes_with_berthd_and_comes_back_the_same(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        host_left_alone: object) -> None:
    start_daemon, stop_daemon = root_conftest(request).start_daemon, root_conftest(
        request).stop_daemon
    device, bip = unique_bridge()
    root = tmp_path_factory.mktemp("restart")
    d = start_daemon(root, ("--bridge", device, "--bip", bip))
    try:
        first = json.loads(ok(d, "network", "inspect", "bridge"))[0]
        assert device in links()
        d.process.terminate()
        d.process.wait(20)
        assert device not in links(), "a stopped berthd left its bridge"
        (root / "berthd.log").rename(root / "berthd.1.log")
        d = start_daemon(root, ("--bridge", device, "--bip", bip))
        again = json.loads(ok(d, "network", "inspect", "bridge"))[0]
        assert again["Id"] == first["Id"] and addresses(device) == [bip]
    finally:
        stop_daemon(d)
    assert device not in links()


def test_bridge_none_means_no_default_network(daemon: Daemon) -> None:
    names = [line.split()[1] for line in ok(daemon, "network", "ls").splitlines()[1:]]
    assert names == ["host", "none"]
    r = daemon.cli("network", "inspect", "bridge")
    assert r.stderr == "Error: No such network: bridge\n"


def test_docker_clis_drive_networks(bridged_daemon: Bridged) -> None:
    d, _, _ = bridged_daemon
    env = {"DOCKER_HOST": f"unix://{d.socket}", "PATH": "/usr/bin:/bin", "HOME": str(d.root)}
    for binary in ("/usr/bin/docker", "/usr/local/bin/docker"):
        def docker(*args: str, binary: str = binary) -> subprocess.CompletedProcess[str]:
            return subprocess.run([binary, *args], env=env, capture_output=True, text=True,
                                  timeout=30)

        device, bip = unique_bridge()
        r = docker("network", "create", "--subnet", str(IPv4Interface(bip).network),
                   "-o", f"com.docker.network.bridge.name={device}", "dn")
        assert r.returncode == 0, r.stderr
        assert device in links()
        r = docker("network", "ls", "--format", "{{.Name}}/{{.Driver}}")
        assert r.stdout.split() == ["bridge/bridge", "dn/bridge", "host/host", "none/null"]
        r = docker("network", "inspect", "-f", "{{.Name}} {{(index .IPAM.Config 0).Subnet}}",
                   "dn")
        assert r.stdout == f"dn {IPv4Interface(bip).network}\n"
        r = docker("network", "rm", "none")
        assert "none is a pre-defined network and cannot be removed" in r.stderr
        assert docker("network", "rm", "dn").stdout == "dn\n"
        assert device not in links()


def test_a_second_engine_does_not_take_over_a_bridge(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        bridged_daemon: Bridged) -> None:
    d, device, bip = bridged_daemon
    _, other_bip = unique_bridge()
    root = tmp_path_factory.mktemp("second")
    with pytest.raises(RuntimeError, match="berthd exited"):
        root_conftest(request).start_daemon(root, ("--bridge", device, "--bip", other_bip))
    assert f"the bridge {device} is another engine's" in (root / "berthd.log").read_text()
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit()
                and str(root).encode() in _cmdline(p)], "the refused berthd left a process"
    assert addresses(device) == [bip]
    assert ok(d, "network", "ls", "-q")


def test_swarm_leave_answers_as_dockerd_outside_a_swarm(daemon: Daemon) -> None:
    """docker-py's network tests leave the swarm in their teardown and take dockerd's
    503 as done: berth is never in one."""
    import docker

    client = docker.APIClient(base_url=f"unix://{daemon.socket}")
    r = client._post(client._url("/swarm/leave"), params={"force": True})
    assert r.status_code == 503 and r.json() == {"message": "This node is not part of a swarm"}
    assert client.leave_swarm(force=True) is True
