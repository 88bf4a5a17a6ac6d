"""Volume names and the local driver's options, with dockerd's words."""

import pytest

from berth.errors import InvalidArgument
from berth.runtime.linux import sys as lx
from berth.volumes import local
from berth.volumes.names import anonymous_name, check_name


@pytest.mark.parametrize("name", ["ab", "x.y_z-1", "A0", "0a", "a" * 200])
def test_good_names(name: str) -> None:
    check_name(name)


def test_short_name() -> None:
    with pytest.raises(InvalidArgument) as e:
        check_name("a")
    assert e.value.message == ("create a: volume name is too short, names should be at least "
                               "two alphanumeric characters")


@pytest.mark.parametrize("name", ["a/b", "a b", "-ab", ".ab", "_ab", "ab\x00", "../x", "a:b"])
def test_bad_names(name: str) -> None:
    with pytest.raises(InvalidArgument) as e:
        check_name(name)
    assert e.value.message == (
        f'create {name}: "{name}" includes invalid characters for a local volume name, only '
        '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, '
        "use absolute path")


def test_anonymous_names_are_64_hex_and_fresh() -> None:
    a, b = anonymous_name(), anonymous_name()
    assert len(a) == 64 and int(a, 16) >= 0 and a != b
    check_name(a)


def test_options_checked_as_dockerd() -> None:
    local.check_options("v", {})
    local.check_options("v", {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"})
    with pytest.raises(InvalidArgument, match='create v: invalid option: "bogus"'):
        local.check_options("v", {"bogus": "1"})
    with pytest.raises(InvalidArgument, match='create v: missing required option: "device"'):
        local.check_options("v", {"type": "tmpfs"})


def test_mount_words_become_flags_and_the_rest_data() -> None:
    args = local.mount_args({"type": "tmpfs", "device": "tmpfs",
                             "o": "size=1m,uid=1000,nosuid,noexec,ro"})
    assert (args.source, args.fstype, args.data) == ("tmpfs", "tmpfs", "size=1m,uid=1000")
    assert args.flags == lx.MS_NOSUID | lx.MS_NOEXEC | lx.MS_RDONLY and not args.propagation
    bind = local.mount_args({"type": "none", "device": "/srv", "o": "bind,rw,rshared"})
    assert bind.flags == lx.MS_BIND and bind.data == ""
    assert bind.propagation == lx.MS_SHARED | lx.MS_REC
