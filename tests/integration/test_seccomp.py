"""Docker's default seccomp profile, compiled with libseccomp and loaded by the init."""

from typing import Any

from rt_support import Supervisor

from berth.oci.defaults import DEFAULT_CAPABILITIES
from berth.oci.seccomp import default_profile, linux_seccomp


def _with(filter_: dict[str, Any], nnp: bool = False) -> Any:
    def edit(spec: dict[str, Any]) -> None:
        spec["linux"]["seccomp"] = filter_
        spec["process"]["noNewPrivileges"] = nnp
    return edit


DOCKER = linux_seccomp(default_profile(), list(DEFAULT_CAPABILITIES))


def _seccomp_mode(supervisor: Supervisor, **kw: Any) -> str:
    r = supervisor.run(["grep", "^Seccomp:", "/proc/self/status"], **kw)
    assert r.exit_code == 0, r.stderr
    return r.stdout.decode().split()[-1]


def test_default_profile_is_loaded(supervisor: Supervisor) -> None:
    assert _seccomp_mode(supervisor) == "0"  # no filter in the spec: none loaded
    assert _seccomp_mode(supervisor, edit=_with(DOCKER)) == "2"
    assert _seccomp_mode(supervisor, edit=_with(DOCKER, nnp=True)) == "2"


def test_user_namespaces_are_refused_only_under_the_filter(supervisor: Supervisor) -> None:
    r = supervisor.run(["unshare", "-U", "true"], edit=_with(DOCKER))
    assert r.exit_code == 1 and b"Operation not permitted" in r.stderr
    assert supervisor.run(["unshare", "-U", "true"]).exit_code == 0


def test_a_profile_of_our_own_with_errno_and_args(supervisor: Supervisor) -> None:
    own = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
           "syscalls": [
               {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
               # kill(pid, 9) refused, other signals allowed: an argument comparison
               {"names": ["kill"], "action": "SCMP_ACT_ERRNO",
                "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
               {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"}]}
    r = supervisor.run(["mkdir", "/tmp/x"], edit=_with(own, nnp=True))
    assert r.exit_code == 1 and b"Permission denied" in r.stderr
    r = supervisor.run(["sh", "-c", "kill -9 $$ || echo refused; kill -0 $$ && echo ok"],
                       edit=_with(own))
    assert r.stdout == b"refused\nok\n"


def test_capabilities_decide_the_rules() -> None:
    names = {n for rule in DOCKER["syscalls"] for n in rule["names"]
             if rule["action"] == "SCMP_ACT_ALLOW"}
    assert "unshare" not in names and "mount" not in names and "ptrace" in names
    admin = linux_seccomp(default_profile(), [*DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])
    admin_names = {n for rule in admin["syscalls"] for n in rule["names"]
                   if rule["action"] == "SCMP_ACT_ALLOW"}
    assert {"unshare", "mount", "setns"} <= admin_names
    assert DOCKER["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    assert DOCKER["defaultAction"] == "SCMP_ACT_ERRNO" and DOCKER["defaultErrnoRet"] == 1
