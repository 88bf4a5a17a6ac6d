"""berth save and berth load as a user types them: between two daemons, several images,
a tag that moves, docker's refusals, and a berthd killed in the middle of a load."""

import gzip
import hashlib
import io
import json
import os
import pty
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

BERTH = [sys.executable, "-m", "berth.cli.main"]


def image_id(d, name: str) -> str:
    r = d.cli("image", "inspect", name)
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout)[0]["Id"])


def tags(d) -> list[str]:
    """Every image line (repository, tag, full id)."""
    lines = d.cli("images", "-a", "--no-trunc").stdout.splitlines()[1:]
    return sorted(" ".join(line.split()[:3]) for line in lines)


def test_save_then_load_into_another_daemon(daemon, own_daemon, tmp_path):
    out = tmp_path / "busybox.tar"
    r = daemon.cli("save", "-o", str(out), "busybox")
    assert r.returncode == 0 and r.stdout == "", r.stderr
    old = image_id(own_daemon, "busybox")  # imported there, at another time: another id
    new = image_id(daemon, "busybox")
    assert old != new
    r = own_daemon.cli("load", "-i", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == (f"The image busybox:latest already exists, renaming the old one with ID "
                        f"{old} to empty string\nLoaded image: busybox:latest\n")
    assert image_id(own_daemon, "busybox") == new
    assert image_id(own_daemon, old) == old  # the old image stays, untagged
    r = own_daemon.cli("run", "--rm", "busybox", "sh", "-c", "echo loaded; ls /bin/sh")
    assert (r.returncode, r.stdout) == (0, "loaded\n/bin/sh\n"), r.stderr
    again = own_daemon.cli("load", "-q", "-i", str(out))  # the same image: nothing moves
    assert (again.returncode, again.stdout) == (0, "Loaded image: busybox:latest\n")


def test_save_several_images_to_stdout_and_load_from_stdin(daemon, own_daemon, busybox_tar,
                                                           tmp_path):
    r = daemon.cli("import", "-c", 'CMD ["echo", "two"]', str(busybox_tar), "saved/two:2")
    assert r.returncode == 0, r.stderr
    assert daemon.cli("tag", "busybox", "saved/one:1").returncode == 0
    out = tmp_path / "several.tar"
    with out.open("wb") as f:
        p = subprocess.run([*BERTH, "save", "saved/one:1", "saved/two"], env=daemon.env,
                           stdout=f, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0, p.stderr
    with tarfile.open(out) as tar:
        f = tar.extractfile("manifest.json")
        assert f is not None
        manifest = json.load(f)
    assert sorted(t for m in manifest for t in m["RepoTags"]) == ["saved/one:1", "saved/two:2"]
    with out.open("rb") as f:
        p = subprocess.run([*BERTH, "load"], env=own_daemon.env, stdin=f, capture_output=True,
                           text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.splitlines()) == ["Loaded image: saved/one:1",
                                             "Loaded image: saved/two:2"]
    for name in ("saved/one:1", "saved/two:2"):
        assert image_id(own_daemon, name) == image_id(daemon, name)
    r = own_daemon.cli("run", "--rm", "saved/two:2")
    assert (r.returncode, r.stdout) == (0, "two\n"), r.stderr
    assert daemon.cli("rmi", "saved/one:1", "saved/two:2").returncode == 0


def test_a_gzip_layer_is_saved_uncompressed(daemon, own_daemon, busybox_tar, tmp_path):
    gz = tmp_path / "busybox.tar.gz"
    gz.write_bytes(gzip.compress(busybox_tar.read_bytes(), compresslevel=1))
    assert daemon.cli("import", str(gz), "gz/box:1").returncode == 0
    out = tmp_path / "gz.tar"
    r = daemon.cli("save", "-o", str(out), "gz/box:1")
    assert r.returncode == 0, r.stderr
    with tarfile.open(out) as tar:
        f = tar.extractfile("manifest.json")
        assert f is not None
        [layer] = json.load(f)[0]["Layers"]
        blob = tar.extractfile(layer)
        assert blob is not None
        assert hashlib.sha256(blob.read()).hexdigest() == layer.rpartition("/")[2]
    assert "sha256:" + layer.rpartition("/")[2] == inspect_layers(daemon, "gz/box:1")[0]
    r = own_daemon.cli("load", "-i", str(out))
    assert (r.returncode, r.stdout) == (0, "Loaded image: gz/box:1\n"), r.stderr
    assert image_id(own_daemon, "gz/box:1") == image_id(daemon, "gz/box:1")
    assert daemon.cli("rmi", "gz/box:1").returncode == 0


def inspect_layers(d, name: str) -> list[str]:
    r = d.cli("image", "inspect", name)
    return list(json.loads(r.stdout)[0]["RootFS"]["Layers"])


def test_save_by_id_loads_untagged(daemon, own_daemon, tmp_path):
    full = image_id(daemon, "busybox")
    out = tmp_path / "by-id.tar"
    assert daemon.cli("save", "-o", str(out), full[7:19]).returncode == 0
    r = own_daemon.cli("load", "-i", str(out))
    assert (r.returncode, r.stdout) == (0, f"Loaded image ID: {full}\n"), r.stderr


def test_save_refusals(berth_cli, daemon, tmp_path):
    code, _, err = berth_cli("save", "-o", str(tmp_path / "x.tar"), "nosuchimage")
    assert code == 1 and "No such image: nosuchimage:latest" in err
    assert not list(tmp_path.iterdir())  # no half-written archive
    code, _, err = berth_cli("save")
    assert code == 1 and "requires at least 1 argument" in err
    (tmp_path / "adir").mkdir()
    code, _, err = berth_cli("save", "-o", str(tmp_path / "adir"), "busybox")
    assert code == 1 and "failed to save image: is a directory" in err
    assert [p.name for p in tmp_path.iterdir()] == ["adir"]
    primary, secondary = pty.openpty()
    try:
        p = subprocess.run([*BERTH, "save", "busybox"], env=daemon.env, stdout=secondary,
                           stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(primary)
        os.close(secondary)
    assert p.returncode == 1
    assert b"cowardly refusing to save to a terminal. Use the -o flag or redirect" in p.stderr


def test_load_of_garbage_changes_nothing(berth_cli, daemon, tmp_path):
    before = tags(daemon)
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"this is not a tar archive\n" * 1000)
    code, out, err = berth_cli("load", "-i", str(garbage))
    assert code == 1 and out == ""
    assert err.startswith("invalid archive")  # the stream's error, bare, as docker prints it
    bad = io.BytesIO()
    with tarfile.open(fileobj=bad, mode="w") as tar:
        data = json.dumps([{"Config": "missing.json", "RepoTags": ["busybox:latest"],
                            "Layers": []}]).encode()
        ti = tarfile.TarInfo("manifest.json")
        ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
    code, _, err = berth_cli("load", input=bad.getvalue())
    assert code == 1 and "manifest.json names 'missing.json', which is not in the archive" in err
    code, _, err = berth_cli("load", "-i", str(tmp_path / "nosuchfile.tar"))
    assert code == 1 and "no such file or directory" in err
    assert tags(daemon) == before


def _big_archive(path: Path, size: int) -> str:
    """An old-layout archive of one layer with ``size`` random bytes, tagged
    busybox:latest; its image id."""
    layer = path.with_suffix(".layer")
    with layer.open("wb") as f, tarfile.open(fileobj=f, mode="w") as tar:
        ti = tarfile.TarInfo("random.bin")
        ti.size = size
        with open("/dev/urandom", "rb") as src:
            tar.addfile(ti, src)
    digest = hashlib.sha256()
    with layer.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers",
                                    "diff_ids": [f"sha256:{digest.hexdigest()}"]}}).encode()
    with tarfile.open(path, "w") as tar:
        tar.add(layer, "big/layer.tar")
        for name, data in [("c.json", config), ("manifest.json", json.dumps([{
                "Config": "c.json", "RepoTags": ["busybox:latest"],
                "Layers": ["big/layer.tar"]}]).encode())]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
    layer.unlink()
    return "sha256:" + hashlib.sha256(config).hexdigest()


