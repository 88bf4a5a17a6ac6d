"""berth exec: a process in a running container's namespaces, cgroup and security."""

import os
import pty
import select
import subprocess
import sys
import time

import pytest


@pytest.fixture
def running(berth_cli):
    code, cid, err = berth_cli("run", "-d", "--name", "exec-target", "--pids-limit", "40",
                               "busybox", "sleep", "300")
    assert code == 0, err
    yield cid.strip()
    berth_cli("rm", "-f", "exec-target")


def test_exec_output_status_and_stdin(berth_cli, running):
    assert berth_cli("exec", "exec-target", "sh", "-c", "echo out; echo err >&2; exit 4") == (
        4, "out\n", "err\n")
    assert berth_cli("exec", "-i", "exec-target", "cat", input=b"piped in\n")[:2] == (
        0, "piped in\n")
    assert berth_cli("exec", "exec-target", "cat", input=b"ignored without -i\n")[:2] == (0, "")


def test_exec_joins_the_container(berth_cli, running):
    code, out, err = berth_cli("exec", "exec-target", "sh", "-c",
                               "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; "
                               "grep -E '^Seccomp:' /proc/self/status; "
                               "grep -E '^CapEff:' /proc/self/status; "
                               "cat /sys/fs/cgroup/pids/pids.max")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == running[:12]
    assert lines[1].strip() == "sleep 300"  # the container's PID 1, in its pid namespace
    assert lines[2] == "Seccomp:\t2" and lines[3] == "CapEff:\t00000000a80425fb"
    assert lines[4] == "40"
    assert str(os.getpid()) not in berth_cli("exec", "exec-target", "ps", "-o", "pid")[1]


def test_exec_user_workdir_env_privileged(berth_cli, running):
    code, out, _ = berth_cli("exec", "-u", "65534:65534", "-w", "/tmp", "-e", "GREETING=hi",
                             "exec-target", "sh", "-c", "id -u; id -g; pwd; echo $GREETING")
    assert (code, out) == (0, "65534\n65534\n/tmp\nhi\n")
    code, out, _ = berth_cli("exec", "--privileged", "exec-target", "grep", "CapEff",
                             "/proc/self/status")
    assert code == 0 and out.split()[1] != "00000000a80425fb"


def test_exec_detached(berth_cli, running):
    assert berth_cli("exec", "-d", "exec-target", "sh", "-c", "echo done > /tmp/flag") == (
        0, "", "")
    for _ in range(50):
        if berth_cli("exec", "exec-target", "cat", "/tmp/flag")[1] == "done\n":
            break
        time.sleep(0.1)
    assert berth_cli("exec", "exec-target", "cat", "/tmp/flag")[1] == "done\n"


def test_exec_with_a_terminal(daemon, running):
    argv = [sys.executable, "-m", "berth.cli.main", "exec", "-it", "exec-target", "sh", "-c",
            "tty; exit 3"]
    pid, fd = pty.fork()
    if pid == 0:  # never return into pytest from here
        try:
            os.execve(argv[0], argv, daemon.env)
        finally:
            os._exit(127)
    out = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 3
    assert out.replace(b"\r", b"").strip() == b"/dev/pts/0"  # made in the container's devpts


def test_exec_failures(berth_cli, running):
    code, out, _ = berth_cli("exec", "exec-target", "nosuchcommand")
    assert code == 127 and 'exec: "nosuchcommand": executable file not found in $PATH' in out
    code, _, err = berth_cli("exec", "nosuchcontainer", "true")
    assert (code, err) == (1, "Error response from daemon: No such container: nosuchcontainer\n")
    code, _, err = berth_cli("exec", "exec-target")
    assert code == 1 and '"berth exec" requires at least 2 arguments.' in err
    code, _, err = berth_cli("exec", "-w", "relative", "exec-target", "true")
    assert code == 1 and "needs to be an absolute path" in err
    assert berth_cli("pause", "exec-target")[0] == 0
    code, _, err = berth_cli("exec", "exec-target", "true")
    assert code == 1 and f"Container {running} is paused, unpause the container before exec" in err
    assert berth_cli("unpause", "exec-target")[0] == 0
    assert berth_cli("stop", "-t", "0", "exec-target")[0] == 0
    code, _, err = berth_cli("exec", "exec-target", "true")
    assert code == 1 and f"Container {running} is not running" in err


def test_docker_clients_exec(daemon, running):
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}
    for docker in ("/usr/local/bin/docker", "/usr/bin/docker"):
        r = subprocess.run([docker, "exec", "-i", "exec-target", "sh", "-c", "cat; exit 6"],
                           input=b"via docker\n", env=env, capture_output=True, timeout=30)
        assert (r.returncode, r.stdout) == (6, b"via docker\n"), r.stderr
    import docker as sdk

    client = sdk.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        container = client.containers.get("exec-target")
        result = container.exec_run(["sh", "-c", "echo sdk; exit 2"])
        assert (result.exit_code, result.output) == (2, b"sdk\n")
        result = container.exec_run("sh -c 'echo a; echo b >&2'", demux=True)
        assert result.output == (b"a\n", b"b\n")
        result = container.exec_run("pwd", workdir="/tmp", user="65534")
        assert result.output == b"/tmp\n"
    finally:
        client.close()
