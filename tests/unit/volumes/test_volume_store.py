"""The store: rows and directories together, dockerd's layout and modes."""

import stat
from pathlib import Path

import pytest

from berth.errors import InvalidArgument, NotFound
from berth.metadata.db import Database
from berth.metadata.volumes import VolumeTable
from berth.paths import Paths
from berth.volumes.store import VolumeStore


def store(tmp_path: Path) -> tuple[VolumeStore, Paths]:
    paths = Paths(tmp_path / "data", tmp_path / "run")
    paths.data_root.mkdir()
    return VolumeStore(paths, VolumeTable(Database(paths.db))), paths


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_get_list_remove(tmp_path: Path) -> None:
    s, paths = store(tmp_path)
    v, new = s.create("data", labels={"a": "b"})
    assert new and v.mountpoint == str(paths.data_root / "volumes/data/_data")
    assert (mode(paths.volumes), mode(paths.volume("data")),
            mode(paths.volume_data("data"))) == (0o700, 0o700, 0o755)
    api = v.to_api()
    assert api["Name"] == "data" and api["Labels"] == {"a": "b"} and api["Options"] is None
    assert api["Driver"] == "local" and api["Scope"] == "local"
    again, new = s.create("data", labels={"other": "x"})
    assert not new and again.row == v.row  # dockerd hands back the existing one
    anon, _ = s.create(anonymous=True)
    assert len(anon.name) == 64 and anon.anonymous
    assert [x.name for x in s.list()] == ["data", anon.name]
    (paths.volume_data("data") / "f").write_bytes(b"x" * 10)
    assert s.size("data") == 10
    s.remove("data")
    assert not paths.volume("data").exists()
    with pytest.raises(NotFound, match="get data: no such volume"):
        s.get("data")
    with pytest.raises(NotFound, match="get data: no such volume"):
        s.remove("data")


def test_bad_requests_store_nothing(tmp_path: Path) -> None:
    s, paths = store(tmp_path)
    with pytest.raises(InvalidArgument, match="invalid characters"):
        s.create("../etc")
    with pytest.raises(InvalidArgument, match='invalid option: "size"'):
        s.create("data", options={"size": "1g"})
    with pytest.raises(NotFound, match='plugin "nfs3" not found'):
        s.create("data", driver="nfs3")
    assert s.list() == [] and list(paths.volumes.iterdir()) == []


def test_a_volume_without_options_needs_no_mount(tmp_path: Path) -> None:
    s, _ = store(tmp_path)
    v, _ = s.create("plain")
    s.acquire(v, "c1")  # nothing to mount: no privilege needed
    s.release("plain", "c1")
    s.release("plain", "nobody")


def test_fill_replaces_only_an_empty_unused_data_dir(tmp_path: Path) -> None:
    s, paths = store(tmp_path)
    v, _ = s.create("seedme")

    def content(text: str) -> str:
        d = paths.volume("seedme") / f".seed-{text}"
        d.mkdir(mode=0o750)
        (d / "f").write_text(text)
        return str(d)

    s.acquire(v, "running")  # a run binds the current _data: no swap under it
    assert not s.fill("seedme", content("a")) and s.size("seedme") == 0
    s.release("seedme", "running")
    assert s.fill("seedme", content("b"))
    assert (paths.volume_data("seedme") / "f").read_text() == "b"
    assert mode(paths.volume_data("seedme")) == 0o750  # the image's directory, as it was
    assert not s.fill("seedme", content("c"))  # no longer empty
    assert (paths.volume_data("seedme") / "f").read_text() == "b"
