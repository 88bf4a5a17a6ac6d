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
    assert "Error response from daemon: " in err and "library/nosuchimage" in err
    code, _, err = berth_cli("create", "--cap-add", "NOT_A_CAP", "busybox")
    assert code == 1 and 'unknown capability: "CAP_NOT_A_CAP"' in err
    code, _, err = berth_cli("start", "-a", "nosuch1", "nosuch2")
    assert code == 1 and "you cannot start and attach multiple containers at once" in err
    code, _, err = berth_cli("attach", "nosuchcontainer")
    assert code == 1 and "No such container: nosuchcontainer" in err
