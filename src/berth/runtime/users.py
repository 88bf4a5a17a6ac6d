"""docker's ``--user`` and ``--group-add``, resolved in the container's own files.

Runs in the init after ``pivot_root`` (and in an exec after it joins the mount
namespace), so ``/etc/passwd`` and ``/etc/group`` are the container's, with
its changes: as runc's ``GetExecUser`` does. ``user`` is ``name|uid[:group|gid]``;
a name must exist, a number need not. Without a group, the user's primary
group from passwd and the groups that list the user are taken. ``HOME`` comes
from passwd (``/`` when the user has no entry) unless the environment has one.
"""

import os
import stat
from dataclasses import dataclass

from berth.errors import InvalidArgument


@dataclass(frozen=True, slots=True)
class ExecUser:
    uid: int
    gid: int
    additional_gids: tuple[int, ...]
    home: str


MAX_FILE = 16 << 20
"""Read no more of a passwd or group file: the container's, so it may be anything."""


def _read(path: str) -> list[list[str]]:
    """The entries of a passwd or group file; none unless it is a regular file.

    Opened without blocking and checked with ``fstat``: a FIFO (or a device) in its
    place must not hold up the start, nor the supervisor waiting for it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return []
    with os.fdopen(fd, "rb") as f:
        text = f.read(MAX_FILE).decode("utf-8", errors="replace")
    return [line.split(":") for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def resolve(spec: str, group_add: list[str] | None = None, passwd: str = "/etc/passwd",
            group: str = "/etc/group") -> ExecUser:
    user_part, _, group_part = spec.partition(":")
    user_part = user_part or "0"
    users = [e for e in _read(passwd) if len(e) >= 6]
    uid_n = _number(user_part)
    entry = next((e for e in users if (e[0] == user_part if uid_n is None
                                       else _number(e[2]) == uid_n)), None)
    if entry is None and uid_n is None:
        raise InvalidArgument(
            f"unable to find user {user_part}: no matching entries in passwd file")
    uid = uid_n if uid_n is not None else int(entry[2]) if entry else 0
    gid = (_number(entry[3]) or 0) if entry else 0
    home = entry[5] if entry and entry[5] else "/"
    name = entry[0] if entry else None
    groups = [e for e in _read(group) if len(e) >= 3]
    extra: list[int] = []
    if group_part:
        gid = _group_id(group_part, groups)
    elif name is not None:
        extra = [int(e[2]) for e in groups
                 if len(e) >= 4 and name in e[3].split(",") and e[2].isdigit()]
    extra += [_group_id(g, groups) for g in group_add or []]
    return ExecUser(uid, gid, tuple(dict.fromkeys(extra)), home)


def _group_id(text: str, groups: list[list[str]]) -> int:
    number = _number(text)
    if number is not None:
        return number
    entry = next((e for e in groups if e[0] == text), None)
    if entry is None or not entry[2].isdigit():
        raise InvalidArgument(f"unable to find group {text}: no matching entries in group file")
    return int(entry[2])


def apply(proc: dict[str, object]) -> None:
    """Resolve ``proc["user"]["username"]`` (docker's ``--user``) into ids, in place, and
    give the environment its ``HOME``. A process without ``username`` is left as is."""
    user = proc.get("user")
    if not isinstance(user, dict) or "username" not in user:
        return
    found = resolve(str(user.get("username") or ""), list(user.get("groupAdd") or []))
    user.update(uid=found.uid, gid=found.gid, additionalGids=list(found.additional_gids))
    env = proc.get("env")
    if isinstance(env, list) and not any(str(e).startswith("HOME=") for e in env):
        env.append(f"HOME={found.home}")
