"""The docker CLI 28's flag names and the flags berth's CLI lacked, end to end: berth's
CLI beside docker's against berthd."""

import hashlib
import io
import json
import os
import subprocess
import tarfile


def _docker28(daemon):
    """docker 28's CLI (20.10's has no ``stop --signal``)."""
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}

    def run(*args: str) -> tuple[int, str, str]:
        r = subprocess.run(["/usr/local/bin/docker", *args], env=env, capture_output=True,
                           text=True, timeout=60)
        return r.returncode, r.stdout, r.stderr

    return run


def _inspect(berth_cli, name: str) -> dict:
    code, out, err = berth_cli("inspect", name)
    assert code == 0, err
    return json.loads(out)[0]


TRAPS = "trap 'exit 7' USR1; trap '' TERM; while :; do sleep 0.1; done"


def test_stop_takes_timeout_and_its_old_name_and_a_signal(berth_cli, daemon):
    for flags in (["--timeout", "1"], ["-t", "1"], ["--time", "1"]):
        assert berth_cli("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", TRAPS)[0] == 0
        try:
            code, out, err = berth_cli("stop", *flags, "stubborn")
            assert (code, out) == (0, "stubborn\n"), err
            assert _inspect(berth_cli, "stubborn")["State"]["ExitCode"] == 137
        finally:
            berth_cli("rm", "-f", "stubborn")
    for run in (berth_cli, _docker28(daemon)):
        assert run("run", "-d", "--name", "signalled", "busybox", "sh", "-c", TRAPS)[0] == 0
        try:
            code, _, err = run("stop", "--signal", "USR1", "-t", "30", "signalled")
            assert code == 0, err
            assert _inspect(berth_cli, "signalled")["State"]["ExitCode"] == 7
        finally:
            berth_cli("rm", "-f", "signalled")


def test_restart_takes_timeout_and_a_signal(berth_cli):
    assert berth_cli("run", "-d", "--name", "bounced", "busybox", "sh", "-c", TRAPS)[0] == 0
    try:
        before = _inspect(berth_cli, "bounced")["State"]["Pid"]
        code, _, err = berth_cli("restart", "--signal", "SIGUSR1", "--timeout", "30", "bounced")
        assert code == 0, err
        state = _inspect(berth_cli, "bounced")["State"]
        assert state["Running"] and state["Pid"] != before
        code, _, err = berth_cli("restart", "-s", "NOSUCH", "bounced")
        assert code == 1 and "Invalid signal: NOSUCH" in err
    finally:
        berth_cli("rm", "-f", "bounced")


def test_update_takes_cpuset_flags(berth_cli):
    assert berth_cli("run", "-d", "--name", "pinned", "busybox", "sleep", "60")[0] == 0
    try:
        code, _, err = berth_cli("update", "--cpuset-cpus", "0", "--cpuset-mems", "0", "pinned")
        assert code == 0, err
        hc = _inspect(berth_cli, "pinned")["HostConfig"]
        assert (hc["CpusetCpus"], hc["CpusetMems"]) == ("0", "0")
        code, out, _ = berth_cli("exec", "pinned", "cat", "/proc/self/status")
        assert "Cpus_allowed_list:\t0\n" in out
    finally:
        berth_cli("rm", "-f", "pinned")


def test_run_takes_a_runtime(berth_cli):
    code, out, err = berth_cli("run", "--rm", "--runtime", "runc", "busybox", "echo", "ran")
    assert (code, out) == (0, "ran\n"), err
    code, _, err = berth_cli("run", "--rm", "--runtime", "kata", "busybox", "true")
    assert code == 125 and "Unknown runtime specified kata" in err


def test_run_pull_policies(daemon, berth_cli, tmp_path):
    from distribution import start_registry

    registry = start_registry(tmp_path / "registry")
    ref = f"{registry.host}/pulled"
    try:
        assert berth_cli("tag", "busybox", ref)[0] == 0
        code, _, err = berth_cli("push", ref)
        assert code == 0, err
        assert berth_cli("rmi", ref)[0] == 0
        code, out, err = berth_cli("run", "--rm", "--pull", "never", ref, "true")
        assert code == 125 and f"No such image: {ref}:latest" in err
        assert "Unable to find image" not in err
        code, out, err = berth_cli("run", "--rm", ref, "echo", "missing")  # the default
        assert (code, out) == (0, "missing\n"), err
        assert f"Unable to find image '{ref}:latest' locally" in err
        code, out, err = berth_cli("run", "--rm", "--pull", "always", ref, "echo", "always")
        assert (code, out) == (0, "always\n"), err
        assert "Image is up to date" in err
        code, out, err = berth_cli("run", "--rm", "--pull", "always", "-q", ref, "echo", "q")
        assert (code, out, err) == (0, "q\n", "")
        code, _, err = berth_cli("run", "--rm", "--pull", "sometimes", ref, "true")
        assert code == 125 and 'invalid pull option: \'sometimes\': must be one of ' \
                               '"always", "missing" or "never"' in err
    finally:
        berth_cli("rmi", ref)
        registry.stop()


