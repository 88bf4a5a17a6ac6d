"""Docker's default capabilities, no_new_privs and the process user."""

from rt_support import Supervisor

from berth.oci.defaults import CAPABILITY_NUMBERS, DEFAULT_CAPABILITIES

DOCKER_CAPS = sum(1 << CAPABILITY_NUMBERS[c] for c in DEFAULT_CAPABILITIES)


def _status(supervisor: Supervisor, **kw: object) -> dict[str, str]:
    r = supervisor.run(["cat", "/proc/self/status"], **kw)
    assert r.exit_code == 0, r.stderr
    return dict(line.split(":\t", 1) for line in r.stdout.decode().splitlines() if ":\t" in line)


def test_root_gets_dockers_14_capabilities(supervisor: Supervisor) -> None:
    status = _status(supervisor)
    assert DOCKER_CAPS == 0xA80425FB
    for field in ("CapEff", "CapPrm", "CapBnd"):
        assert int(status[field], 16) == DOCKER_CAPS, field
    assert int(status["CapInh"], 16) == 0
    assert int(status["CapAmb"], 16) == 0
    assert status["NoNewPrivs"] == "0"


def test_non_root_user_has_no_effective_caps(supervisor: Supervisor) -> None:
    status = _status(supervisor, uid=65534, gid=65534)
    assert status["Uid"].split() == ["65534"] * 4
    assert status["Gid"].split() == ["65534"] * 4
    assert int(status["CapEff"], 16) == 0
    assert int(status["CapPrm"], 16) == 0
    assert int(status["CapBnd"], 16) == DOCKER_CAPS


def test_no_new_privileges(supervisor: Supervisor) -> None:
    status = _status(supervisor, edit=lambda s: s["process"].update(noNewPrivileges=True))
    assert status["NoNewPrivs"] == "1"


def test_cap_sys_admin_is_gone(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "mount -t tmpfs none /mnt 2>&1; echo $?; "
                                    "hostname other 2>&1; echo $?"])
    lines = r.stdout.decode().splitlines()
    assert lines[1] != "0" and lines[3] != "0", lines
