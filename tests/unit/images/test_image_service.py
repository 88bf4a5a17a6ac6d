"""The image service for real: import, resolve, list, tags, mounts (temp data roots)."""

import gzip
import hashlib
import io
import json
import os
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from berth.errors import InvalidArgument, NotFound
from berth.images.service import ImageService
from berth.metadata.db import Database
from berth.oci import mediatypes
from berth.paths import Paths


def rootfs(*extra: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in ("bin/", "etc/"):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(ti)
        for name, data in [("bin/sh", b"#!shell"), ("etc/hostname", b"x\n")] + [
                (e, e.encode()) for e in extra]:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode = len(data), 0o755
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "data", tmp_path / "run")


@pytest.fixture
def db(paths: Paths) -> Iterator[Database]:
    d = Database(paths.db)
    yield d
    d.close()


@pytest.fixture
def svc(paths: Paths, db: Database) -> ImageService:
    return ImageService(paths, db)


def state(paths: Paths, db: Database) -> tuple[object, ...]:
    files = sorted(str(p.relative_to(paths.data_root)) for p in
                   (paths.content.rglob("*")) if p.is_file())
    snaps = sorted(p.name for p in paths.snapshots.iterdir())
    return (files, snaps, db.query("SELECT id FROM images"), db.query("SELECT * FROM tags"))


def test_import_round_trip(svc: ImageService, paths: Paths) -> None:
    raw = rootfs()
    image_id = svc.import_tar(io.BytesIO(raw), "busybox", ['CMD ["sh"]', "ENV A=1"], "")
    img = svc.resolve("busybox")
    assert img.id == image_id
    assert img.repo_tags == ["busybox:latest"] and img.repo_digests == []
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    cfg = img.config
    assert cfg["architecture"] == "amd64" and cfg["os"] == "linux"
    assert cfg["rootfs"] == {"type": "layers", "diff_ids": [diff_id]}
    assert cfg["config"] == {"Cmd": ["sh"], "Env": ["A=1"]}
    assert cfg["history"] == [{"created": cfg["created"], "comment": "Imported from -"}]
    assert img.created == cfg["created"] and img.created.endswith("Z")
    assert img.size == len(b"#!shell") + len(b"x\n")
    # the image id is the digest of the config blob; the manifest names config and layer
    config_blob = svc.content.read(image_id)
    assert json.loads(config_blob) == cfg
    manifest = json.loads(svc.content.read(img.manifest_digest))
    assert manifest["mediaType"] == mediatypes.OCI_MANIFEST
    assert manifest["config"] == {"mediaType": mediatypes.OCI_CONFIG, "digest": image_id,
                                  "size": len(config_blob)}
    [layer] = manifest["layers"]
    assert layer["mediaType"] == mediatypes.OCI_LAYER and layer["size"] == len(raw)
    assert svc.content.read(layer["digest"]) == raw
    # the layer is unpacked once, under its chain id (= diff_id for the first layer)
    fs = paths.snapshots / diff_id[7:] / "fs"
    assert (fs / "bin/sh").read_bytes() == b"#!shell"
    assert svc.content.ingests() == []


def test_import_gzip_and_message(svc: ImageService) -> None:
    raw = rootfs()
    image_id = svc.import_tar(io.BytesIO(gzip.compress(raw)), "localhost:5000/a/b:t", [],
                              "my message")
    img = svc.resolve("localhost:5000/a/b:t")
    assert img.id == image_id
    assert img.config["history"][0]["comment"] == "my message"
    assert img.diff_ids == ["sha256:" + hashlib.sha256(raw).hexdigest()]
    manifest = json.loads(svc.content.read(img.manifest_digest))
    assert manifest["layers"][0]["mediaType"] == mediatypes.OCI_LAYER_GZIP


def test_import_without_reference_is_dangling(svc: ImageService) -> None:
    image_id = svc.import_tar(io.BytesIO(rootfs()), None, [], "")
    [img] = svc.list()
    assert img.id == image_id and img.repo_tags == []


@pytest.mark.parametrize("bad", [b"", b"this is not a tar at all\n" * 50, os.urandom(10_000),
                                 gzip.compress(b"nope" * 1000), gzip.compress(rootfs())[:-30],
                                 rootfs()[:1500]])
def test_not_a_tar_stores_nothing(svc: ImageService, paths: Paths, db: Database,
                                  bad: bytes) -> None:
    svc.import_tar(io.BytesIO(rootfs()), "keep", [], "")
    before = state(paths, db)
    with pytest.raises(InvalidArgument):
        svc.import_tar(io.BytesIO(bad), "evil:1", [], "")
    assert state(paths, db) == before


def test_hostile_import_stores_nothing(svc: ImageService, paths: Paths, db: Database) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        ti = tarfile.TarInfo("../../escape")
        tar.addfile(ti, io.BytesIO(b""))
    before = state(paths, db)
    with pytest.raises(InvalidArgument):
        svc.import_tar(io.BytesIO(buf.getvalue()), "evil", [], "")
    assert state(paths, db) == before
    assert not (paths.data_root.parent / "escape").exists()


