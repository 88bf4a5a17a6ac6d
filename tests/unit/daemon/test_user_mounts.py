"""``-v`` and ``--mount`` as berthd reads them: the spec's mounts, inspect's ``Mounts``,
and dockerd 20.10's words for what it refuses (checked against dockerd by hand)."""

import pytest

from berth.daemon.mounts import mount_points, parse_bind, parse_mount, user_mounts
from berth.errors import InvalidArgument


def test_binds_with_modes(tmp_path):
    m = parse_bind(f"{tmp_path}:/a:ro,rshared")
    assert m.oci() == {"destination": "/a", "type": "bind", "source": str(tmp_path),
                       "options": ["rbind", "rshared", "ro"]}
    assert m.inspect() == {"Type": "bind", "Source": str(tmp_path), "Destination": "/a",
                           "Mode": "ro,rshared", "RW": False, "Propagation": "rshared"}
    plain = parse_bind(f"{tmp_path}/:/c/")
    assert plain.inspect() == {"Type": "bind", "Source": str(tmp_path), "Destination": "/c",
                               "Mode": "", "RW": True, "Propagation": "rprivate"}
    assert parse_bind("/x:/y:z").mode == "z"  # SELinux labels: accepted, nothing to do


@pytest.mark.parametrize("spec, message", [
    ("/x:/a:bogus", "invalid mode: bogus"),
    ("/x:/a:ro,rw", "invalid mode: ro,rw"),
    ("/x:/a:shared,slave", "invalid mode: shared,slave"),
    ("/x:rel", "invalid volume specification: '/x:rel': invalid mount config for type "
               "\"bind\": invalid mount path: 'rel' mount path must be absolute"),
    ("/x", "invalid volume specification: '/x'"),
    ("/x:/a:ro:extra", "invalid volume specification: '/x:/a:ro:extra'"),
    ("a b:/a", '"a b" includes invalid characters for a local volume name'),
    ("v:/a", "create v: volume name is too short"),
    ("/x:/", "destination can't be '/'"),
])
def test_bad_binds(spec, message):
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_bind(spec)


def test_mounts_bind_and_tmpfs(tmp_path):
    bind = parse_mount({"Type": "bind", "Source": str(tmp_path), "Target": "/d",
                        "ReadOnly": True, "BindOptions": {"NonRecursive": True}})
    assert bind.oci()["options"] == ["bind", "rprivate", "ro"]
    assert bind.inspect()["Mode"] == "" and bind.inspect()["RW"] is False
    tmpfs = parse_mount({"Type": "tmpfs", "Target": "/t",
                         "TmpfsOptions": {"SizeBytes": 1 << 20, "Mode": 0o1770}})
    assert tmpfs.oci() == {"destination": "/t", "type": "tmpfs", "source": "tmpfs",
                           "options": ["nosuid", "nodev", "noexec", "size=1048576",
                                       "mode=1770"]}
    assert tmpfs.inspect() == {"Type": "tmpfs", "Source": "", "Destination": "/t", "Mode": "",
                               "RW": True, "Propagation": ""}


@pytest.mark.parametrize("entry, message", [
    ({"Type": "bind", "Source": "/nope/nope", "Target": "/d"},
     'invalid mount config for type "bind": bind source path does not exist: /nope/nope'),
    ({"Type": "bind", "Source": "rel", "Target": "/d"},
     'invalid mount config for type "bind": invalid mount path: \'rel\' mount path must be '
     'absolute'),
    ({"Type": "bind", "Target": "/d"},
     'invalid mount config for type "bind": field Source must not be empty'),
    ({"Type": "bind", "Source": "/"},
     'invalid mount config for type "bind": field Target must not be empty'),
    ({"Type": "tmpfs", "Source": "/x", "Target": "/t"},
     'invalid mount config for type "tmpfs": field Source must not be specified'),
    ({"Type": "bind", "Source": "/", "Target": "/d", "BindOptions": {"Propagation": "bogus"}},
     'invalid mount config for type "bind": invalid propagation mode: bogus'),
    ({"Type": "bind", "Source": "/", "Target": "/d", "TmpfsOptions": {"SizeBytes": 1}},
     'invalid mount config for type "bind": field TmpfsOptions must not be specified'),
    ({"Type": "nfs", "Target": "/x"}, 'invalid mount config for type "nfs": mount type unknown'),
    ({"Type": "volume", "Source": "/abs", "Target": "/v"},
     'create /abs: "/abs" includes invalid characters for a local volume name'),
    ({"Type": "volume", "Target": "/v", "BindOptions": {"Propagation": "shared"}},
     'invalid mount config for type "volume": field BindOptions must not be specified'),
    ({"Type": "volume", "Target": "/v", "VolumeOptions": {"Labels": {"a": 1}}},
     'invalid mount config for type "volume": Labels must be a map of strings'),
    ("not an object", "invalid mount config"),
])
def test_bad_mounts(entry, message):
    with pytest.raises(InvalidArgument) as info:
        parse_mount(entry)
    assert message in info.value.message


def test_one_mount_point_once(tmp_path):
    with pytest.raises(InvalidArgument, match="Duplicate mount point: /a"):
        user_mounts({"Binds": [f"{tmp_path}:/a"],
                     "Mounts": [{"Type": "tmpfs", "Target": "/a/"}]})
    with pytest.raises(InvalidArgument, match="Duplicate mount point: /t"):
        user_mounts({"Binds": [f"{tmp_path}:/t"], "Tmpfs": {"/t": ""}})


def test_inspect_lists_by_destination_even_when_a_source_is_gone(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    hc = {"Binds": [f"{tmp_path}:/z"], "Mounts": [{"Type": "bind", "Source": str(gone),
                                                   "Target": "/b"}]}
    gone.rmdir()
    assert [m["Destination"] for m in mount_points(hc)] == ["/b", "/z"]
    with pytest.raises(InvalidArgument, match="bind source path does not exist"):
        user_mounts(hc)



def test_volumes_asked_for():
    named = parse_bind("data:/srv/data")
    assert (named.type, named.source, named.target, named.mode, named.read_only) == (
        "volume", "data", "/srv/data", "z", False)  # dockerd's Mode without one given
    ro = parse_bind("data:/d:ro,nocopy")
    assert ro.read_only and ro.no_copy and ro.mode == "ro,nocopy"
    anon = parse_mount({"Type": "volume", "Target": "/v", "ReadOnly": True, "VolumeOptions": {
        "NoCopy": True, "Labels": {"a": "b"},
        "DriverConfig": {"Name": "local", "Options": {"type": "tmpfs", "device": "tmpfs"}}}})
    assert (anon.source, anon.mode, anon.read_only, anon.no_copy, anon.driver) == (
        "", "z", True, True, "local")
    assert anon.driver_options == {"type": "tmpfs", "device": "tmpfs"}
    assert anon.labels == {"a": "b"}
