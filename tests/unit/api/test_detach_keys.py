"""docker's detach keys: parsed like dockerd, found across chunks, bytes held back only
while they may still start the sequence."""

import pytest

from berth.api.streams import DetachScanner
from berth.errors import InvalidArgument
from berth.util.detachkeys import detach_keys


def test_parse() -> None:
    assert detach_keys(None) == b"\x10\x11"
    assert detach_keys("ctrl-a,x") == b"\x01x"
    assert detach_keys("ctrl-@,ctrl-[") == b"\x00\x1b"
    with pytest.raises(InvalidArgument, match=r"Invalid escape keys \(ctrl-ab\)"):
        detach_keys("ctrl-ab")


def test_scan() -> None:
    s = DetachScanner(b"\x10\x11")
    assert s.feed(b"ls\r") == (b"ls\r", False)
    assert s.feed(b"a\x10") == (b"a", False)  # held: it may start the sequence
    assert s.feed(b"b") == (b"\x10b", False)  # it did not: passed on
    assert s.feed(b"x\x10") == (b"x", False)
    assert s.feed(b"\x11rest") == (b"", True)
    one = DetachScanner(b"q")
    assert one.feed(b"abq") == (b"ab", True)
    twice = DetachScanner(b"\x10\x11")
    assert twice.feed(b"\x10\x10\x11") == (b"\x10", True)
