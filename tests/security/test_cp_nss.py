"""``cp`` and the archive API never run the image's code on the host (CVE-2019-14271).

The helper that reads and writes a container's files works inside the
container's root. Tar's user and group lookups there (``getpwuid`` for a
header's uname, ``getgrnam`` when extracting by name) made glibc read the
image's ``/etc/nsswitch.conf`` and load the image's ``libnss_*.so.2``, whose
constructor ran as root, with every capability, in the host's pid namespace.
The hostile image here ships such a module, built with ``cc``; its constructor
leaves a marker in the root it finds itself in. Copies must leave no marker and
carry numeric ids only, as docker 23+ writes them (moby's
``FileInfoHeaderNoLookups``; dockerd 20.10.24 still names uid 0 ``root``)."""

import io
import json
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

Daemon = Any  # tests/conftest.py's

MODULE = r"""
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void pwn(void) {
    char buf[96];
    int fd = open("/nss-pwned", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        int n = snprintf(buf, sizeof buf, "loaded in pid %d as uid %d\n", getpid(), getuid());
        write(fd, buf, n);
        close(fd);
    }
}
int _nss_evil_getpwuid_r(void) { return 0; }
int _nss_evil_getpwnam_r(void) { return 0; }
int _nss_evil_getgrgid_r(void) { return 0; }
int _nss_evil_getgrnam_r(void) { return 0; }
"""
LIB_DIRS = ("lib", "lib64", "usr/lib", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
# The image's nsswitch.conf names "evil"; a helper whose glibc already read the host's
# (then a changed root is not reread) loads the host's services by name when first
# needed: the image ships the module under those names too (docker's CVE-2019-14271
# was libnss_files's).
SERVICES = ("evil", "files", "compat", "systemd", "db", "nis", "sss", "ldap", "winbind",
            "mymachines", "resolve", "myhostname")
OWNER = (1234, 5678)  # ids the image's passwd and group do not name


def _member(tar: tarfile.TarFile, name: str, data: bytes | None = None, mode: int = 0o644,
            owner: tuple[int, int] = (0, 0)) -> None:
    ti = tarfile.TarInfo(name)
    ti.uid, ti.gid = owner
    ti.mode = mode
    ti.mtime = 1_700_000_000
    if data is None:
        ti.type = tarfile.DIRTYPE
        tar.addfile(ti)
    else:
        ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))


@pytest.fixture(scope="module")
def nss_image(daemon: Daemon, busybox_tar: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[str]:
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler builds the hostile NSS module: install gcc"
    work = tmp_path_factory.mktemp("nss")
    (work / "evil.c").write_text(MODULE)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(work / "libnss_evil.so.2"),
                    str(work / "evil.c")], check=True)
    image = work / "image.tar"
    shutil.copy(busybox_tar, image)
    module = (work / "libnss_evil.so.2").read_bytes()
    with tarfile.open(image, "a") as tar:
        _member(tar, "etc/nsswitch.conf", b"passwd: evil\ngroup: evil\nshadow: evil\n")
        for d in LIB_DIRS:
            if d != "usr/lib":
                _member(tar, d)
            for service in SERVICES:
                _member(tar, f"{d}/libnss_{service}.so.2", module, 0o755)
        _member(tar, "owned", b"by 1234:5678\n", owner=OWNER)
    r = daemon.cli("import", "-c", 'CMD ["sh"]', str(image), "nss-evil:latest")
    assert r.returncode == 0, r.stderr
    yield "nss-evil:latest"
    daemon.cli("rmi", "-f", "nss-evil:latest")


@pytest.fixture
def hostile(daemon: Daemon, nss_image: str) -> Iterator[Callable[[bool], str]]:
    """``make(running)``: a container of the hostile image; its id."""
    made: list[str] = []

    def make(running: bool) -> str:
        argv = ("run", "-d") if running else ("create",)
        r = daemon.cli(*argv, nss_image, "sleep", "300")
        assert r.returncode == 0, r.stderr
        made.append(r.stdout.strip())
        return made[-1]

    yield make
    if made:
        daemon.cli("rm", "-f", *made)


def _loaded(daemon: Daemon, cid: str) -> str:
    marker = daemon.data_root / "containers" / cid / "upper" / "nss-pwned"
    return marker.read_text() if marker.exists() else ""


@pytest.fixture
def sdk(daemon: Daemon) -> Iterator[docker.APIClient]:
    client = docker.APIClient(base_url=f"unix://{daemon.socket}", version="1.44")
    yield client
    client.close()


def _get(sdk: docker.APIClient, cid: str, path: str) -> tarfile.TarFile:
    chunks, _ = sdk.get_archive(cid, path)
    return tarfile.open(fileobj=io.BytesIO(b"".join(chunks)))


@pytest.mark.parametrize("running", [True, False], ids=["running", "stopped"])
def test_copy_out_loads_nothing_and_carries_numbers(daemon, sdk, hostile, running):
    cid = hostile(running)
    if running:
        _wait_running(daemon, cid)
    with _get(sdk, cid, "/owned") as tar:
        (member,) = tar.getmembers()
    with _get(sdk, cid, "/etc") as tar:
        names = {(m.uname, m.gname) for m in tar}
    assert _loaded(daemon, cid) == ""
    assert (member.name, member.uid, member.gid) == ("owned", *OWNER)
    assert names == {("", "")}  # ids only, as docker writes them
    assert (member.uname, member.gname) == ("", "")


@pytest.mark.parametrize("running", [True, False], ids=["running", "stopped"])
def test_copy_in_loads_nothing_and_keeps_numbers(daemon, sdk, hostile, running):
    cid = hostile(running)
    if running:
        _wait_running(daemon, cid)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        ti = tarfile.TarInfo("copied")
        ti.uid, ti.gid, ti.uname, ti.gname = 4321, 8765, "root", "root"
        ti.size = 3
        tar.addfile(ti, io.BytesIO(b"in\n"))
    assert sdk.put_archive(cid, "/tmp", buf.getvalue())
    # the header's numbers, never the names looked up in the container (docker's rule)
    assert _loaded(daemon, cid) == ""
    copied = daemon.data_root / "containers" / cid / "upper" / "tmp" / "copied"
    st = copied.stat()
    assert (st.st_uid, st.st_gid, copied.read_bytes()) == (4321, 8765, b"in\n")


def test_the_cli_copies_both_ways(daemon, hostile, tmp_path):
    cid = hostile(True)
    _wait_running(daemon, cid)
    assert daemon.cli("cp", f"{cid}:/owned", str(tmp_path / "owned")).returncode == 0
    assert (tmp_path / "owned").read_text() == "by 1234:5678\n"
    (tmp_path / "in").write_text("x\n")
    r = daemon.cli("cp", str(tmp_path / "in"), f"{cid}:/in")
    assert r.returncode == 0, r.stderr
    assert daemon.cli("exec", cid, "cat", "/in").stdout == "x\n"
    assert _loaded(daemon, cid) == ""


def _wait_running(daemon: Daemon, cid: str) -> None:
    for _ in range(100):
        r = daemon.cli("inspect", cid)
        if json.loads(r.stdout)[0]["State"]["Running"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{cid} did not start")