@pytest.mark.slow
def test_berthd_killed_in_the_middle_of_a_load(own_daemon, tmp_path):
    d = own_daemon
    archive = tmp_path / "big.tar"
    big_id = _big_archive(archive, 100 << 20)
    before = tags(d)
    ingest = d.data_root / "content" / "ingest"
    load = subprocess.Popen([*BERTH, "load", "-i", str(archive)], env=d.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Wait until the layer is on its way into the store, then kill berthd.
        while load.poll() is None and not any(
                p.stat().st_size > (8 << 20) for p in ingest.glob("*/data")):
            time.sleep(0.01)
        assert load.poll() is None, "the load ended before berthd could be killed"
        d.process.send_signal(signal.SIGKILL)
        d.process.wait()
    finally:
        out, err = load.communicate(timeout=60)
    assert load.returncode != 0, (out, err)
    # The next command starts berthd again (auto-start), which finds the store as it was.
    assert tags(d) == before
    assert d.cli("image", "inspect", big_id).returncode == 1
    for blob in (d.data_root / "content" / "blobs" / "sha256").iterdir():
        with blob.open("rb") as f:
            assert hashlib.file_digest(f, "sha256").hexdigest() == blob.name
    assert not list(ingest.iterdir())
    assert not list((d.data_root / "snapshots").glob(".tmp-*"))
