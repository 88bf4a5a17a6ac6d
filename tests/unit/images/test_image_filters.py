"""Go's path.Match globs for the reference filter, and filter validation."""

import pytest

from berth.errors import InvalidArgument
from berth.images.filters import apply, go_glob


@pytest.mark.parametrize(("pattern", "text", "match"), [
    ("busybox", "busybox", True), ("busy*", "busybox", True), ("*", "a/b", False),
    ("*/*", "a/b", True), ("a/?", "a/b", True), ("a/[bc]", "a/c", True),
    ("a/[^bc]", "a/c", False), ("a/[!bc]", "a/d", True), ("a.b", "axb", False),
    ("a\\*", "a*", True), ("localhost:5000/*:1", "localhost:5000/x:1", True)])
def test_go_glob(pattern: str, text: str, match: bool) -> None:
    assert bool(go_glob(pattern).fullmatch(text)) is match


def test_bad_filters() -> None:
    with pytest.raises(InvalidArgument, match="invalid filter 'nope'"):
        apply([], {"nope": ["1"]}, lambda name: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidArgument, match="syntax error in pattern"):
        go_glob("a[")
