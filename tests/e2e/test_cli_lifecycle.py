"""berth pause, unpause, restart and rename as a user types them."""


def test_pause_unpause_restart_rename(berth_cli):
    code, cid, _ = berth_cli("run", "-d", "--name", "lc1", "busybox", "sleep", "100")
    assert code == 0
    try:
        assert berth_cli("pause", "lc1")[:2] == (0, "lc1\n")
        assert "(Paused)" in berth_cli("ps")[1]
        code, _, err = berth_cli("pause", "lc1")
        assert code == 1 and "is already paused" in err
        assert berth_cli("unpause", "lc1")[:2] == (0, "lc1\n")
        assert berth_cli("rename", "lc1", "lc2")[:2] == (0, "")
        code, _, err = berth_cli("rename", "lc2")
        assert code == 1 and "requires at least 2 arguments" in err
        assert berth_cli("restart", "-t", "0", "lc2")[:2] == (0, "lc2\n")
        ps = berth_cli("ps")[1]
        assert "lc2" in ps and "Up " in ps and "lc1" not in ps
        code, _, err = berth_cli("unpause", "nosuchcontainer")
        assert code == 1 and "No such container: nosuchcontainer" in err
    finally:
        berth_cli("rm", "-f", cid.strip())


def test_top(berth_cli):
    code, cid, _ = berth_cli("run", "-d", "--name", "topcli", "busybox", "sh", "-c",
                             "sleep 100 & sleep 200")
    try:
        code, out, _ = berth_cli("top", "topcli")
        lines = out.splitlines()
        assert code == 0 and lines[0].split()[:3] == ["UID", "PID", "PPID"]
        assert sorted(" ".join(line.split()[7:]) for line in lines[1:]) == [
            "sleep 100", "sleep 200"]
        code, out, _ = berth_cli("top", "topcli", "-o", "pid,comm")
        assert out.split()[:2] == ["PID", "COMMAND"]
        code, _, err = berth_cli("top", "nosuchcontainer")
        assert code == 1 and "No such container" in err
    finally:
        berth_cli("rm", "-f", cid.strip())


def test_port_without_published_ports(berth_cli):
    code, cid, _ = berth_cli("run", "-d", "--name", "portcli", "busybox", "sleep", "100")
    try:
        assert berth_cli("port", "portcli")[:2] == (0, "")
        code, _, err = berth_cli("container", "port", "portcli", "80")
        assert (code, err) == (1, "Error: No public port '80' published for portcli\n")
        code, _, err = berth_cli("port", "nosuchcontainer")
        assert code == 1 and "No such container: nosuchcontainer" in err
    finally:
        berth_cli("rm", "-f", cid.strip())
