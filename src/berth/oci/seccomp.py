"""Docker's seccomp profile as data, and its conversion to the runtime spec's filter.

``seccomp_default.json`` beside this module is Docker's default profile
(moby ``profiles/seccomp/default.json``). ``linux_seccomp`` does what dockerd's
``setupSeccomp`` does with a profile: keep the architectures of this machine,
drop the rules whose ``includes``/``excludes`` (architectures, capabilities,
kernel version) do not fit the container, and return the OCI
``linux.seccomp`` object the runtime compiles.
"""

import json
import os
from importlib import resources
from typing import Any

from berth.errors import InvalidArgument

JSON = dict[str, Any]

# uname machine -> (Go's GOARCH as profiles name it, libseccomp's SCMP_ARCH_ name)
_ARCHES = {
    "x86_64": ("amd64", "SCMP_ARCH_X86_64"), "aarch64": ("arm64", "SCMP_ARCH_AARCH64"),
    "i686": ("386", "SCMP_ARCH_X86"), "armv7l": ("arm", "SCMP_ARCH_ARM"),
    "ppc64le": ("ppc64le", "SCMP_ARCH_PPC64LE"), "s390x": ("s390x", "SCMP_ARCH_S390X"),
    "riscv64": ("riscv64", "SCMP_ARCH_RISCV64"),
}


def default_profile() -> JSON:
    text = resources.files("berth.oci").joinpath("seccomp_default.json").read_text()
    profile: JSON = json.loads(text)
    return profile


def parse_profile(text: str) -> JSON:
    """A profile given with ``--security-opt seccomp=<json>``; InvalidArgument if bad."""
    try:
        profile = json.loads(text)
    except ValueError as e:
        raise InvalidArgument(f"decoding seccomp profile failed: {e}") from None
    if not isinstance(profile, dict):
        raise InvalidArgument("decoding seccomp profile failed: not a JSON object")
    if "archMap" in profile and "architectures" in profile:
        raise InvalidArgument("use either 'architectures' or 'archMap'")
    return profile


def _kernel() -> tuple[int, int]:
    release = os.uname().release
    parts = release.split("-")[0].split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (0, 0)


def _min_kernel(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def linux_seccomp(profile: JSON, capabilities: list[str], machine: str | None = None,
                  kernel: tuple[int, int] | None = None) -> JSON:
    """The OCI ``linux.seccomp`` for a container with these (bounding) capabilities."""
    machine = machine or os.uname().machine
    goarch, scmp_arch = _ARCHES.get(machine, (machine, ""))
    kernel = kernel or _kernel()
    caps = set(capabilities)
    arches: list[str] = list(profile.get("architectures") or [])
    for entry in profile.get("archMap") or []:
        if entry.get("architecture") == scmp_arch:
            arches = [scmp_arch, *(entry.get("subArchitectures") or [])]

    def applies(rule: JSON) -> bool:
        inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
        if inc.get("arches") and goarch not in inc["arches"]:
            return False
        if inc.get("caps") and not set(inc["caps"]) <= caps:
            return False
        if inc.get("minKernel") and kernel < _min_kernel(inc["minKernel"]):
            return False
        if exc.get("arches") and goarch in exc["arches"]:
            return False
        return not (exc.get("caps") and set(exc["caps"]) & caps)

    syscalls: list[JSON] = []
    for rule in profile.get("syscalls") or []:
        if not applies(rule):
            continue
        names = list(rule.get("names") or ([rule["name"]] if rule.get("name") else []))
        out: JSON = {"names": names, "action": rule["action"]}
        if rule.get("errnoRet") is not None:
            out["errnoRet"] = rule["errnoRet"]
        if rule.get("args"):
            out["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op") if k in a}
                           for a in rule["args"]]
        syscalls.append(out)
    result: JSON = {"defaultAction": profile.get("defaultAction", "SCMP_ACT_ERRNO"),
                    "architectures": arches, "syscalls": syscalls}
    if profile.get("defaultErrnoRet") is not None:
        result["defaultErrnoRet"] = profile["defaultErrnoRet"]
    return result
