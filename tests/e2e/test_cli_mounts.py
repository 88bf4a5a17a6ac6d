"""Bind and tmpfs mounts as a user types them: ``-v`` (a missing source is made) and
``--mount`` (a bind source must exist), inspect's ``Mounts``, and the refusals."""

import json


def test_binds_and_mounts_inside_the_container(berth_cli, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("from the host\n")
    made = tmp_path / "made" / "here"
    script = ("cat /a/f; touch /a/x 2>/dev/null || echo a-ro; touch /b/y && echo b-rw; "
              "cat /d/f; touch /d/z 2>/dev/null || echo d-ro; "
              "grep ' /t ' /proc/mounts | grep -o 'size=[0-9]*k'; touch /t/w && echo t-rw")
    code, out, err = berth_cli(
        "run", "--name", "mounts-cli", "-v", f"{src}:/a:ro", "-v", f"{made}:/b",
        "--mount", f"type=bind,source={src},target=/d,readonly",
        "--mount", "type=tmpfs,target=/t,tmpfs-size=1m", "busybox", "sh", "-c", script)
    try:
        assert code == 0, err
        assert out.splitlines() == ["from the host", "a-ro", "b-rw", "from the host", "d-ro",
                                    "size=1024k", "t-rw"]
        assert made.is_dir() and (made / "y").exists()  # -v made its missing source
        code, out, _ = berth_cli("inspect", "-f", "{{json .Mounts}}", "mounts-cli")
        assert json.loads(out) == [
            {"Type": "bind", "Source": str(src), "Destination": "/a", "Mode": "ro",
             "RW": False, "Propagation": "rprivate"},
            {"Type": "bind", "Source": str(made), "Destination": "/b", "Mode": "",
             "RW": True, "Propagation": "rprivate"},
            {"Type": "bind", "Source": str(src), "Destination": "/d", "Mode": "",
             "RW": False, "Propagation": "rprivate"},
            {"Type": "tmpfs", "Source": "", "Destination": "/t", "Mode": "", "RW": True,
             "Propagation": ""}]
        code, out, _ = berth_cli("ps", "-a", "--filter", "name=mounts-cli", "--format",
                                 "{{.Mounts}}")
        assert code == 0 and out.strip()
    finally:
        berth_cli("rm", "-f", "mounts-cli")


def test_mount_refusals(berth_cli, tmp_path):
    before = berth_cli("ps", "-aq")[1]
    code, _, err = berth_cli("run", "--rm", "--mount",
                             f"type=bind,source={tmp_path}/nope,target=/d", "busybox", "true")
    assert code == 125
    assert (f'invalid mount config for type "bind": bind source path does not exist: '
            f"{tmp_path}/nope") in err
    assert not (tmp_path / "nope").exists()
    code, _, err = berth_cli("run", "--rm", "--mount", f"type=bind,source={tmp_path}",
                             "busybox", "true")
    assert code == 125 and "target is required" in err
    # `create` says a daemon's refusal with 1, `run` with 125, as the docker CLI does.
    code, _, err = berth_cli("create", "-v", f"{tmp_path}:/a:bogus", "busybox", "true")
    assert code == 1 and "invalid mode: bogus" in err
    code, _, err = berth_cli("create", "-v", f"{tmp_path}:/a", "--tmpfs", "/a", "busybox",
                             "true")
    assert code == 1 and "Duplicate mount point: /a" in err
    code, _, err = berth_cli("create", "--mount", "type=volume,src=v,target=/v", "busybox",
                             "true")
    assert code == 1 and "create v: volume name is too short" in err
    assert berth_cli("ps", "-aq")[1] == before  # nothing was made of the refused ones


def test_published_ports_before_bridge_networks(berth_cli):
    code, _, err = berth_cli("run", "--rm", "-p", "8080:80", "busybox", "true")
    assert code == 125
    assert "cannot publish 80/tcp: berth does not publish ports yet" in err
    code, out, err = berth_cli("run", "--rm", "--network", "host", "-p", "8080:80",
                               "busybox", "echo", "on the host's network")
    assert (code, out) == (0, "on the host's network\n"), err
    assert "WARNING: Published ports are discarded when using host network mode" in err
    code, _, err = berth_cli("run", "--rm", "-p", "80/foo", "busybox", "true")
    assert code == 125 and "Invalid proto: foo" in err
    assert berth_cli("create", "--name", "exposing", "--expose", "90", "busybox", "true")[0] == 0
    try:
        code, out, _ = berth_cli("inspect", "-f", "{{json .Config.ExposedPorts}}", "exposing")
        assert json.loads(out) == {"90/tcp": {}}
    finally:
        berth_cli("rm", "exposing")
