"""The overlay snapshotter: chain ids, atomic unpack, mounts, and a real overlay mount."""

import hashlib
import io
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from berth.diff.apply import apply_layer
from berth.errors import FailedPrecondition, NotFound
from berth.snapshots.mounts import Mount, overlay
from berth.snapshots.overlay import OverlaySnapshotter, chain_ids

A, B, C = ("sha256:" + c * 64 for c in "abc")


def layer(*files: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def test_chain_ids() -> None:
    ab = "sha256:" + hashlib.sha256(f"{A} {B}".encode()).hexdigest()
    abc = "sha256:" + hashlib.sha256(f"{ab} {C}".encode()).hexdigest()
    assert chain_ids([A]) == [A]
    assert chain_ids([A, B, C]) == [A, ab, abc]
    assert chain_ids([]) == []


def test_unpack_once_and_atomically(tmp_path: Path) -> None:
    snaps = OverlaySnapshotter(tmp_path / "snapshots")

    def fail(fs: Path) -> None:
        (fs / "half").write_text("x")
        raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        snaps.unpack(A, fail)
    assert not snaps.exists(A)
    assert list((tmp_path / "snapshots").iterdir()) == []
    calls = []
    assert snaps.unpack(A, lambda fs: calls.append(fs) or 1) == 1
    assert snaps.unpack(A, lambda fs: calls.append(fs) or 2) is None
    assert len(calls) == 1 and snaps.exists(A)
    assert snaps.path(A) == tmp_path / "snapshots" / ("a" * 64) / "fs"
    assert list(snaps.walk()) == [A]
    snaps.remove(A)
    assert not snaps.exists(A) and list((tmp_path / "snapshots").iterdir()) == []
    with pytest.raises(NotFound):
        snaps.remove(A)


def test_racing_unpacks_of_one_chain(tmp_path: Path) -> None:
    snaps = OverlaySnapshotter(tmp_path)
    temps = [snaps.prepare_temp() for _ in range(4)]
    results: list[bool] = []
    threads = [threading.Thread(target=lambda t=t: results.append(snaps.commit_temp(t, B)))
               for t in temps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert [p.name for p in tmp_path.iterdir()] == ["b" * 64]


def test_clean_temps(tmp_path: Path) -> None:
    snaps = OverlaySnapshotter(tmp_path)
    snaps.prepare_temp()
    snaps.clean_temps()
    assert list(tmp_path.iterdir()) == []


def test_mounts(tmp_path: Path) -> None:
    snaps = OverlaySnapshotter(tmp_path / "s")
    for c in chain_ids([A, B]):
        snaps.unpack(c, lambda fs: None)
    chain = chain_ids([A, B])
    [m] = snaps.mounts(chain, tmp_path / "up", tmp_path / "work")
    assert m.to_json() == {"type": "overlay", "source": "overlay", "options": [
        f"lowerdir={snaps.path(chain[1])}:{snaps.path(chain[0])}",
        f"upperdir={tmp_path / 'up'}", f"workdir={tmp_path / 'work'}"]}
    [single] = snaps.mounts([A], tmp_path / "up", tmp_path / "work")
    assert single.options[0] == f"lowerdir={snaps.path(A)}"
    assert snaps.view([A]) == [Mount("bind", str(snaps.path(A)), ("rbind", "ro"))]
    assert snaps.view(chain)[0].options == (
        f"lowerdir={snaps.path(chain[1])}:{snaps.path(chain[0])}",)
    with pytest.raises(NotFound):
        snaps.mounts([C], tmp_path / "up", tmp_path / "work")
    with pytest.raises(NotFound):
        snaps.mounts([], tmp_path / "up", tmp_path / "work")
    with pytest.raises(FailedPrecondition):
        overlay(["/x" * 3000], "/u", "/w")
    assert Mount.from_json(m.to_json()) == m


def test_real_overlay_with_whiteouts(tmp_path: Path) -> None:
    snaps = OverlaySnapshotter(tmp_path / "s")
    base = layer(("etc/keep", b"base"), ("etc/gone", b"x"), ("var/old/f", b"y"))
    top = layer(("etc/.wh.gone", b""), ("var/old/.wh..wh..opq", b""), ("var/old/new", b"z"),
                ("etc/keep", b"top"))
    diffs = []
    for raw in (base, top):
        d = "sha256:" + hashlib.sha256(raw).hexdigest()
        diffs.append(d)
    chain = chain_ids(diffs)
    for raw, c in zip((base, top), chain, strict=True):
        snaps.unpack(c, lambda fs, raw=raw: apply_layer(io.BytesIO(raw), fs))
    for sub in ("up", "work", "merged"):
        (tmp_path / sub).mkdir()
    [m] = snaps.mounts(chain, tmp_path / "up", tmp_path / "work")
    merged = tmp_path / "merged"
    script = (f"mount -t overlay overlay -o {','.join(m.options)} {merged} && "
              f"find {merged} -type f | sort && cat {merged}/etc/keep")
    # a private mount namespace: nothing is left mounted on the host
    out = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == [f"{merged}/etc/keep", f"{merged}/var/old/new", "top"]
