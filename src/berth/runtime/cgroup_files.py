"""Reading and writing cgroup files, for both hierarchies (v1 and v2).

A cgroup file takes one value a write: a kernel that refuses it says so with an
errno and nothing else, so a failed write is raised naming the file and the
value. Reads of a missing file (a controller this host lacks) give empty values,
which the stats readers turn into zeros, as dockerd shows them.
"""

import os

CGROUP_ROOT = "/sys/fs/cgroup"


def write(path: str, value: str) -> None:
    """Write one value; an error names the file and the value (the kernel refuses
    values, not files: ``No such device`` for a limit on a device it cannot throttle)."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    except OSError as e:
        raise OSError(e.errno, f'writing "{value}": {e.strerror}', path) from None
    finally:
        os.close(fd)


def read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def read_int(path: str) -> int:
    text = read(path).strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def read_pairs(path: str) -> dict[str, int]:
    """A flat keyed file (``key value`` lines: memory.stat, cpu.stat, memory.events)."""
    out = {}
    for line in read(path).splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            out[key] = int(value)
    return out


def own_cgroups(proc_cgroup: str = "/proc/self/cgroup") -> dict[str, str]:
    """A process's cgroup in each hierarchy: by v1 controller name, and the v2 one
    (the ``0::`` line) under the key ``""``."""
    out: dict[str, str] = {}
    with open(proc_cgroup) as f:
        for line in f:
            hierarchy, names, path = line.rstrip("\n").split(":", 2)
            if hierarchy == "0" and not names:
                out[""] = path
            for name in names.split(","):
                if name:
                    out[name] = path
    return out


def procs(directory: str) -> list[int]:
    """The pids in a cgroup directory's ``cgroup.procs`` (none once it is gone)."""
    try:
        with open(f"{directory}/cgroup.procs") as f:
            return [int(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def remove_parents(path: str, levels: int) -> None:
    """Remove the ``levels`` directories above ``path`` that were made for containers
    (``berth`` of ``berth/<id>``) once the last one is gone."""
    for _ in range(levels):
        path = os.path.dirname(path)
        try:
            os.rmdir(path)
        except OSError:
            break  # still used by another container, or already gone
