"""The order of the user and capability steps, checked on a recording fake of the syscall seam.

Step 31 of container-init-sequence.md: the bounding set is dropped while we
still have CAP_SETPCAP (before the uid change), KEEPCAPS spans the uid change
of a non-root user, the capability sets are set after it, ambient last.
"""

from typing import Any

import pytest

from berth.oci.defaults import CAPABILITY_NUMBERS, DEFAULT_CAPABILITIES
from berth.runtime import process
from berth.runtime.linux import sys as real


class Recorder:
    """Same names as berth.runtime.linux.sys; records calls instead of making them."""

    PR_SET_KEEPCAPS = real.PR_SET_KEEPCAPS
    PR_CAP_AMBIENT = real.PR_CAP_AMBIENT
    PR_CAP_AMBIENT_CLEAR_ALL = real.PR_CAP_AMBIENT_CLEAR_ALL
    PR_CAP_AMBIENT_RAISE = real.PR_CAP_AMBIENT_RAISE

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def last_cap(self) -> int:
        return 40

    def capbset_drop(self, cap: int) -> None:
        self.calls.append(("capbset_drop", cap))

    def prctl(self, *args: int) -> int:
        self.calls.append(("prctl", *args))
        return 0

    def setgroups(self, groups: list[int]) -> None:
        self.calls.append(("setgroups", groups))

    def setgid(self, gid: int) -> None:
        self.calls.append(("setgid", gid))

    def setuid(self, uid: int) -> None:
        self.calls.append(("setuid", uid))

    def capset(self, effective: int, permitted: int, inheritable: int) -> None:
        self.calls.append(("capset", effective, permitted, inheritable))


@pytest.fixture
def rec(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(process, "lx", recorder)
    return recorder


CAPS = {k: list(DEFAULT_CAPABILITIES) for k in ("bounding", "effective", "permitted")}
MASK = sum(1 << CAPABILITY_NUMBERS[c] for c in DEFAULT_CAPABILITIES)


def _names(rec: Recorder) -> list[str]:
    return [c[0] if c[0] != "prctl" else f"prctl{c[1]}" for c in rec.calls
            if c[0] != "capbset_drop"]


def test_root_user(rec: Recorder) -> None:
    process.become_user({"uid": 0, "gid": 0}, CAPS)
    dropped = [c[1] for c in rec.calls if c[0] == "capbset_drop"]
    assert dropped == [n for n in range(41) if not MASK & (1 << n)]
    last_drop = max(i for i, c in enumerate(rec.calls) if c[0] == "capbset_drop")
    first_id = min(i for i, c in enumerate(rec.calls) if c[0] in ("setgroups", "setgid"))
    assert last_drop < first_id
    assert _names(rec) == ["setgroups", "setgid", "setuid", "capset",
                           f"prctl{real.PR_CAP_AMBIENT}"]
    assert ("capset", MASK, MASK, 0) in rec.calls


def test_non_root_user_keeps_caps_across_the_uid_change(rec: Recorder) -> None:
    process.become_user({"uid": 1000, "gid": 100, "additionalGids": [5, 6]}, CAPS)
    keep = f"prctl{real.PR_SET_KEEPCAPS}"
    assert _names(rec) == [keep, "setgroups", "setgid", "setuid", keep, "capset",
                           f"prctl{real.PR_CAP_AMBIENT}"]
    assert ("setgroups", [5, 6]) in rec.calls
    assert ("prctl", real.PR_SET_KEEPCAPS, 1) in rec.calls
    assert ("prctl", real.PR_SET_KEEPCAPS, 0) in rec.calls


def test_ambient_capabilities_are_raised_last(rec: Recorder) -> None:
    process.become_user({"uid": 1000, "gid": 1000},
                        {**CAPS, "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]})
    assert rec.calls[-1] == ("prctl", real.PR_CAP_AMBIENT, real.PR_CAP_AMBIENT_RAISE,
                             CAPABILITY_NUMBERS["CAP_KILL"])
