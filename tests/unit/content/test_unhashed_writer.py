"""A writer that leaves hashing to its caller: commit takes the digest on trust, checks
the size, and needs a digest at all."""

import hashlib
from pathlib import Path

import pytest

from berth.content.store import LocalContentStore
from berth.errors import FailedPrecondition, InvalidArgument


def test_unhashed_writer_commits_under_the_callers_digest(tmp_path: Path) -> None:
    store = LocalContentStore(tmp_path)
    data = b"layer bytes" * 100
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with store.writer(hashing=False) as w:
        w.write(data)
        with pytest.raises(FailedPrecondition):
            _ = w.digest
        assert w.commit(digest, len(data)) == digest
    assert store.read(digest) == data
    assert not list(store.ingest.iterdir())


def test_unhashed_writer_refusals(tmp_path: Path) -> None:
    store = LocalContentStore(tmp_path)
    with store.writer(hashing=False) as w:
        w.write(b"x")
        with pytest.raises(FailedPrecondition):
            w.commit()
    with store.writer(hashing=False) as w:
        w.write(b"x")
        with pytest.raises(InvalidArgument):
            w.commit("sha256:" + "0" * 64, 2)
    with pytest.raises(InvalidArgument):
        store.writer("a-ref", hashing=False)
    assert not list(store.blobs.iterdir()) and not list(store.ingest.iterdir())
