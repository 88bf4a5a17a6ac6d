"""The local content store: verification, atomic visibility, resume, the verbs."""

import os
import stat
import threading
from pathlib import Path

import pytest

from berth.content.store import LocalContentStore
from berth.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from berth.oci.digest import of_bytes


@pytest.fixture
def store(tmp_path: Path) -> LocalContentStore:
    return LocalContentStore(tmp_path / "content")


def _everything(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_put_read_info_walk_delete(store: LocalContentStore) -> None:
    d = store.put(b"hello")
    assert d == of_bytes(b"hello")
    assert store.path(d) == store.root / "blobs" / "sha256" / d[7:]
    assert stat.S_IMODE(store.path(d).stat().st_mode) == 0o444
    assert store.read(d) == b"hello"
    with store.open(d) as f:
        assert f.read() == b"hello"
    assert store.info(d).size == 5
    assert [i.digest for i in store.walk()] == [d]
    store.delete(d)
    assert not store.exists(d)
    with pytest.raises(NotFound):
        store.info(d)
    with pytest.raises(NotFound):
        store.read(d)
    with pytest.raises(NotFound):
        store.delete(d)
    assert _everything(store.root) == set()


def test_nothing_visible_before_commit(store: LocalContentStore) -> None:
    w = store.writer()
    w.write(b"part")
    assert list(store.walk()) == []
    assert not store.exists(of_bytes(b"part"))
    d = w.commit()
    assert store.exists(d)
    assert list(store.ingest.iterdir()) == []


@pytest.mark.parametrize(("expected", "size"), [
    (of_bytes(b"other"), None), (None, 99), (of_bytes(b"data"), 3)])
def test_commit_verifies_digest_and_size(store: LocalContentStore, expected: str | None,
                                         size: int | None) -> None:
    w = store.writer("ref-1")
    w.write(b"data")
    with pytest.raises(InvalidArgument):
        w.commit(expected, size)
    assert list(store.walk()) == []
    assert store.ingests() == []
    with pytest.raises(FailedPrecondition):
        w.write(b"more")


def test_exception_in_writer_drops_ingest(store: LocalContentStore) -> None:
    with pytest.raises(RuntimeError), store.writer("layer-x") as w:
        w.write(b"abc")
        raise RuntimeError("boom")
    assert store.ingests() == []
    assert list(store.walk()) == []


def test_resume_by_ref_and_lock(store: LocalContentStore) -> None:
    with store.writer("pull-1") as w:
        w.write(b"hello ")
    assert store.ingests() == ["pull-1"]
    w2 = store.writer("pull-1")
    assert w2.size == 6
    with pytest.raises(Unavailable):
        store.writer("pull-1")
    w2.write(b"world")
    assert w2.commit(of_bytes(b"hello world"), 11) == of_bytes(b"hello world")
    assert store.ingests() == []


def test_abort_by_ref_and_clean(store: LocalContentStore) -> None:
    with store.writer("x") as w:
        w.write(b"1")
    store.abort("x")
    assert store.ingests() == []
    # a crash leaves an anonymous ingest behind; clean_ingests removes it
    w = store.writer()
    w.write(b"junk")
    w._file.close()  # the process died: the fd and its lock are gone
    store.clean_ingests()
    assert store.ingests() == []


def test_commit_existing_is_idempotent(store: LocalContentStore) -> None:
    d = store.put(b"same")
    assert store.put(b"same") == d
    assert len(list(store.walk())) == 1
    assert store.ingests() == []


def test_corrupt_blob_is_refused(store: LocalContentStore) -> None:
    d = store.put(b"good")
    os.chmod(store.path(d), 0o644)
    store.path(d).write_bytes(b"evil")
    with pytest.raises(FailedPrecondition):
        store.read(d)


def test_bad_digest_names_no_path(store: LocalContentStore) -> None:
    with pytest.raises(InvalidArgument):
        store.read("sha256:../../../etc/passwd")


def test_concurrent_writers_of_same_blob(store: LocalContentStore) -> None:
    data = os.urandom(1 << 20)
    errors: list[BaseException] = []

    def put() -> None:
        try:
            assert store.put(data) == of_bytes(data)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.read(of_bytes(data)) == data
    assert store.ingests() == []
