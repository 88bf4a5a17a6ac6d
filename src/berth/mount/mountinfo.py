"""What is mounted where: the mount points of ``/proc/self/mountinfo``."""

_ESCAPES = ("\\040", "\\011", "\\012", "\\134")  # space, tab, newline, backslash


def _unescape(field: str) -> str:
    for code in _ESCAPES:
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def mount_points(mountinfo: str = "/proc/self/mountinfo") -> set[str]:
    """Every mount point (field 5), as the kernel shows it: resolved, unescaped."""
    with open(mountinfo) as f:
        return {_unescape(line.split()[4]) for line in f if line.strip()}
