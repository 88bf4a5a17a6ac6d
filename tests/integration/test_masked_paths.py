"""Docker's masked and read-only paths under /proc and /sys."""

from rt_support import Supervisor


def test_masked_paths(supervisor: Supervisor) -> None:
    # Of docker's list, these exist on the test hosts; missing ones are skipped.
    r = supervisor.run(["sh", "-c", "cat /proc/keys /proc/timer_list | wc -c; "
                                    "ls -A /sys/firmware /proc/acpi | wc -l; "
                                    "cat /proc/self/mountinfo"])
    lines = r.stdout.decode().splitlines()
    # Two empty files; two empty directories make two headers and one blank line.
    assert [lines[0].strip(), lines[1].strip()] == ["0", "3"]
    mounts = {}
    for line in lines[2:]:
        fields = line.split()
        mounts[fields[4]] = (fields[5], fields[fields.index("-") + 1])
    # A file gets the null device bound over it, a directory an empty read-only tmpfs.
    assert mounts["/proc/keys"][1] == "tmpfs"  # /dev/null lives on the /dev tmpfs
    assert mounts["/proc/timer_list"][1] == "tmpfs"
    assert mounts["/sys/firmware"] == ("ro,relatime", "tmpfs")
    assert mounts["/proc/acpi"] == ("ro,relatime", "tmpfs")


def test_readonly_paths(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "echo 1 > /proc/sys/kernel/domainname; echo $?; "
                                    "echo 1 > /proc/sysrq-trigger; echo $?; "
                                    "grep -E ' /proc/(sys|bus|fs|irq) ' /proc/self/mountinfo"])
    lines = r.stdout.decode().splitlines()
    assert lines[0] != "0" and lines[1] != "0", lines
    mounted = {line.split()[4]: line.split()[5] for line in lines[2:]}
    for path in ("/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq"):
        if path in mounted:
            assert mounted[path].startswith("ro"), (path, mounted)
    assert "/proc/sys" in mounted


def test_sys_is_read_only(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "touch /sys/x 2>/dev/null; echo $?"])
    assert r.stdout != b"0\n"
