"""--network/--pid/--ipc/--uts container:NAME: one container in another's namespaces."""


NS = "for n in net ipc uts; do readlink /proc/self/ns/$n; done"


def _ns(berth_cli, *flags):
    code, out, err = berth_cli("run", "--rm", *flags, "busybox", "sh", "-c",
                               NS)
    assert code == 0, err
    return out.split()


def test_join_another_containers_namespaces(berth_cli):
    # Only a shareable container's IPC may be joined (dockerd 20.10 refuses a private one).
    assert berth_cli("run", "-d", "--name", "host-of-ns", "--ipc", "shareable", "busybox",
                     "sleep", "60")[0] == 0
    try:
        target = berth_cli("exec", "host-of-ns", "sh", "-c", NS)[1]
        net, ipc, uts = target.split()
        joined = _ns(berth_cli, "--network", "container:host-of-ns", "--ipc",
                     "container:host-of-ns", "--uts", "container:host-of-ns")
        assert joined == [net, ipc, uts]
        assert _ns(berth_cli)[0] != net  # without the flags: its own
        code, out, _ = berth_cli("run", "--rm", "--pid", "container:host-of-ns", "busybox",
                                 "ps", "-o", "pid,args")
        assert code == 0 and "1 sleep 60" in out
        code, _, err = berth_cli("run", "--rm", "--network", "container:nosuch", "busybox",
                                 "true")
        assert code == 125 and "No such container: nosuch" in err
        assert berth_cli("stop", "-t", "0", "host-of-ns")[0] == 0
        code, _, err = berth_cli("run", "--rm", "--network", "container:host-of-ns",
                                 "busybox", "true")
        assert code == 125 and "cannot join network of a non running container" in err
    finally:
        berth_cli("rm", "-f", "host-of-ns")


def test_namespace_modes_checked(berth_cli):
    assert berth_cli("run", "--rm", "--ipc", "shareable", "busybox", "true")[0] == 0
    assert berth_cli("run", "--rm", "--ipc", "private", "busybox", "true")[0] == 0
    for flag, value, word in (("--ipc", "weird", "IPC"), ("--pid", "weird", "PID"),
                              ("--uts", "weird", "UTS")):
        code, _, err = berth_cli("run", "--rm", flag, value, "busybox", "true")
        assert code == 125 and f"invalid {word} mode: weird" in err
