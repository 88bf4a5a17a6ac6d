"""Escapes that must fail inside a default container, as they fail under Docker; and
what ``--privileged`` lets through, as Docker does. Each runs through the berth CLI."""

import os
import socket

import pytest


def _sh(berth_cli, script: str, *flags: str) -> tuple[int, str]:
    code, out, err = berth_cli("run", "--rm", *flags, "busybox", "sh", "-c", script)
    return code, out + err


@pytest.mark.parametrize(("what", "script", "expected"), [
    ("mount a filesystem", "mount -t tmpfs none /tmp", "permission denied"),
    ("a new mount namespace", "unshare -m true", "Operation not permitted"),
    ("a user namespace", "unshare -U true", "Operation not permitted"),
    ("write /proc/sys", "echo '|/tmp/x' > /proc/sys/kernel/core_pattern",
     "Read-only file system"),
    ("drop the host's caches", "echo 3 > /proc/sys/vm/drop_caches", "Read-only file system"),
    ("write /sys", "echo 1 > /sys/kernel/profiling", "Read-only file system"),
    ("load a kernel module", ": > /tmp/x.ko; insmod /tmp/x.ko", ""),
    ("open a disk node", "mknod /tmp/disk b 8 0 && head -c 1 /tmp/disk",
     "Operation not permitted"),
    ("open a memory node", "mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem",
     "Operation not permitted"),
    ("set the clock", "date -s 2000-01-01 2>&1 | grep -q 'not permitted' && exit 1", ""),
    ("change the hostname", "hostname evil", "Operation not permitted"),
    ("raise a hard limit", "ulimit -H -n 1048576", ""),
])
def test_refused(berth_cli, what, script, expected):
    code, output = _sh(berth_cli, script)
    assert code != 0, f"{what}: {output}"
    assert expected.lower() in output.lower(), f"{what}: {output}"


def test_kernel_files_are_masked(berth_cli):
    present = [p for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug")
               if os.path.exists(p)]
    assert present, "this kernel has none of docker's masked /proc files"
    code, output = _sh(berth_cli, "; ".join(f"wc -c < {p}" for p in present))
    assert code == 0 and output.split() == ["0"] * len(present)
    code, output = _sh(berth_cli, "ls -A /sys/firmware | wc -l")
    assert (code, output) == (0, "0\n")


def test_host_processes_and_files_are_out_of_sight(berth_cli):
    code, output = _sh(berth_cli, "ls /proc | grep -c '^[0-9]'; kill -0 " + str(os.getpid())
                       + " 2>&1 || echo no-such-pid")
    assert code == 0
    count = output.split("\n")[0]
    assert int(count) <= 3  # sh, ls, grep: nothing of the host
    assert "no-such-pid" in output
    assert _sh(berth_cli, f"ls /proc/{os.getppid()}/root")[0] != 0


def test_hostname_of_the_host_is_untouched(berth_cli):
    before = socket.gethostname()
    _sh(berth_cli, "hostname evil")
    _sh(berth_cli, "hostname evil2", "--cap-add", "SYS_ADMIN")  # its own UTS namespace
    assert socket.gethostname() == before


def test_raw_sockets_need_net_raw(berth_cli):
    assert _sh(berth_cli, "ping -c 1 -W 1 127.0.0.1")[0] == 0
    code, output = _sh(berth_cli, "ping -c 1 -W 1 127.0.0.1", "--cap-drop", "NET_RAW")
    assert code != 0 and "permission denied" in output.lower()


def test_read_only_root(berth_cli):
    code, output = _sh(berth_cli, "touch /evil", "--read-only")
    assert code != 0 and "Read-only file system" in output
    assert _sh(berth_cli, "touch /tmp/ok 2>/dev/null || echo refused", "--read-only")[1] \
        == "refused\n"  # /tmp too, unless --tmpfs /tmp


def test_privileged_is_allowed_what_docker_allows(berth_cli):
    code, output = _sh(berth_cli, "mount -t tmpfs none /tmp && echo mounted && "
                                  "unshare -m true && echo unshared && "
                                  "p=/proc/sys/kernel/core_pattern; cat $p > $p && echo wrote-proc",
                       "--privileged")
    assert code == 0, output
    assert output.split() == ["mounted", "unshared", "wrote-proc"]
