"""The rest of the docker CLI's everyday commands, from both clients (28.x and Debian's
20.10) against berthd: exec -i, attach, cp, top, rename, pause/unpause, events, port,
import, info and system df."""

import json
import tarfile
import time


def _running(docker_cli, name):
    code, _, err = docker_cli("run", "-d", "--name", name, "busybox", "sleep", "600")
    assert code == 0, err


def test_exec_interactive_and_exit_code(docker_cli):
    _running(docker_cli, "tour-exec")
    try:
        assert docker_cli("exec", "-i", "tour-exec", "tr", "a-z", "A-Z",
                          input="shout\n")[:2] == (0, "SHOUT\n")
        assert docker_cli("exec", "tour-exec", "sh", "-c", "exit 5")[0] == 5
        # docker 20.10 says 126 here and 127 for `run`; berth says 127 for both (docs).
        code, out, _ = docker_cli("exec", "tour-exec", "nosuchcommand")
        assert code == 127 and 'exec: "nosuchcommand": executable file not found' in out
    finally:
        docker_cli("rm", "-f", "tour-exec")


def test_attach_gets_the_output_and_the_exit_code(docker_cli):
    code, _, err = docker_cli("run", "-d", "--name", "tour-attach", "busybox", "sh", "-c",
                              "sleep 1; echo from attach; exit 3")
    assert code == 0, err
    try:
        code, out, err = docker_cli("attach", "tour-attach", timeout=30)
        assert (code, out) == (3, "from attach\n"), err
        code, _, err = docker_cli("attach", "tour-attach")
        assert code == 1 and "cannot attach to a stopped container" in err
    finally:
        docker_cli("rm", "-f", "tour-attach")


def test_cp_both_ways(docker_cli, tmp_path):
    _running(docker_cli, "tour-cp")
    try:
        src = tmp_path / "hello.txt"
        src.write_text("copied in\n")
        assert docker_cli("cp", str(src), "tour-cp:/tmp/hello.txt")[0] == 0
        assert docker_cli("exec", "tour-cp", "cat", "/tmp/hello.txt")[1] == "copied in\n"
        assert docker_cli("exec", "tour-cp", "sh", "-c", "mkdir /tmp/d; echo back > /tmp/d/f")[
            0] == 0
        assert docker_cli("cp", "tour-cp:/tmp/d", str(tmp_path / "out"))[0] == 0
        assert (tmp_path / "out" / "f").read_text() == "back\n"
        code, _, err = docker_cli("cp", "tour-cp:/no/such/path", str(tmp_path / "x"))
        # The 20.10 client words dockerd's 404 itself; the 28.x one prints the daemon's.
        assert code == 1 and ("Could not find the file /no/such/path in container tour-cp" in err
                              or "No such container:path: tour-cp:/no/such/path" in err), err
    finally:
        docker_cli("rm", "-f", "tour-cp")


def test_top_rename_pause_unpause(docker_cli):
    _running(docker_cli, "tour-top")
    try:
        code, out, err = docker_cli("top", "tour-top")
        assert code == 0, err
        assert "PID" in out.splitlines()[0] and "sleep 600" in out
        assert docker_cli("rename", "tour-top", "tour-renamed")[0] == 0
        code, _, err = docker_cli("inspect", "tour-top")
        assert code == 1 and "No such object: tour-top" in err
        assert docker_cli("pause", "tour-renamed")[0] == 0
        assert docker_cli("inspect", "-f", "{{.State.Status}} {{.State.Paused}}",
                          "tour-renamed")[1].strip() == "paused true"
        code, _, err = docker_cli("pause", "tour-renamed")
        assert code == 1 and "is already paused" in err
        assert docker_cli("unpause", "tour-renamed")[0] == 0
        code, _, err = docker_cli("unpause", "tour-renamed")
        assert code == 1 and "is not paused" in err
        assert docker_cli("inspect", "-f", "{{.State.Status}}",
                          "tour-renamed")[1].strip() == "running"
    finally:
        docker_cli("rm", "-f", "tour-renamed")


def test_port_of_a_container_without_published_ports(docker_cli):
    _running(docker_cli, "tour-port")
    try:
        assert docker_cli("port", "tour-port")[:2] == (0, "")
        code, _, err = docker_cli("port", "tour-port", "80")
        # 20.10 echoes the argument, 28.x the port with its protocol.
        assert code == 1 and ("No public port '80' published for tour-port" in err
                              or "No public port '80/tcp' published for tour-port" in err), err
    finally:
        docker_cli("rm", "-f", "tour-port")


def test_events_between_since_and_until(docker_cli):
    since = int(time.time()) - 1
    assert docker_cli("run", "--rm", "--name", "tour-events", "busybox", "true")[0] == 0
    time.sleep(1.1)
    until = int(time.time()) + 1
    code, out, err = docker_cli("events", "--since", str(since), "--until", str(until),
                                "--filter", "container=tour-events", "--format",
                                "{{json .}}")
    assert code == 0, err
    actions = [json.loads(line)["Action"] for line in out.splitlines()]
    assert actions == ["create", "attach", "start", "die", "destroy"], actions


def test_import_info_and_system_df(docker_cli, busybox_tar):
    code, out, err = docker_cli("import", str(busybox_tar), "tour/imported:1")
    assert code == 0 and out.strip().startswith("sha256:"), err
    code, out, err = docker_cli("run", "--rm", "tour/imported:1", "echo", "imported runs")
    assert (code, out) == (0, "imported runs\n"), err
    code, out, err = docker_cli("info", "--format", "{{.OSType}} {{.Driver}} {{.NCPU}}")
    assert code == 0, err
    ostype, driver, ncpu = out.split()
    assert (ostype, driver) == ("linux", "overlay2") and int(ncpu) >= 1
    code, out, err = docker_cli("system", "df")
    assert code == 0, err
    kinds = [line.split()[0] for line in out.splitlines()[1:]]
    assert kinds[:3] == ["Images", "Containers", "Local"], out
    assert docker_cli("rmi", "tour/imported:1")[0] == 0


def test_export_is_the_container_filesystem(docker_cli, tmp_path):
    assert docker_cli("create", "--name", "tour-export", "busybox", "true")[0] == 0
    try:
        out = tmp_path / "fs.tar"
        assert docker_cli("export", "-o", str(out), "tour-export")[0] == 0
        with tarfile.open(out) as tar:
            names = set(tar.getnames())
        assert "bin/busybox" in names or "./bin/busybox" in names
    finally:
        docker_cli("rm", "tour-export")


def test_the_docker_cli_gets_berth_errors_as_plain_messages(docker_cli):
    code, _, err = docker_cli("exec", "nosuchcontainer", "true")
    assert code == 1 and "No such container: nosuchcontainer" in err
    assert '{"message"' not in err
