"""``HostConfig.Sysctls`` (``--sysctl``): only the namespaced ones, in a namespace the
container has of its own, checked by runc's rules and refused in its words.

IPC sysctls (``kernel.msg*``, ``kernel.sem``, ``kernel.shm*``, ``fs.mqueue.*``) need
an IPC namespace, ``net.*`` a network namespace, ``kernel.domainname`` a UTS one
(``kernel.hostname`` has the OCI ``hostname`` field instead); anything else would
change the host. A name that would name no file under /proc/sys (``net..``) is refused.
"""

from typing import Any

from berth.errors import InvalidArgument
from berth.runtime.process import sysctl_path

_IPC = frozenset({"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                  "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"})


def _refusal(name: str, namespaces: set[str]) -> str | None:
    if name in _IPC or name.startswith("fs.mqueue."):
        return None if "ipc" in namespaces else \
            f'sysctl "{name}" is not allowed in the hosts ipc namespace'
    if name.startswith("net."):
        return None if "network" in namespaces else \
            f'sysctl "{name}" not allowed in host network namespace'
    if "uts" in namespaces and name == "kernel.domainname":
        return None
    if "uts" in namespaces and name == "kernel.hostname":
        return f'sysctl "{name}" is not allowed as it conflicts with the OCI "hostname" field'
    return f'sysctl "{name}" is not in a separate kernel namespace'


def checked(sysctls: dict[str, Any], namespaces: set[str]) -> dict[str, str]:
    """The sysctls to write in the container, whose namespace types are ``namespaces``
    (joined ones included); InvalidArgument for one it may not set."""
    out = {}
    for name, value in sysctls.items():
        parts = sysctl_path(name).split("/")
        if any(p in ("", ".", "..") for p in parts) or "\0" in name + str(value):
            raise InvalidArgument(f'sysctl "{name}" is not a valid sysctl name')
        refusal = _refusal(name, namespaces)
        if refusal is not None:
            raise InvalidArgument(refusal)
        out[name] = str(value)
    return out
