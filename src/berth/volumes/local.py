"""The local driver's options, as dockerd 20.10's ``local`` driver reads them.

``type``, ``o`` and ``device`` describe a mount made on the volume's ``_data``
when the first container using it starts and undone when the last one stops:
``type=tmpfs,device=tmpfs,o=size=64m``, ``type=none,o=bind,device=/srv/x``,
``type=ext4,device=/dev/sdb1``. Without options the volume is a plain directory.
``o`` is split as moby's ``mount.Mount`` splits it: the words it knows become
mount flags (``ro``, ``nosuid``, ``bind``...), the rest the filesystem's data.
"""

import os
from dataclasses import dataclass

from berth.errors import FailedPrecondition, InvalidArgument
from berth.runtime.linux import sys as lx

VALID_OPTIONS = ("type", "device", "o")

# word: (clear instead of set, flag), moby/sys/mount's table
_FLAGS: dict[str, tuple[bool, int]] = {
    "defaults": (False, 0), "ro": (False, lx.MS_RDONLY), "rw": (True, lx.MS_RDONLY),
    "suid": (True, lx.MS_NOSUID), "nosuid": (False, lx.MS_NOSUID),
    "dev": (True, lx.MS_NODEV), "nodev": (False, lx.MS_NODEV),
    "exec": (True, lx.MS_NOEXEC), "noexec": (False, lx.MS_NOEXEC),
    "sync": (False, 0x10), "async": (True, 0x10), "dirsync": (False, 0x80),
    "mand": (False, 0x40), "nomand": (True, 0x40),
    "atime": (True, lx.MS_NOATIME), "noatime": (False, lx.MS_NOATIME),
    "diratime": (True, lx.MS_NODIRATIME), "nodiratime": (False, lx.MS_NODIRATIME),
    "bind": (False, lx.MS_BIND), "rbind": (False, lx.MS_BIND | lx.MS_REC),
    "relatime": (False, lx.MS_RELATIME), "norelatime": (True, lx.MS_RELATIME),
    "strictatime": (False, lx.MS_STRICTATIME), "nostrictatime": (True, lx.MS_STRICTATIME),
}
_PROPAGATION = {"private": lx.MS_PRIVATE, "rprivate": lx.MS_PRIVATE | lx.MS_REC,
                "shared": lx.MS_SHARED, "rshared": lx.MS_SHARED | lx.MS_REC,
                "slave": lx.MS_SLAVE, "rslave": lx.MS_SLAVE | lx.MS_REC}


def check_options(name: str, options: dict[str, str]) -> None:
    """dockerd's checks at ``volume create``: known keys, and a device when any is given."""
    for key in options:
        if key not in VALID_OPTIONS:
            raise InvalidArgument(f'create {name}: invalid option: "{key}"')
    if options and "device" not in options:
        raise InvalidArgument(f'create {name}: missing required option: "device"')


@dataclass(frozen=True, slots=True)
class MountArgs:
    source: str
    fstype: str
    flags: int
    data: str
    propagation: int  # applied after the mount, as moby does


def mount_args(options: dict[str, str]) -> MountArgs:
    flags, propagation, data = 0, 0, []
    for word in (options.get("o") or "").split(","):
        if not word:
            continue
        if word in _FLAGS:
            clear, flag = _FLAGS[word]
            flags = flags & ~flag if clear else flags | flag
        elif word in _PROPAGATION:
            propagation |= _PROPAGATION[word]
        else:
            data.append(word)
    return MountArgs(options.get("device", ""), options.get("type", ""), flags, ",".join(data),
                     propagation)


def mount(options: dict[str, str], target: str) -> None:
    """Mount the volume's device on ``target`` (its ``_data``); dockerd's error words."""
    args = mount_args(options)
    try:
        lx.mount(args.source, target, args.fstype or None, args.flags & ~lx.MS_RDONLY
                 if args.flags & lx.MS_BIND else args.flags, args.data or None)
        if args.flags & lx.MS_BIND and args.flags & lx.MS_RDONLY:  # a bind is made ro after
            lx.mount(None, target, None, args.flags | lx.MS_REMOUNT, None)
        if args.propagation:
            lx.mount(None, target, None, args.propagation, None)
    except OSError as e:
        what = f"mount {args.source}:{target}, flags: {args.flags:#x}"
        if args.data:
            what += f", data: {args.data}"
        reason = os.strerror(e.errno or 0)
        raise FailedPrecondition(
            f"error while mounting volume '{target}': failed to mount local volume: {what}: "
            f"{reason[:1].lower()}{reason[1:]}") from None


def unmount(target: str) -> None:
    """Lazily, so a container's own bind of it (still held by a dying init) is no bar."""
    lx.umount2(target, lx.MNT_DETACH)
