"""``--mount`` read as the docker CLI reads it (its words for what it refuses)."""

import pytest

from berth.cli.hostconfig import mount_spec
from berth.cli.usage import UsageError


def test_bind_and_tmpfs_fields():
    assert mount_spec("type=bind,src=/a,dst=/b,readonly,bind-propagation=rshared") == {
        "Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": True,
        "BindOptions": {"Propagation": "rshared"}}
    assert mount_spec("type=bind,source=/a,destination=/b,ro=false,bind-nonrecursive") == {
        "Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": False,
        "BindOptions": {"NonRecursive": True}}
    assert mount_spec("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770") == {
        "Type": "tmpfs", "Target": "/t",
        "TmpfsOptions": {"SizeBytes": 64 << 20, "Mode": 0o1770}}
    assert mount_spec('"type=bind","source=/a,b",target=/c')["Source"] == "/a,b"  # CSV
    assert mount_spec("target=/v")["Type"] == "volume"  # the CLI's default: berthd decides


@pytest.mark.parametrize("value, detail", [
    ("type=bind,source=/a", "target is required"),
    ("type=bind,source=/a,target=/b,readonly=maybe", "invalid value for readonly: maybe"),
    ("type=bind,target=/b,colour=red", "unexpected key 'colour' in 'colour=red'"),
    ("type=bind,target", "invalid field 'target' must be a key=value pair"),
    ("type=tmpfs,target=/t,tmpfs-size=big", "invalid value for tmpfs-size: big"),
    ("type=tmpfs,target=/t,tmpfs-mode=9", "invalid value for tmpfs-mode: 9"),
    ("type=tmpfs,target=/t,bind-propagation=shared",
     "cannot mix 'bind-*' options with mount type 'tmpfs'"),
])
def test_refused(value, detail):
    with pytest.raises(UsageError) as info:
        mount_spec(value)
    assert str(info.value) == f'invalid argument "{value}" for "--mount" flag: {detail}'
    assert info.value.status == 125
