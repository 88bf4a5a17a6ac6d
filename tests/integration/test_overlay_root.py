"""The root is an overlay mounted inside the container: writes stay in its upper dir."""

from pathlib import Path

from rt_support import Supervisor


def test_writes_stay_in_the_container(supervisor: Supervisor) -> None:
    first = supervisor.run(["sh", "-c", "echo secret > /etc/mine; mkdir -p /data/x; cat /etc/mine"])
    assert first.stdout == b"secret\n"
    assert not (supervisor.lower / "etc" / "mine").exists()
    assert not (supervisor.lower / "data").exists()
    upper = supervisor.container_dir(first.id) / "upper"
    assert (upper / "etc" / "mine").read_text() == "secret\n"
    second = supervisor.run(["sh", "-c", "cat /etc/mine 2>&1; ls /data 2>&1; echo done"])
    assert b"secret" not in second.stdout and second.stdout.endswith(b"done\n")
    # Nothing of the container is mounted on the host, not even while it runs.
    assert str(supervisor.root) not in Path("/proc/self/mountinfo").read_text()


def test_deleting_a_lower_file_whites_it_out(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "rm /etc/group; ls /etc"])
    assert r.stdout == b"passwd\n"
    assert (supervisor.lower / "etc" / "group").exists()


def test_root_readonly(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "touch /x 2>/dev/null; echo $?; touch /dev/shm/ok; echo $?"],
                       edit=lambda s: s["root"].update(readonly=True))
    assert r.stdout.decode().split() == ["1", "0"]
