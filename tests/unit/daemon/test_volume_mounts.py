"""A container's mount points as dockerd resolves them at create: --volumes-from first,
the mounts asked for over them, the image's and the request's VOLUMEs last."""

from pathlib import Path

import pytest

from berth.daemon.container import Container
from berth.daemon.volume_mounts import oci_mounts, resolve
from berth.errors import InvalidArgument, NotFound
from berth.metadata.volumes import VolumeRow
from berth.volumes.store import Volume


class Made:
    """The seam ``resolve`` asks for volumes through, keeping what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, str], bool, str]] = []
        self.count = 0

    def ensure(self, name: str, options: dict[str, str], labels: dict[str, str],
               anonymous: bool, driver: str = "") -> Volume:
        self.count += 1
        name = name or f"{self.count:064x}"
        self.asked.append((name, options, anonymous, driver))
        return Volume(VolumeRow(name, "local", "t", labels, options, anonymous),
                      f"/vol/{name}/_data")

    def remove(self, name: str, force: bool = False) -> None:
        raise AssertionError("not in these tests")


def container(host_config: dict, points: list[dict]) -> Container:
    return Container(id="c" * 64, name="src", image_id="sha256:x", image_ref="busybox",
                     created="t", path="sh", args=[], config={}, host_config=host_config,
                     mount_points=points)


def lookup_of(*containers: Container):
    def lookup(ref: str) -> Container:
        for c in containers:
            if ref in (c.id, c.name):
                return c
        raise NotFound(f"No such container: {ref}")
    return lookup


SRC = container({"Binds": ["/srv:/b:ro"]}, [
    {"Type": "volume", "Name": "shared", "Source": "/vol/shared/_data", "Destination": "/d",
     "Driver": "local", "Mode": "z", "RW": True, "Propagation": "", "Anonymous": True,
     "CopyData": True}])


def test_order_and_precedence(tmp_path: Path) -> None:
    made: list[str] = []
    vols = Made()
    points = resolve(
        {"VolumesFrom": ["src"], "Binds": ["named:/n:ro", f"{tmp_path}:/img"],
         "Mounts": [{"Type": "volume", "Target": "/m", "VolumeOptions": {"NoCopy": True}}],
         "Tmpfs": {"/t": ""}},
        {"Volumes": {"/img": {}, "/t": {}, "/d": {}, "/anon": {}}}, vols, lookup_of(SRC), made)
    by = {p["Destination"]: p for p in points}
    assert [p["Destination"] for p in points] == ["/anon", "/b", "/d", "/m", "/n"]
    assert by["/b"]["Type"] == "bind" and by["/b"]["RW"] is False  # the source's ro kept
    assert by["/d"]["Name"] == "shared" and by["/d"]["Mode"] == "" and not by["/d"]["Anonymous"]
    assert by["/n"]["Mode"] == "ro" and by["/n"]["RW"] is False and by["/n"]["CopyData"]
    assert by["/m"]["Anonymous"] and not by["/m"]["CopyData"] and by["/m"]["Mode"] == "z"
    assert by["/anon"]["Anonymous"] and by["/anon"]["Mode"] == "" and by["/anon"]["CopyData"]
    assert made == [by["/m"]["Name"], by["/anon"]["Name"]]  # the anonymous ones only
    binds = {m["destination"]: m for m in oci_mounts(points)}
    assert binds["/n"] == {"destination": "/n", "type": "bind", "source": "/vol/named/_data",
                           "options": ["rbind", "rprivate", "ro"]}
    assert binds["/anon"]["options"] == ["rbind", "rprivate"]


def test_volumes_from_modes_and_refusals() -> None:
    rw = resolve({"VolumesFrom": ["src:rw"]}, {}, Made(), lookup_of(SRC), [])
    assert all(p["RW"] for p in rw)
    ro = resolve({"VolumesFrom": ["src:ro"]}, {}, Made(), lookup_of(SRC), [])
    assert not any(p["RW"] for p in ro)
    with pytest.raises(InvalidArgument, match="invalid mode: zz"):
        resolve({"VolumesFrom": ["src:zz"]}, {}, Made(), lookup_of(SRC), [])
    with pytest.raises(NotFound, match="No such container: nope"):
        resolve({"VolumesFrom": ["nope"]}, {}, Made(), lookup_of(SRC), [])
    with pytest.raises(InvalidArgument, match="mount path must be absolute"):
        resolve({}, {"Volumes": {"rel": {}}}, Made(), lookup_of(SRC), [])
