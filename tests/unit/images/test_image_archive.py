"""save and load for real: the archive writer and reader over temp data roots.

Layouts written by hand (Docker ≤24, Docker 25+, a pure OCI layout) and hostile
archives, each checked to load the same image or to leave the store unchanged.
"""

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from berth.errors import FailedPrecondition, InvalidArgument, NotFound
from berth.images.service import ImageService
from berth.metadata.db import Database
from berth.paths import Paths


def layer_tar(*files: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode = len(data), 0o755
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def config_for(*layers: bytes) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
                       "config": {"Cmd": ["sh"]},
                       "rootfs": {"type": "layers", "diff_ids": [sha(x) for x in layers]},
                       "history": [{"created_by": "x"}]}, indent=2).encode()  # not canonical


def archive(members: list[tuple[str, bytes | str]]) -> bytes:
    """A tar of regular files (bytes) and symlinks (str: the link target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            if isinstance(data, str):
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                tar.addfile(ti)
            else:
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


L1 = layer_tar(("bin/sh", b"#!shell"), ("etc/hostname", b"x\n"))
L2 = layer_tar(("etc/motd", b"hello\n"))
CONFIG = config_for(L1, L2)
IMAGE_ID = sha(CONFIG)


def old_layout(tags: list[str], layers: list[bytes] = [L1, L2],  # noqa: B006
               config: bytes = CONFIG) -> bytes:
    hexes = [hashlib.sha256(x).hexdigest() for x in layers]
    members: list[tuple[str, bytes | str]] = [(f"{h}/VERSION", b"1.0") for h in hexes]
    members += [(f"{h}/json", b'{"id":"%s"}' % h.encode()) for h in hexes]
    members += [(f"{h}/layer.tar", x) for h, x in zip(hexes, layers, strict=True)]
    members.append((f"{sha(config)[7:]}.json", config))
    members.append(("manifest.json", json.dumps([{
        "Config": f"{sha(config)[7:]}.json", "RepoTags": tags,
        "Layers": [f"{h}/layer.tar" for h in hexes]}]).encode()))
    return archive(members)


def oci_layout(ref_name: str, layers: list[bytes], gzip_layers: bool = False) -> bytes:
    blobs = [gzip.compress(x, mtime=0) if gzip_layers else x for x in layers]
    config = config_for(*layers)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar"
                    + ("+gzip" if gzip_layers else ""), "digest": sha(b), "size": len(b)}
                   for b in blobs]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
        "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": ref_name}}]}).encode()
    members: list[tuple[str, bytes | str]] = [
        ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)]
    members += [(f"blobs/sha256/{sha(b)[7:]}", b) for b in [config, manifest, *blobs]]
    return archive(members)


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


@pytest.fixture
def other(tmp_path: Path) -> Iterator[ImageService]:
    p = Paths(tmp_path / "other", tmp_path / "other-run")
    d = Database(p.db)
    yield ImageService(p, d)
    d.close()


def state(paths: Paths, db: Database) -> tuple[object, ...]:
    files = sorted(str(p.relative_to(paths.data_root)) for p in paths.content.rglob("*")
                   if p.is_file())
    snaps = sorted(p.name for p in paths.snapshots.iterdir())
    return (files, snaps, db.query("SELECT id FROM images"), db.query("SELECT * FROM tags"))


def save_bytes(svc: ImageService, names: list[str]) -> bytes:
    out = io.BytesIO()
    with svc.save_plan(names) as plan:
        from berth.images.save import write_archive
        write_archive(plan, out)
        assert plan.size == len(out.getvalue())
    return out.getvalue()


def manifest_of(data: bytes) -> list[dict[str, object]]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        f = tar.extractfile("manifest.json")
        assert f is not None
        value: list[dict[str, object]] = json.load(f)
        return value


def test_old_layout_loads_with_its_id_and_tags(svc: ImageService) -> None:
    messages = svc.load(io.BytesIO(old_layout(["busybox:latest", "me/x:1"])))
    assert messages == ["Loaded image: busybox:latest", "Loaded image: me/x:1"]
    image = svc.resolve("busybox")
    assert image.id == IMAGE_ID and image.repo_tags == ["busybox:latest", "me/x:1"]
    fs = svc.snapshots.path(image.diff_ids[0])
    assert (fs / "bin" / "sh").read_bytes() == b"#!shell"


def test_untagged_load_says_the_id(svc: ImageService) -> None:
    assert svc.load(io.BytesIO(old_layout([]))) == [f"Loaded image ID: {IMAGE_ID}"]


def test_save_writes_both_layouts_and_loads_back(svc: ImageService,
                                                 other: ImageService) -> None:
    svc.load(io.BytesIO(old_layout(["busybox:latest", "busybox:1"])))
    data = save_bytes(svc, ["busybox"])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
        for layer in manifest[0]["Layers"]:
            blob = tar.extractfile(layer).read()  # type: ignore[union-attr]
            assert sha(blob) == "sha256:" + layer.rpartition("/")[2]
    assert {"oci-layout", "repositories", f"blobs/sha256/{IMAGE_ID[7:]}"} <= set(names)
    assert manifest == [{"Config": f"blobs/sha256/{IMAGE_ID[7:]}",
                         "RepoTags": ["busybox:1", "busybox:latest"],
                         "Layers": [f"blobs/sha256/{sha(x)[7:]}" for x in (L1, L2)]}]
    assert sorted(m["annotations"]["io.containerd.image.name"] for m in index["manifests"]) == [
        "docker.io/library/busybox:1", "docker.io/library/busybox:latest"]
    assert other.load(io.BytesIO(data)) == ["Loaded image: busybox:1",
                                            "Loaded image: busybox:latest"]
    assert other.resolve("busybox:1").id == IMAGE_ID


def test_save_by_id_is_untagged_and_by_tag_only_that_tag(svc: ImageService) -> None:
    svc.load(io.BytesIO(old_layout(["busybox:latest", "busybox:1"])))
    assert manifest_of(save_bytes(svc, [IMAGE_ID[7:19]]))[0]["RepoTags"] == []
    assert manifest_of(save_bytes(svc, ["busybox:1"]))[0]["RepoTags"] == ["busybox:1"]
    with pytest.raises(NotFound):
        svc.save_plan(["nosuch"])


def test_gzip_layers_are_saved_uncompressed(svc: ImageService, other: ImageService) -> None:
    svc.load(io.BytesIO(oci_layout("docker.io/library/z:1", [L1, L2], gzip_layers=True)))
    image = svc.resolve("z:1")
    assert image.id == sha(config_for(L1, L2))
    data = save_bytes(svc, ["z:1"])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.extractfile(f"blobs/sha256/{sha(L1)[7:]}").read() == L1  # type: ignore[union-attr]
    other.load(io.BytesIO(data))
    assert other.resolve("z:1").id == image.id


def test_a_gzip_trailer_that_lies_fails_the_save(svc: ImageService) -> None:
    """A multi-member gzip layer: its last trailer counts only the last member, so the
    size written in the tar header would be wrong; the save fails rather than lie."""
    config = config_for(L1)
    blob = gzip.compress(L1[:4096], mtime=0) + gzip.compress(L1[4096:], mtime=0)
    manifest = json.dumps({
        "schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                       "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": sha(blob), "size": len(blob)}]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
        "size": len(manifest), "annotations": {"io.containerd.image.name": "m:1"}}]}).encode()
    svc.load(io.BytesIO(archive([("index.json", index)] + [
        (f"blobs/sha256/{sha(b)[7:]}", b) for b in (config, manifest, blob)])))
    with pytest.raises(FailedPrecondition, match="gzip trailer"):
        save_bytes(svc, ["m:1"])


def test_oci_layout_with_a_bare_tag_loads_untagged(svc: ImageService) -> None:
    [message] = svc.load(io.BytesIO(oci_layout("latest", [L1])))
    assert message == f"Loaded image ID: {sha(config_for(L1))}"


def test_a_gzipped_archive_loads(svc: ImageService) -> None:
    svc.load(io.BytesIO(gzip.compress(old_layout(["a:b"]))))
    assert svc.resolve("a:b").id == IMAGE_ID


def test_a_moved_tag_gives_dockers_message(svc: ImageService) -> None:
    svc.load(io.BytesIO(oci_layout("docker.io/library/busybox:latest", [L1])))
    old = svc.resolve("busybox").id
    messages = svc.load(io.BytesIO(old_layout(["busybox:latest"])))
    assert messages == [f"The image busybox:latest already exists, renaming the old one with ID "
                        f"{old} to empty string", "Loaded image: busybox:latest"]


def test_shared_layer_symlink_in_old_layout(svc: ImageService) -> None:
    h = hashlib.sha256(L1).hexdigest()
    config = config_for(L1, L1)
    data = archive([(f"{h}/layer.tar", L1), ("dup/layer.tar", f"../{h}/layer.tar"),
                    ("c.json", config),
                    ("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["d:1"],
                                                   "Layers": [f"{h}/layer.tar",
                                                              "dup/layer.tar"]}]).encode())])
    svc.load(io.BytesIO(data))
    assert svc.resolve("d:1").id == sha(config)


def hardlink_out() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        ti = tarfile.TarInfo("x/layer.tar")
        ti.type, ti.linkname = tarfile.LNKTYPE, "../../etc/shadow"
        tar.addfile(ti)
    return buf.getvalue()


def oci_blob_renamed() -> bytes:
    """An OCI layout whose layer blob holds other bytes than its name says."""
    good = oci_layout("docker.io/library/busybox:latest", [L1])
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(good)) as src, \
            tarfile.open(fileobj=out, mode="w") as dst:
        for m in src.getmembers():
            f = src.extractfile(m)
            data = f.read() if f is not None else b""
            if m.name == f"blobs/sha256/{sha(L1)[7:]}":
                data = L2
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    return out.getvalue()


HOSTILE = {
    "hardlink out": hardlink_out(),
    "oci blob renamed": oci_blob_renamed(),
    "dotdot": archive([("../evil", L1), ("manifest.json", b"[]")]),
    "absolute": archive([("/etc/evil", L1)]),
    "symlink out": archive([("x/layer.tar", "../../etc/passwd"), ("manifest.json", b"[]")]),
    "missing file": archive([("manifest.json", json.dumps([{
        "Config": "c.json", "RepoTags": ["busybox:latest"], "Layers": []}]).encode())]),
    "wrong layer": old_layout(["busybox:latest"], layers=[L1, L1]),
    "truncated": old_layout(["busybox:latest"])[:3000],
    "not a tar": b"hello, this is not a tar at all" * 100,
    "empty": b"",
    "bad tag": old_layout(["UPPER:case"]),
    "not a layer": old_layout(["busybox:latest"], layers=[L1, b"x" * 5000],
                              config=config_for(L1, b"x" * 5000)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_archives_change_nothing(name: str, svc: ImageService, paths: Paths,
                                         db: Database) -> None:
    svc.load(io.BytesIO(oci_layout("docker.io/library/busybox:latest", [L1])))
    before = state(paths, db)
    with pytest.raises(InvalidArgument) as info:
        svc.load(io.BytesIO(HOSTILE[name]))
    assert info.value.message.startswith("invalid archive")
    assert state(paths, db) == before
