"""Process attributes from the spec: sysctls, domainname, rlimits, umask, oom_score_adj, cwd."""

from pathlib import Path
from typing import Any

import pytest
from rt_support import Supervisor

from berth.errors import FailedPrecondition


def test_sysctl_domainname_rlimit_umask_oom(supervisor: Supervisor) -> None:
    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["sysctl"] = {"net.ipv4.ip_unprivileged_port_start": "0",
                                   "kernel.shmmni": "2048"}
        spec["domainname"] = "example.org"
        spec["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]
        spec["process"]["user"]["umask"] = 0o077
        spec["process"]["oomScoreAdj"] = 500

    host_shmmni = Path("/proc/sys/kernel/shmmni").read_text()
    r = supervisor.run(["sh", "-c", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start "
                                    "/proc/sys/kernel/shmmni /proc/sys/kernel/domainname "
                                    "/proc/self/oom_score_adj; ulimit -n; ulimit -Hn; umask"],
                       edit=edit)
    assert r.stdout.decode().split() == ["0", "2048", "example.org", "500", "512", "1024",
                                         "0077"], r.stderr
    assert Path("/proc/sys/kernel/shmmni").read_text() == host_shmmni  # namespaced


def test_host_sysctls_are_refused(supervisor: Supervisor) -> None:
    for key in ("kernel.hostname", "vm.swappiness", "kernel.panic"):
        with pytest.raises(FailedPrecondition, match="not allowed"):
            supervisor.start(["true"], edit=lambda s, k=key: s["linux"].update(sysctl={k: "1"}))


def test_non_root_user_in_a_new_workdir(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "id -u; id -g; pwd; touch /tmp/mine && echo ok"],
                       uid=65534, gid=65534, cwd="/home/app")
    assert r.stdout.decode().split() == ["65534", "65534", "/home/app", "ok"], r.stderr
