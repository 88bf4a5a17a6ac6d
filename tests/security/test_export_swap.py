"""``export``, ``commit --pause=false``, ``diff`` and the size count (``ps -s``) never
follow a directory a running container swaps for a symlink to the host.

berthd reads a container's upper dir in place. Walked by path string, each
``upper/d/f`` was looked up afresh, and a container that swaps its ``/d`` with a
symlink ``/l -> <a host dir>`` (renameat2's RENAME_EXCHANGE in a tight loop,
from a static helper built with ``cc``) had berthd read the host dir's files
into the export and into the committed layer, list its names in the diff and
count its files in the container's size. The walks go by directory fd now
(``berth.diff.dirfd``, ``berth.util.disk``).

The host dir holds files of the container's dir's names, each carrying a marker
the container never has, and as many names the container does not have.
Rounds, measured on the old code (bfd8bdd) in 3 runs: the marker came out of
the first commit every time, and out of export 2 in one run (the other two
runs' exports failed with a 500 where the walk met a symlink it had seen as a
directory); diff listed host names at rounds 42 and 25 of 200 (a round is ~20 ms
through the API), and the size counted the host dir's 1 GiB file at rounds 15, 9
and 43 of 200. So 10 exports, 4 commits, 200 diffs and 200 sizes: about five
times the rounds the old code needed, in ~40 s with the swapper holding a core.
"""

import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

Daemon = Any  # tests/conftest.py's
BERTH = [sys.executable, "-m", "berth.cli.main"]
SWAPPER = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
    for (;;)
        syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
}
"""
FILES = 200
EXPORTS, COMMITS, DIFFS, SIZES = 10, 4, 200, 200
HOST_BIG = 1 << 30


@pytest.fixture(scope="module")
def swapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler builds the racing swapper: install gcc"
    work = tmp_path_factory.mktemp("swap")
    (work / "swap.c").write_text(SWAPPER)
    subprocess.run([cc, "-static", "-O2", "-o", str(work / "swap"), str(work / "swap.c")],
                   check=True)
    return work / "swap"


@pytest.fixture(scope="module")
def host_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A host dir with the container's file names, each holding the marker, and as
    many names the container does not have."""
    marker = f"host-secret-{secrets.token_hex(16)}".encode()
    d = tmp_path_factory.mktemp("host")
    for i in range(FILES):
        (d / f"f{i:03}").write_bytes(marker + b"\n")
        (d / f"host-only-{i:03}").write_bytes(marker + b"\n")
    with (d / "host-only-big").open("wb") as f:  # 1 GiB to a size count, no disk
        f.truncate(HOST_BIG)
    return d, marker


@pytest.fixture(scope="module")
def racer(daemon: Daemon, swapper: Path, host_dir: tuple[Path, bytes]) -> Iterator[str]:
    """A running container swapping its /d (200 decoy files) and /l -> the host dir."""
    r = daemon.cli("run", "-d", "busybox", "sh", "-c",
                   f"mkdir /d && for i in $(seq -w 0 {FILES - 1}); do echo decoy > /d/f$i; "
                   f"done && ln -s {host_dir[0]} /l && touch /ready && sleep 3600")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    for _ in range(100):
        if daemon.cli("exec", cid, "test", "-e", "/ready").returncode == 0:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the racer did not set up")
    r = daemon.cli("cp", str(swapper), f"{cid}:/swap")
    assert r.returncode == 0, r.stderr
    swapping = subprocess.Popen([*BERTH, "exec", cid, "/swap", "/d", "/l"],
                                env=daemon.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    assert swapping.poll() is None, "the swapper stopped"
    yield cid
    swapping.kill()
    swapping.wait()
    daemon.cli("rm", "-f", cid)


@pytest.fixture
def sdk(daemon: Daemon) -> Iterator[docker.APIClient]:
    client = docker.APIClient(base_url=f"unix://{daemon.socket}", version="1.44", timeout=120)
    yield client
    client.close()


def test_export_never_carries_a_host_file(sdk, racer, host_dir):
    _, marker = host_dir
    decoys = 0
    for n in range(EXPORTS):
        tar = b"".join(sdk.export(racer))
        assert marker not in tar, f"a host file in export {n + 1}"
        decoys += tar.count(b"decoy\n")
    assert decoys, "the container's own files were exported"


def test_commit_without_pause_never_carries_a_host_file(daemon, sdk, racer, host_dir):
    _, marker = host_dir
    for n in range(COMMITS):
        image = sdk.commit(racer, "swap-commit", str(n), pause=False)["Id"]
        try:
            top = sdk.inspect_image(image)["RootFS"]["Layers"][-1]
            # stored uncompressed, as dockerd keeps committed layers: its digest is its diff_id
            blob = daemon.data_root / "content/blobs/sha256" / top.removeprefix("sha256:")
            data = blob.read_bytes()
            assert marker not in data, f"a host file in commit {n + 1}"
            assert b"decoy\n" in data
        finally:
            sdk.remove_image(image)


def test_diff_never_lists_a_host_name(sdk, racer):
    decoys = 0
    for n in range(DIFFS):
        paths = [c["Path"] for c in sdk.diff(racer)]
        assert not [p for p in paths if "host-only" in p], f"a host name in diff {n + 1}"
        decoys += "/d/f000" in paths or "/l/f000" in paths
    assert decoys, "the container's own files were listed"


def test_size_never_counts_a_host_file(sdk, racer):
    for n in range(SIZES):
        (listed,) = [c for c in sdk.containers(all=True, size=True) if c["Id"] == racer]
        assert listed["SizeRw"] < HOST_BIG, f"a host file counted in size {n + 1}"