@pytest.mark.parametrize(("ref", "changes", "message"), [
    ("Busybox", [], "invalid reference format: repository name must be lowercase"),
    ("a:b:c", [], "invalid reference format"),
    ("busybox@sha256:" + "a" * 64, [], "cannot import digest reference"),
    ("ok", ["RUN echo"], "run is not a valid change command"),
])
def test_bad_arguments_fail_first(svc: ImageService, paths: Paths, db: Database, ref: str,
                                  changes: list[str], message: str) -> None:
    before = state(paths, db)
    stream = io.BytesIO(rootfs())
    with pytest.raises(InvalidArgument) as e:
        svc.import_tar(stream, ref, changes, "")
    assert e.value.message == message
    assert stream.tell() == 0
    assert state(paths, db) == before


def test_resolve_forms(svc: ImageService) -> None:
    image_id = svc.import_tar(io.BytesIO(rootfs()), "busybox:1", [], "")
    hex_id = image_id[7:]
    for name in ("busybox:1", "docker.io/library/busybox:1", "library/busybox:1", image_id,
                 hex_id, hex_id[:12], hex_id[:1], "sha256:" + hex_id[:5]):
        assert svc.resolve(name).id == image_id, name
    with pytest.raises(NotFound) as e:
        svc.resolve("busybox")
    assert e.value.message == "No such image: busybox:latest"
    with pytest.raises(NotFound) as e:
        svc.resolve("docker.io/library/nope:2")
    assert e.value.message == "No such image: nope:2"
    other = "0" * 64 if not hex_id.startswith("0") else "1" * 64
    with pytest.raises(NotFound) as e:
        svc.resolve("sha256:" + other)
    assert e.value.message == f"No such image: sha256:{other}"
    with pytest.raises(InvalidArgument):
        svc.resolve("Busybox")


def test_short_id_must_be_unique(svc: ImageService) -> None:
    ids = [svc.import_tar(io.BytesIO(rootfs(f"f{i}")), None, [], "") for i in range(40)]
    by_first: dict[str, list[str]] = {}
    for i in ids:
        by_first.setdefault(i[7], []).append(i)
    shared = next(k for k, v in by_first.items() if len(v) > 1)  # 40 ids, 16 letters
    with pytest.raises(NotFound):
        svc.resolve(shared)
    for i in ids:
        assert svc.resolve(i[7:19]).id == i


def test_tag_moves_and_leaves_old_image_dangling(svc: ImageService) -> None:
    first = svc.import_tar(io.BytesIO(rootfs("a")), "app", [], "")
    second = svc.import_tar(io.BytesIO(rootfs("b")), "app", [], "")
    assert first != second
    images = {i.id: i for i in svc.list()}
    assert images[first].repo_tags == [] and images[second].repo_tags == ["app:latest"]
    assert svc.resolve("app").id == second
    assert svc.resolve(first).id == first
    svc.tag(first, "app:old")
    svc.tag("app", "quay.io/x/app:v2")
    assert svc.resolve("app:old").repo_tags == ["app:old"]
    assert svc.resolve(second).repo_tags == ["app:latest", "quay.io/x/app:v2"]
    with pytest.raises(InvalidArgument):
        svc.tag(first, "app@sha256:" + "a" * 64)


def test_same_tar_twice_shares_layer(svc: ImageService, paths: Paths) -> None:
    raw = rootfs()
    svc.import_tar(io.BytesIO(raw), "one", [], "")
    svc.import_tar(io.BytesIO(raw), "two", [], "")
    assert len(list(paths.snapshots.iterdir())) == 1
    assert svc.resolve("one").diff_ids == svc.resolve("two").diff_ids


def test_rootfs_mounts_and_reunpack(svc: ImageService, paths: Paths, tmp_path: Path) -> None:
    svc.import_tar(io.BytesIO(rootfs()), "busybox", [], "")
    img = svc.resolve("busybox")
    fs = paths.snapshots / img.diff_ids[0][7:] / "fs"
    mounts = svc.rootfs_mounts(img, tmp_path / "upper", tmp_path / "work")
    assert mounts == [{"type": "overlay", "source": "overlay", "options": [
        f"lowerdir={fs}", f"upperdir={tmp_path / 'upper'}", f"workdir={tmp_path / 'work'}"]}]
    svc.snapshots.remove(img.diff_ids[0])
    assert svc.rootfs_mounts(img, tmp_path / "upper", tmp_path / "work") == mounts
    assert (fs / "bin/sh").read_bytes() == b"#!shell"


def test_restart_keeps_everything(paths: Paths, db: Database) -> None:
    image_id = ImageService(paths, db).import_tar(io.BytesIO(rootfs()), "x", [], "")
    again = ImageService(paths, Database(paths.db))
    assert [i.id for i in again.list()] == [image_id]
    assert again.resolve("x").repo_tags == ["x:latest"]


def test_imports_from_threads(svc: ImageService) -> None:
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            svc.import_tar(io.BytesIO(rootfs(f"t{i % 3}")), f"t:{i}", [], "")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(t for i in svc.list() for t in i.repo_tags) == sorted(
        f"t:{i}" for i in range(12))
