"""``--device``, ``--device-cgroup-rule`` and ``--sysctl`` end to end: the node made in
the container and the cgroup rule that lets it be opened, the namespaced sysctls written,
and docker's refusals, through berth, the docker CLIs and the SDK."""

import json
import os

import docker
import pytest


def test_a_device_with_read_only_permissions(berth_cli):
    """/dev/fuse is in no default rule: only the flag's lets it be opened, to read."""
    code, out, err = berth_cli(
        "run", "--rm", "--device", "/dev/fuse:/dev/myfuse:r", "busybox", "sh", "-c",
        "ls -ln /dev/myfuse; true < /dev/myfuse && echo read; "
        "echo x > /dev/myfuse || echo refused")
    assert code == 0, err
    listing, opened, refused = out.splitlines()
    st = os.stat("/dev/fuse")
    assert listing.split()[0] == "crw-------"  # the host's mode and numbers
    assert listing.split()[4:6] == [f"{os.major(st.st_rdev)},", str(os.minor(st.st_rdev))]
    assert (opened, refused) == ("read", "refused") and "Operation not permitted" in err


def test_a_device_at_a_deep_path_and_a_directory_of_devices(berth_cli):
    code, out, err = berth_cli("run", "--rm", "--device", "/dev/zero:/deep/x/zero",
                               "--device", "/dev/net", "busybox", "sh", "-c",
                               "head -c 2 /deep/x/zero | wc -c; ls /dev/net")
    assert code == 0, err
    assert out.split() == ["2", *sorted(os.listdir("/dev/net"))]


def test_a_device_cgroup_rule_lets_a_made_node_be_opened(berth_cli):
    script = "mknod /tmp/f c 10 229 && true < /tmp/f && echo opened"
    code, out, err = berth_cli("run", "--rm", "busybox", "sh", "-c", script)
    assert (code, out) == (1, "") and "Operation not permitted" in err  # made, not opened
    code, out, err = berth_cli("run", "--rm", "--device-cgroup-rule", "c 10:229 r",
                               "busybox", "sh", "-c", script)
    assert (code, out) == (0, "opened\n"), err


@pytest.mark.parametrize(("flag", "status", "message"), [
    ("/dev/nosuch", 127, 'error gathering device information while adding custom device '
                         '"/dev/nosuch": no such file or directory'),
    ("/etc/hostname", 125, 'error gathering device information while adding custom device '
                           '"/etc/hostname": not a device node')])
def test_a_device_that_is_none_is_refused(docker_cli, berth_cli, flag, status, message):
    for run in (docker_cli, berth_cli):
        code, _, err = run("run", "--rm", "--device", flag, "busybox", "true")
        assert code == status and message in err, err


@pytest.mark.parametrize(("flag", "message"), [
    ("/dev/zero:rx", "rx is not an absolute path"),
    ("a:b:c:d", "bad format for path: a:b:c:d"),
    ("/dev/zero:/z:rwx", "bad mode specified: rwx")])
def test_a_wrong_device_flag_is_refused_by_the_cli(berth_cli, flag, message):
    code, _, err = berth_cli("run", "--rm", "--device", flag, "busybox", "true")
    assert code == 125 and message in err, err


def test_a_wrong_cgroup_rule_is_refused(docker_sdk):
    with pytest.raises(docker.errors.APIError) as e:
        docker_sdk.create_container("busybox", "true", host_config=docker_sdk.create_host_config(
            device_cgroup_rules=["c 1:5 rwx"]))
    assert e.value.explanation == "invalid device cgroup format 'c 1:5 rwx'"


def test_namespaced_sysctls_are_written(docker_cli):
    code, out, err = docker_cli("run", "--rm", "--sysctl", "net.ipv4.ip_forward=1",
                                "--sysctl", "kernel.shmmax=1000", "busybox", "cat",
                                "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmax")
    assert (code, out.split()) == (0, ["1", "1000"]), err
    with open("/proc/sys/kernel/shmmax") as f:
        assert f.read().strip() != "1000"  # the host's is its own


@pytest.mark.parametrize(("flags", "message"), [
    (["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"],
     'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'),
    (["--ipc", "host", "--sysctl", "kernel.shmmax=1000"],
     'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace')])
def test_a_sysctl_of_a_shared_namespace_is_refused(berth_cli, flags, message):
    code, _, err = berth_cli("run", "--rm", *flags, "busybox", "true")
    assert code == 125 and message in err, err


@pytest.mark.parametrize(("name", "message"), [
    ("vm.swappiness", 'sysctl "vm.swappiness" is not in a separate kernel namespace'),
    ("kernel.hostname", 'sysctl "kernel.hostname" is not allowed as it conflicts with the '
                        'OCI "hostname" field'),
    ("net.ipv4.conf.//.x", 'sysctl "net.ipv4.conf.//.x" is not a valid sysctl name'),
    ("net..", 'sysctl "net.." is not a valid sysctl name')])
def test_a_sysctl_the_container_may_not_set_is_refused(api, name, message):
    status, _, body = api("POST", "/containers/create", {
        "Image": "busybox", "HostConfig": {"Sysctls": {name: "1"}}})
    assert (status, json.loads(body)["message"]) == (400, message)


def test_the_cli_allows_only_docker_s_sysctls(berth_cli):
    code, _, err = berth_cli("run", "--rm", "--sysctl", "kernel.foo=1", "busybox", "true")
    assert code == 125
    assert 'invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl ' \
           "'kernel.foo=1' is not allowed" in err
