"""Compile the runtime spec's ``linux.seccomp`` into a BPF program with libseccomp.

libseccomp (Debian's ``libseccomp2``) is loaded through ctypes when this module
is imported, in the supervisor, never after ``pivot_root``. ``compile_filter``
runs in the supervisor before the fork and caches its result by the filter's
JSON, so a container pays only for loading the program
(``berth.runtime.linux.sys.seccomp_load``), at the point of the init sequence
where ``shared/ref/container-init-sequence.md`` puts it. Like runc, a syscall
name this libseccomp does not know is skipped, and a rule whose action is the
default action is redundant and left out.
"""

import ctypes
import functools
import json
import os
from typing import Any

from berth.errors import InvalidArgument

try:
    _lib: ctypes.CDLL | None = ctypes.CDLL("libseccomp.so.2", use_errno=True)
except OSError:
    _lib = None

_ACT_KILL_PROCESS = 0x80000000
_ACT_KILL_THREAD = 0x00000000
_ACT_TRAP = 0x00030000
_ACT_ERRNO = 0x00050000
_ACT_TRACE = 0x7FF00000
_ACT_LOG = 0x7FFC0000
_ACT_ALLOW = 0x7FFF0000
_EPERM = 1

_OPS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
        "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}
_FLTATR_CTL_NNP = 3  # SCMP_FLTATR_CTL_NNP: berth sets no_new_privs itself
_ARCH_NAMES = {"SCMP_ARCH_X86": "x86", "SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X32": "x32",
               "SCMP_ARCH_ARM": "arm", "SCMP_ARCH_AARCH64": "aarch64",
               "SCMP_ARCH_PPC64LE": "ppc64le", "SCMP_ARCH_S390": "s390",
               "SCMP_ARCH_S390X": "s390x", "SCMP_ARCH_RISCV64": "riscv64"}


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


if _lib is not None:
    _lib.seccomp_init.restype = ctypes.c_void_p
    _lib.seccomp_init.argtypes = [ctypes.c_uint32]
    _lib.seccomp_release.argtypes = [ctypes.c_void_p]
    _lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
    _lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
    _lib.seccomp_arch_native.restype = ctypes.c_uint32
    _lib.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    _lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    _lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                            ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    _lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    _lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]


def available() -> bool:
    return _lib is not None


def _action(name: str, errno_ret: int | None) -> int:
    if name == "SCMP_ACT_ERRNO":
        return _ACT_ERRNO | ((_EPERM if errno_ret is None else errno_ret) & 0xFFFF)
    if name == "SCMP_ACT_TRACE":
        return _ACT_TRACE | ((_EPERM if errno_ret is None else errno_ret) & 0xFFFF)
    actions = {"SCMP_ACT_ALLOW": _ACT_ALLOW, "SCMP_ACT_KILL": _ACT_KILL_THREAD,
               "SCMP_ACT_KILL_THREAD": _ACT_KILL_THREAD,
               "SCMP_ACT_KILL_PROCESS": _ACT_KILL_PROCESS, "SCMP_ACT_TRAP": _ACT_TRAP,
               "SCMP_ACT_LOG": _ACT_LOG}
    if name not in actions:
        raise InvalidArgument(f"seccomp: unsupported action {name!r}")
    return actions[name]


def _comparisons(args: list[dict[str, Any]]) -> list[list[_ArgCmp]]:
    """runc's rule: comparisons on distinct arguments form one rule (AND); several on
    the same argument become one rule each (OR), which libseccomp cannot AND."""
    cmps = []
    for a in args:
        op = _OPS.get(a.get("op", ""))
        if op is None:
            raise InvalidArgument(f"seccomp: unsupported comparison {a.get('op')!r}")
        cmps.append(_ArgCmp(int(a["index"]), op, int(a.get("value", 0)),
                            int(a.get("valueTwo", 0))))
    if len({c.arg for c in cmps}) == len(cmps):
        return [cmps]
    return [[c] for c in cmps]


def compile_filter(linux_seccomp: dict[str, Any]) -> bytes:
    """The BPF program (``struct sock_filter`` array) for the filter; cached."""
    return _compile(json.dumps(linux_seccomp, sort_keys=True))


@functools.lru_cache(maxsize=16)
def _compile(key: str) -> bytes:
    if _lib is None:
        raise InvalidArgument("seccomp: libseccomp.so.2 is not installed (apt-get install "
                              "libseccomp2), or run with --security-opt seccomp=unconfined")
    spec = json.loads(key)
    default = _action(spec.get("defaultAction", "SCMP_ACT_ALLOW"), spec.get("defaultErrnoRet"))
    ctx = _lib.seccomp_init(default)
    if not ctx:
        raise InvalidArgument("seccomp: seccomp_init failed")
    try:
        _lib.seccomp_attr_set(ctx, _FLTATR_CTL_NNP, 0)
        native = _lib.seccomp_arch_native()
        for arch in spec.get("architectures") or []:
            token = _lib.seccomp_arch_resolve_name(_ARCH_NAMES.get(arch, arch).encode())
            if token and token != native:
                rc = _lib.seccomp_arch_add(ctx, token)
                if rc not in (0, -17):  # -EEXIST: already there
                    raise InvalidArgument(f"seccomp: cannot add architecture {arch}")
        for rule in spec.get("syscalls") or []:
            action = _action(rule["action"], rule.get("errnoRet"))
            if action == default:
                continue
            for name in rule.get("names") or []:
                nr = _lib.seccomp_syscall_resolve_name(name.encode())
                if nr < 0:
                    continue
                for cmps in _comparisons(rule.get("args") or []):
                    array = (_ArgCmp * len(cmps))(*cmps)
                    rc = _lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), array)
                    if rc < 0:
                        raise InvalidArgument(
                            f"seccomp: rule for {name} refused: {os.strerror(-rc)}")
        return _export(ctx)
    finally:
        _lib.seccomp_release(ctx)


def _export(ctx: int) -> bytes:
    assert _lib is not None
    fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
    try:
        rc = _lib.seccomp_export_bpf(ctx, fd)
        if rc < 0:
            raise InvalidArgument(f"seccomp: export failed: {os.strerror(-rc)}")
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
