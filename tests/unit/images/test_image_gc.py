"""Deleting images frees exactly what no other image uses; a sweep waits for writers."""

import io
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from berth.errors import NotFound
from berth.images.history import MISSING
from berth.images.service import ImageService
from berth.metadata.db import Database
from berth.paths import Paths


def rootfs(*extra: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in [("bin/sh", b"#!shell"), ("etc/hostname", b"x\n")] + [
                (e, e.encode()) for e in extra]:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode = len(data), 0o755
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[ImageService]:
    paths = Paths(tmp_path / "data", tmp_path / "run")
    db = Database(paths.db)
    yield ImageService(paths, db)
    db.close()


def blobs(svc: ImageService) -> set[str]:
    return {i.digest for i in svc.content.walk()}


def test_delete_frees_only_unshared_content(svc: ImageService) -> None:
    shared_a = svc.import_tar(io.BytesIO(rootfs()), "img-a", [], "")
    shared_b = svc.import_tar(io.BytesIO(rootfs()), "img-b", ["ENV X=1"], "")
    own = svc.import_tar(io.BytesIO(rootfs("extra")), "img-c", [], "")
    layer_a = svc.resolve("img-a").diff_ids[0]
    layer_c = svc.resolve("img-c").diff_ids[0]
    assert layer_a != layer_c and shared_a != shared_b
    before = blobs(svc)

    swept = svc.delete(shared_a)
    assert swept.snapshots == ()  # b still uses the layer
    assert set(swept.blobs) == {shared_a, *(before - blobs(svc) - {shared_a})}
    assert len(swept.blobs) == 2  # its config and its manifest
    assert svc.snapshots.exists(layer_a)

    swept = svc.delete(own)
    assert swept.snapshots == (layer_c,) and not svc.snapshots.exists(layer_c)
    assert len(swept.blobs) == 3 and swept.reclaimed > len(b"extra")
    assert [i.id for i in svc.list()] == [shared_b]
    with pytest.raises(NotFound):
        svc.resolve("img-c")
    with pytest.raises(NotFound):
        svc.delete(own)
    assert svc.resolve("img-b").id == shared_b


def test_collect_frees_orphans_and_keeps_the_rest(svc: ImageService) -> None:
    svc.import_tar(io.BytesIO(rootfs()), "img-a", [], "")
    kept = blobs(svc)
    orphan = svc.content.put(b"a blob no image references")
    tmp = svc.snapshots.prepare_temp()
    svc.snapshots.commit_temp(tmp, "sha256:" + "e" * 64)
    swept = svc.collect()
    assert swept.blobs == (orphan,) and swept.snapshots == ("sha256:" + "e" * 64,)
    assert blobs(svc) == kept
    assert svc.collect().blobs == ()


def test_sweep_waits_for_a_writer(svc: ImageService) -> None:
    done: list[str] = []
    with svc.writing():
        orphan_to_be = svc.content.put(b"written before its image row")
        t = threading.Thread(target=lambda: done.append(str(svc.collect())))
        t.start()
        time.sleep(0.2)
        assert done == [] and svc.content.exists(orphan_to_be)
    t.join(5)
    assert done and not svc.content.exists(orphan_to_be)


def test_history_of_an_import(svc: ImageService) -> None:
    image_id = svc.import_tar(io.BytesIO(rootfs()), "h:1", [], "a comment")
    [entry] = svc.history("h:1")
    assert entry.id == image_id and entry.tags == ("h:1",) and entry.comment == "a comment"
    assert entry.size == len(b"#!shell") + len(b"x\n")
    api = entry.to_api()
    assert set(api) == {"Id", "Created", "CreatedBy", "Tags", "Size", "Comment"}
    assert isinstance(api["Created"], int) and MISSING == "<missing>"
