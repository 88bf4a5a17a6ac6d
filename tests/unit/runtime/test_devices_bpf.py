"""The device-rules program's shape (what it does is tested on the kernel, in
tests/integration/test_cgroups_v2.py)."""

import struct

import pytest

from berth.runtime.devices_bpf import program


def _insns(code: bytes) -> list[tuple[int, int, int, int]]:
    return [(op, regs, off, imm) for op, regs, off, imm in struct.iter_unpack("<BBhi", code)]


def test_no_rules_allow_everything() -> None:
    insns = _insns(program([]))
    assert len(insns) == 8  # 6 loads of the context, r0 = 1, exit
    assert insns[-2:] == [(0xB7, 0, 0, 1), (0x95, 0, 0, 0)]


def test_a_rule_for_every_device_resets_the_default_and_the_rules_before_it() -> None:
    deny_all = program([{"allow": True, "type": "c", "major": 1, "minor": 3, "access": "r"},
                        {"allow": False, "access": "rwm"}])
    assert _insns(deny_all)[-2:] == [(0xB7, 0, 0, 0), (0x95, 0, 0, 0)]
    assert len(_insns(deny_all)) == 8


def test_the_last_rule_is_checked_first_and_jumps_land_on_the_next_block() -> None:
    insns = _insns(program([
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
        {"allow": True, "type": "b", "major": None, "minor": None, "access": "m"}]))
    body = insns[6:]
    # block 1 (the b *:* m rule): type, access (3 insns), r0 = 1, exit
    assert body[0] == (0x55, 2, 5, 1) and body[1:4] == [(0xBC, 0x31, 0, 0), (0x54, 1, 0, 1),
                                                         (0x5D, 0x31, 2, 0)]
    assert body[4:6] == [(0xB7, 0, 0, 1), (0x95, 0, 0, 0)]
    # block 2 (c 1:3 rwm): type, major, minor, r0 = 1, exit; then the default: deny
    assert body[6:11] == [(0x55, 2, 4, 2), (0x55, 4, 3, 1), (0x55, 5, 2, 3),
                          (0xB7, 0, 0, 1), (0x95, 0, 0, 0)]
    assert body[11:] == [(0xB7, 0, 0, 0), (0x95, 0, 0, 0)]


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="device rule type 'x'"):
        program([{"allow": True, "type": "x", "access": "r"}])