def _host_arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def _foreign_image_archive(path, arch: str) -> None:
    """A docker-archive of one empty layer whose config says ``arch``, tagged foreign."""
    layer = io.BytesIO()
    tarfile.open(fileobj=layer, mode="w").close()
    diff_id = "sha256:" + hashlib.sha256(layer.getvalue()).hexdigest()
    config = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["true"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["foreign:latest"],
                            "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in ((config_name, config), ("layer.tar", layer.getvalue()),
                           ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_run_platform_is_checked_against_the_image_and_the_host(berth_cli, daemon,
                                                                 tmp_path):
    host = f"linux/{_host_arch()}"
    other = "linux/arm64" if _host_arch() != "arm64" else "linux/amd64"
    code, out, err = berth_cli("run", "--rm", "--platform", host, "busybox", "echo", "ok")
    assert (code, out) == (0, "ok\n"), err
    code, _, err = berth_cli("run", "--rm", "--pull", "never", "--platform", other,
                             "busybox", "true")
    assert code == 125 and ("image with reference busybox was found but does not match the "
                            f"specified platform: wanted {other}, actual: {host}") in err
    archive = tmp_path / "foreign.tar"
    _foreign_image_archive(archive, other.split("/")[1])
    assert berth_cli("load", "-i", str(archive))[0] == 0
    try:
        code, _, err = berth_cli("run", "--rm", "--platform", other, "foreign")
        assert code == 125
        assert f"image platform {other} cannot run on this host, which is {host}" in err
        env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
               "HOME": str(daemon.root)}
        r = subprocess.run(["/usr/local/bin/docker", "create", "--platform", other,
                            "--pull", "never", "busybox"], env=env, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 1 and "does not match the specified platform" in r.stderr
    finally:
        berth_cli("rmi", "foreign")


def test_logs_details_show_the_labels_and_env_log_options(berth_cli, docker_cli, daemon):
    """docker's ``logs --details``: each line's attrs (the ``labels``/``env`` log options'
    values), sorted and query-escaped, then a space; a space alone without any."""
    assert berth_cli("run", "--name", "detailed", "--label", "a=1", "--label", "b=x y",
                     "-e", "E=x", "--log-opt", "labels=a,b,nosuch", "--log-opt", "env=E",
                     "busybox", "sh", "-c", "echo one; echo two >&2")[0] == 0
    assert berth_cli("run", "--name", "plain", "busybox", "echo", "plain")[0] == 0
    try:
        for run in (berth_cli, docker_cli):
            code, out, err = run("logs", "--details", "detailed")
            assert (code, out, err) == (0, "E=x,a=1,b=x+y one\n", "E=x,a=1,b=x+y two\n")
            code, out, _ = run("logs", "--details", "-t", "detailed")
            assert out.split(" ", 1)[1] == "E=x,a=1,b=x+y one\n"
            assert run("logs", "--details", "plain")[1] == " plain\n"
        code, out, _ = berth_cli("inspect", "--format", "{{.LogPath}}", "detailed")
        with open(out.strip()) as f:
            first = json.loads(f.readline())
        assert first["attrs"] == {"E": "x", "a": "1", "b": "x y"}
    finally:
        berth_cli("rm", "-f", "detailed", "plain")


def test_cp_follow_link_both_ways(berth_cli, tmp_path):
    """``cp -L``: a symlink SRC is copied as what it leads to, under its own name; without
    it, as the link."""
    (tmp_path / "target").write_text("followed\n")
    (tmp_path / "link").symlink_to("target")
    assert berth_cli("run", "-d", "--name", "copier", "busybox", "sh", "-c",
                     "echo inside > /tmp/real; ln -s real /tmp/rel; ln -s /tmp/rel /tmp/abs; "
                     "sleep 60")[0] == 0
    try:
        assert berth_cli("cp", str(tmp_path / "link"), "copier:/tmp/as-link")[0] == 0
        code, _, err = berth_cli("cp", "-L", str(tmp_path / "link"), "copier:/tmp/")
        assert code == 0, err
        code, out, _ = berth_cli("exec", "copier", "sh", "-c",
                                 "readlink /tmp/as-link; cat /tmp/link; test -L /tmp/link "
                                 "|| echo regular")
        assert out == "target\nfollowed\nregular\n"
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        assert berth_cli("cp", "copier:/tmp/abs", str(out_dir / "plain"))[0] == 0
        code, _, err = berth_cli("cp", "--follow-link", "copier:/tmp/abs", str(out_dir))
        assert code == 0, err
        assert (out_dir / "plain").is_symlink() and str((out_dir / "plain").readlink()) == \
            "/tmp/rel"
        assert not (out_dir / "abs").is_symlink() and (out_dir / "abs").read_text() == \
            "inside\n"
    finally:
        berth_cli("rm", "-f", "copier")


def test_cp_archive_mode_gives_the_copy_to_the_containers_user(berth_cli, tmp_path):
    """``cp -a``: to a container with a user, what is copied is that user's (dockerd's
    copyUIDGID); without it, or to a root container, the file keeps its own ids."""
    source = tmp_path / "owned"
    source.write_text("x\n")
    os.chown(source, 1234, 4321)
    assert berth_cli("run", "-d", "--name", "as-nobody", "-u", "nobody", "busybox",
                     "sleep", "60")[0] == 0
    assert berth_cli("run", "-d", "--name", "as-root", "busybox", "sleep", "60")[0] == 0
    try:
        for flags, name in (([], "plain"), (["-a"], "archived"), (["--archive"], "long")):
            for ct in ("as-nobody", "as-root"):
                code, _, err = berth_cli("cp", *flags, str(source), f"{ct}:/tmp/{name}")
                assert code == 0, err
        code, out, _ = berth_cli("exec", "as-nobody", "stat", "-c", "%n %u %g", "/tmp/plain",
                                 "/tmp/archived", "/tmp/long")
        assert out.split("\n")[:3] == ["/tmp/plain 1234 4321", "/tmp/archived 65534 65534",
                                       "/tmp/long 65534 65534"]
        code, out, _ = berth_cli("exec", "as-root", "stat", "-c", "%u %g", "/tmp/archived")
        assert out == "1234 4321\n"
    finally:
        berth_cli("rm", "-f", "as-nobody", "as-root")
