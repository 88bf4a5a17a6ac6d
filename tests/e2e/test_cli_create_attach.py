"""berth create, start -a/-i and attach: docker's ways to a container's stdio."""


def test_create_then_start_attached(berth_cli):
    code, cid, err = berth_cli("create", "--name", "made", "-e", "X=1", "busybox", "sh", "-c",
                               "echo created $X; echo to-err >&2; exit 3")
    try:
        assert code == 0 and len(cid.strip()) == 64, err
        [row] = [r for r in berth_cli("ps", "-a")[1].splitlines() if r.endswith(" made")]
        assert "Created" in row
        assert berth_cli("start", "-a", "made") == (3, "created 1\n", "to-err\n")
    finally:
        berth_cli("rm", "-f", "made")


def test_start_interactive(berth_cli):
    assert berth_cli("create", "-i", "--name", "fed", "busybox", "cat")[0] == 0
    try:
        assert berth_cli("start", "-ai", "fed", input=b"through stdin\n")[:2] == (
            0, "through stdin\n")
    finally:
        berth_cli("rm", "-f", "fed")


def test_attach_to_a_running_container(berth_cli):
    code, _, _ = berth_cli("run", "-d", "--name", "attach-me", "busybox", "sh", "-c",
                           "sleep 1; echo late; exit 7")
    try:
        assert code == 0
        assert berth_cli("attach", "attach-me")[:2] == (7, "late\n")
        code, _, err = berth_cli("attach", "attach-me")
        assert code == 1 and "You cannot attach to a stopped container, start it first" in err
    finally:
        berth_cli("rm", "-f", "attach-me")


def test_create_and_start_failures(berth_cli):
    code, _, err = berth_cli("create", "nosuchimage")  # pulled first: no registry answers
    assert code == 1 and "Unable to find image 'nosuchimage:latest' locally" in err
    # As docker's: the registry's /v2/ ping fails first, and the error names the registry.
    assert 'Error response from daemon: Get "https://registry-1.docker.io/v2/": ' in err
    code, _, err = berth_cli("create", "--cap-add", "NOT_A_CAP", "busybox")
    assert code == 1 and 'unknown capability: "CAP_NOT_A_CAP"' in err
    code, _, err = berth_cli("start", "-a", "nosuch1", "nosuch2")
    assert code == 1 and "you cannot start and attach multiple containers at once" in err
    code, _, err = berth_cli("attach", "nosuchcontainer")
    assert code == 1 and "No such container: nosuchcontainer" in err


def test_container_group_and_prune(berth_cli):
    assert berth_cli("container", "run", "--name", "pruned", "--label", "gone=yes", "busybox",
                     "true")[0] == 0
    assert berth_cli("container", "create", "--name", "kept", "busybox", "true")[0] == 0
    assert berth_cli("run", "-d", "--name", "alive", "busybox", "sleep", "60")[0] == 0
    try:
        names = berth_cli("container", "ls", "-a", "--format", "{{.Names}}")[1].split()
        assert {"pruned", "kept", "alive"} <= set(names)
        code, out, _ = berth_cli("container", "prune", "-f", "--filter", "label=gone=yes")
        assert code == 0 and out.startswith("Deleted Containers:\n")
        assert "Total reclaimed space:" in out
        names = berth_cli("container", "ls", "-a", "--format", "{{.Names}}")[1].split()
        assert "pruned" not in names and {"kept", "alive"} <= set(names)
        code, out, _ = berth_cli("container", "prune", input=b"n\n")
        assert code == 0 and "WARNING! This will remove all stopped containers." in out
        assert "kept" in berth_cli("ps", "-a")[1]
        code, _, err = berth_cli("container", "prune", "-f", "--filter", "colour=red")
        assert code == 1 and "invalid filter 'colour'" in err
    finally:
        berth_cli("rm", "-f", "pruned", "kept", "alive")


def test_typos_get_suggestions(berth_cli):
    code, _, err = berth_cli("imags")
    assert code == 1 and "'imags' is not a berth command." in err
    assert "Did you mean this?\n\timages\n" in err
    code, _, err = berth_cli("container", "lss")
    assert code == 1 and "Did you mean this?\n\tls\n" in err


def test_cidfile_stop_signal_and_timeout(berth_cli, tmp_path):
    import json

    cidfile = tmp_path / "cid"
    code, cid, err = berth_cli("run", "-d", "--name", "cidded", "--cidfile", str(cidfile),
                               "--stop-signal", "SIGUSR1", "--stop-timeout", "3", "--init",
                               "busybox", "sleep", "60")
    try:
        assert code == 0, err
        assert cidfile.read_text() == cid.strip()
        config = json.loads(berth_cli("inspect", "cidded")[1])[0]["Config"]
        assert (config["StopSignal"], config["StopTimeout"]) == ("SIGUSR1", 3)
        code, _, err = berth_cli("run", "--rm", "--cidfile", str(cidfile), "busybox", "true")
        assert code == 125 and "Container ID file found" in err
        assert berth_cli("stop", "cidded")[0] == 0  # SIGUSR1, passed on by the init
        state = json.loads(berth_cli("inspect", "cidded")[1])[0]["State"]
        assert state["ExitCode"] == 138  # 128 + SIGUSR1
    finally:
        berth_cli("rm", "-f", "cidded")
