"""The device rules of a v2 cgroup: a ``BPF_PROG_TYPE_CGROUP_DEVICE`` program.

cgroup v2 has no devices controller. The kernel instead runs a BPF program
attached to the cgroup at every open and mknod of a device node by a process in
it; the program gets ``struct bpf_cgroup_dev_ctx`` (``access_type`` = access << 16 |
type, ``major``, ``minor``) and returns 1 to allow, 0 to refuse (EPERM). runc
assembles that program from the OCI ``linux.resources.devices`` rules; so does this
module, with the same meaning as the v1 ``devices.allow``/``devices.deny`` writes
the rules stand for:

- a rule for every device (type ``a`` or none, no numbers, ``rwm``) sets what is
  allowed by default and drops the rules before it (v1: ``a`` resets the lists);
- otherwise the last rule matching the device and covering every access asked for
  decides; the program checks the rules from the last one back, then the default.
"""

import os
import struct
from typing import Any

from berth.runtime.linux import sys as lx

# struct bpf_cgroup_dev_ctx: the type and access bits
_TYPES = {"b": 1, "c": 2}  # BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR
_ACCESS = {"m": 1, "r": 2, "w": 4}  # BPF_DEVCG_ACC_MKNOD, _READ, _WRITE

# eBPF opcodes used (class | operation | source)
_LDX_W = 0x61  # BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
_AND32_K = 0x54  # BPF_ALU | BPF_AND | BPF_K
_RSH32_K = 0x74  # BPF_ALU | BPF_RSH | BPF_K
_MOV32_X = 0xBC  # BPF_ALU | BPF_MOV | BPF_X
_MOV64_K = 0xB7  # BPF_ALU64 | BPF_MOV | BPF_K
_JNE_K = 0x55  # BPF_JMP | BPF_JNE | BPF_K
_JNE_X = 0x5D  # BPF_JMP | BPF_JNE | BPF_X
_EXIT = 0x95  # BPF_JMP | BPF_EXIT
_NEXT = -1  # a jump to the next rule's block, resolved once the block is whole

Insn = tuple[int, int, int, int, int]  # opcode, dst, src, off, imm


def _encode(insns: list[Insn]) -> bytes:
    return b"".join(struct.pack("<BBhi", op, (src << 4) | dst, off, imm)
                    for op, dst, src, off, imm in insns)


def _access(rule: dict[str, Any]) -> int:
    return sum(_ACCESS[c] for c in set(str(rule.get("access") or "rwm")) if c in _ACCESS)


def _is_all(rule: dict[str, Any]) -> bool:
    return (rule.get("type") or "a") == "a" and rule.get("major") is None and \
        rule.get("minor") is None and _access(rule) == 7


def _block(rule: dict[str, Any]) -> list[Insn]:
    """Return allow/deny when the device matches the rule; else on to the next block.
    Registers: r2 type, r3 access asked, r4 major, r5 minor."""
    out: list[Insn] = []
    kind = rule.get("type") or "a"
    if kind != "a":
        out.append((_JNE_K, 2, 0, _NEXT, _TYPES[kind]))
    access = _access(rule)
    if access != 7:  # every bit asked must be in the rule: (r3 & access) == r3
        out += [(_MOV32_X, 1, 3, 0, 0), (_AND32_K, 1, 0, 0, access),
                (_JNE_X, 1, 3, _NEXT, 0)]
    for register, key in ((4, "major"), (5, "minor")):
        if rule.get(key) is not None:
            out.append((_JNE_K, register, 0, _NEXT, int(rule[key])))
    out += [(_MOV64_K, 0, 0, 0, 1 if rule.get("allow") else 0), (_EXIT, 0, 0, 0, 0)]
    return [(op, dst, src, len(out) - i - 1 if off == _NEXT else off, imm)
            for i, (op, dst, src, off, imm) in enumerate(out)]


def program(rules: list[dict[str, Any]]) -> bytes:
    """The eBPF instructions for OCI device rules (see the module docstring)."""
    allow_default = True  # a new cgroup allows every device, as v1's does
    kept: list[dict[str, Any]] = []
    for rule in rules:
        if rule.get("type") not in (None, "a", "b", "c"):
            raise ValueError(f"device rule type {rule.get('type')!r}")
        if _is_all(rule):
            allow_default, kept = bool(rule.get("allow")), []
        else:
            kept.append(rule)
    insns: list[Insn] = [
        (_LDX_W, 2, 1, 0, 0), (_AND32_K, 2, 0, 0, 0xFFFF),  # r2 = type
        (_LDX_W, 3, 1, 0, 0), (_RSH32_K, 3, 0, 0, 16),  # r3 = access
        (_LDX_W, 4, 1, 4, 0), (_LDX_W, 5, 1, 8, 0)]  # r4 = major, r5 = minor
    for rule in reversed(kept):
        insns += _block(rule)
    insns += [(_MOV64_K, 0, 0, 0, 1 if allow_default else 0), (_EXIT, 0, 0, 0, 0)]
    return _encode(insns)


def attach(cgroup_dir: str, rules: list[dict[str, Any]]) -> None:
    """Load the program for ``rules`` and attach it to the cgroup; it stays with the
    cgroup (the attachment holds it) until the cgroup is removed."""
    prog = lx.bpf_prog_load(lx.BPF_PROG_TYPE_CGROUP_DEVICE, program(rules), "Apache",
                            "berth_devices")
    try:
        fd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            lx.bpf_prog_attach(fd, prog, lx.BPF_CGROUP_DEVICE, lx.BPF_F_ALLOW_MULTI)
        except OSError as e:
            raise OSError(e.errno, e.strerror, cgroup_dir) from None
        finally:
            os.close(fd)
    finally:
        os.close(prog)
