"""berth run's isolation and resource flags, seccomp first, through the real CLI."""

import json


def _status(berth_cli, *flags: str) -> dict[str, str]:
    code, out, err = berth_cli("run", "--rm", *flags, "busybox", "cat", "/proc/self/status")
    assert code == 0, err
    return dict(line.split(":\t", 1) for line in out.splitlines() if ":\t" in line)


def test_seccomp_by_default_and_unconfined(berth_cli):
    assert _status(berth_cli)["Seccomp"] == "2"
    assert _status(berth_cli, "--security-opt", "seccomp=unconfined")["Seccomp"] == "0"
    assert _status(berth_cli, "--security-opt", "seccomp:unconfined")["Seccomp"] == "0"
    assert _status(berth_cli, "--privileged")["Seccomp"] == "0"
    code, _, err = berth_cli("run", "--rm", "busybox", "unshare", "-U", "true")
    assert code == 1 and "Operation not permitted" in err
    assert berth_cli("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox",
                     "unshare", "-U", "true")[0] == 0
    status = _status(berth_cli, "--security-opt", "no-new-privileges")
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2"


def test_seccomp_profile_file(berth_cli, tmp_path):
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1}]}))
    code, _, err = berth_cli("run", "--rm", "--security-opt", f"seccomp={profile}", "busybox",
                             "mkdir", "/x")
    assert code == 1 and "Operation not permitted" in err
    assert berth_cli("run", "--rm", "--security-opt", f"seccomp={profile}", "busybox",
                     "unshare", "-U", "true")[0] == 0  # allowed by this profile


def test_security_opt_failures(berth_cli, tmp_path):
    code, _, err = berth_cli("run", "--rm", "--security-opt", "seccomp=/no/such/file",
                             "busybox", "true")
    assert code == 125 and "opening seccomp profile (/no/such/file) failed" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = berth_cli("run", "--rm", "--security-opt", f"seccomp={bad}", "busybox", "true")
    assert code == 125 and "opening seccomp profile" in err
    code, _, err = berth_cli("run", "--rm", "--security-opt", "nonsense", "busybox", "true")
    assert code == 125 and 'Invalid --security-opt: "nonsense"' in err
    code, _, err = berth_cli("run", "--rm", "--security-opt", "colour=red", "busybox", "true")
    assert code == 125 and 'invalid --security-opt 2: "colour=red"' in err
    nope = tmp_path / "nope.json"
    nope.write_text('{"defaultAction": "SCMP_ACT_NOPE"}')
    code, _, err = berth_cli("run", "--rm", "--security-opt", f"seccomp={nope}", "busybox",
                             "true")
    assert code == 125 and "seccomp: unsupported action 'SCMP_ACT_NOPE'" in err
    assert berth_cli("ps", "-aq")[1] == ""  # refused at create: nothing stored


def test_resource_and_isolation_flags(berth_cli, tmp_path):
    (tmp_path / "shared.txt").write_text("from the host\n")
    code, out, err = berth_cli(
        "run", "--rm", "--read-only", "-v", f"{tmp_path}:/host:ro", "--tmpfs", "/scratch",
        "--network", "none", "--cap-drop", "CHOWN", "--pids-limit", "50", "-m", "64m",
        "--cpus", "0.5", "--shm-size", "8m", "busybox", "sh", "-c",
        "cat /host/shared.txt; touch /x 2>/dev/null || echo ro-root; "
        "touch /scratch/ok && echo tmpfs-ok; touch /host/y 2>/dev/null || echo ro-bind; "
        "chown 1 /scratch/ok 2>/dev/null || echo no-chown; "
        "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes "
        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us; df -k /dev/shm | tail -1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:5] == ["from the host", "ro-root", "tmpfs-ok", "ro-bind", "no-chown"]
    assert lines[5:8] == ["50", str(64 << 20), "50000"]
    assert lines[8].split()[1] == "8192"


def test_flag_value_errors(berth_cli):
    code, _, err = berth_cli("run", "--rm", "-m", "lots", "busybox", "true")
    assert code == 125
    assert 'invalid argument "lots" for "-m, --memory" flag: invalid size: \'lots\'' in err
    code, _, err = berth_cli("run", "--rm", "--cpus", "half", "busybox", "true")
    assert code == 125 and "failed to parse half as a rational number" in err
    # `relative:/x` names a volume now; a relative path is no volume name (dockerd's words)
    code, _, err = berth_cli("run", "--rm", "-v", "rel/ative:/x", "busybox", "true")
    assert code == 125 and '"rel/ative" includes invalid characters for a local volume ' \
        "name" in err and "use absolute path" in err, err


def _host_bounding() -> int:
    with open("/proc/self/status") as f:
        return int(next(ln for ln in f if ln.startswith("CapBnd:")).split()[1], 16)


def test_privileged_gets_every_capability_the_host_has(berth_cli):
    status = _status(berth_cli, "--privileged")
    assert int(status["CapEff"], 16) == _host_bounding()
    code, _, err = berth_cli("run", "--rm", "--cap-add", "SYS_RESOURCE", "busybox", "true")
    if _host_bounding() >> 24 & 1:  # CAP_SYS_RESOURCE is 24
        assert code == 0, err
    else:  # this machine: docker fails obscurely, berth says why
        assert code == 125
        assert ("capability CAP_SYS_RESOURCE is not available on this host: its capability "
                "bounding set lacks it") in err


def test_ulimits(berth_cli):
    import resource

    code, out, err = berth_cli("run", "--rm", "--ulimit", "nofile=1024:2048", "--ulimit",
                               "nproc=500", "busybox", "sh", "-c",
                               "ulimit -Sn; ulimit -Hn; ulimit -u")
    assert (code, out.split()) == (0, ["1024", "2048", "500"]), err
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    code, _, err = berth_cli("run", "--rm", "--ulimit", f"nofile={hard + 1}", "busybox", "true")
    if _host_bounding() >> 24 & 1:  # CAP_SYS_RESOURCE: the host lets it be raised
        assert code == 0, err
    else:
        assert code == 125 and f"cannot raise the nofile hard limit to {hard + 1}" in err
        assert "CAP_SYS_RESOURCE" in err
    for flag, message in [("bogus=1", "invalid ulimit type: bogus"),
                          ("nofile=5:2", "soft limit must be less than or equal to hard"),
                          ("nofile=x", "invalid ulimit argument: nofile=x")]:
        code, _, err = berth_cli("run", "--rm", "--ulimit", flag, "busybox", "true")
        assert code == 125 and message in err, (flag, err)


def test_memory_reservation_oom_kill_disable_and_cpuset(berth_cli):
    code, out, err = berth_cli(
        "run", "--rm", "-m", "64m", "--memory-reservation", "16m", "--oom-kill-disable",
        "--cpuset-cpus", "0", "busybox", "sh", "-c",
        "cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes; "
        "head -1 /sys/fs/cgroup/memory/memory.oom_control; "
        "grep Cpus_allowed_list /proc/self/status")
    assert code == 0, err
    assert out.splitlines() == [str(16 << 20), "oom_kill_disable 1", "Cpus_allowed_list:\t0"]
    code, _, err = berth_cli("run", "--rm", "--cpuset-cpus", "999", "busybox", "true")
    assert code == 125 and "Requested CPUs are not available - requested 999" in err
    code, _, err = berth_cli("run", "--rm", "--cpuset-cpus", "a-b", "busybox", "true")
    assert code == 125 and "Invalid value a-b for cpuset-cpus" in err
