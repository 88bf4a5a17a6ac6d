"""Volumes in containers as a user types them: data that outlives containers and
berthd, the image's content seeded, anonymous volumes and their removal,
--volumes-from, the local driver's mounts, and nothing left mounted."""

import json
import os
import signal
import time
from pathlib import Path


def _mounted(path: Path) -> bool:
    return any(line.split()[4] == str(path)
               for line in Path("/proc/self/mountinfo").read_text().splitlines())


def _image_with_volume(d, tag: str) -> None:
    """An image whose /data (nobody's, 0750, a setuid file, a symlink) is a VOLUME."""
    r = d.cli("run", "--name", f"{tag}-src", "busybox", "sh", "-c",
              "mkdir -p /data/sub && echo hi > /data/f && ln -s /etc/passwd /data/link && "
              "chown -R 65534:65534 /data && chmod 750 /data && chmod 4755 /data/f")
    assert r.returncode == 0, r.stderr
    r = d.cli("commit", "-c", "VOLUME /data", f"{tag}-src", tag)
    assert r.returncode == 0, r.stderr
    assert d.cli("rm", f"{tag}-src").returncode == 0


def test_named_volume_outlives_containers_and_berthd(own_daemon):
    d = own_daemon
    r = d.cli("run", "--rm", "-v", "keep:/d", "busybox", "sh", "-c", "echo kept > /d/f")
    assert r.returncode == 0, r.stderr
    d.process.send_signal(signal.SIGTERM)
    d.process.wait(30)
    # the next command starts berthd again (auto-start): the volume and its data are there
    r = d.cli("run", "--rm", "-v", "keep:/d:ro", "busybox", "sh", "-c",
              "cat /d/f; touch /d/x 2>/dev/null || echo read-only")
    assert (r.returncode, r.stdout) == (0, "kept\nread-only\n"), r.stderr
    assert "keep" in d.cli("volume", "ls", "-q").stdout.split()


def test_seeded_from_the_image_with_owners_and_modes(daemon):
    _image_with_volume(daemon, "seedimg")
    r = daemon.cli("run", "--rm", "-v", "seeded:/data", "seedimg", "sh", "-c",
                   "stat -c '%n %u %g %a' /data /data/f /data/sub; readlink /data/link")
    assert r.stdout.splitlines() == ["/data 65534 65534 750", "/data/f 65534 65534 4755",
                                     "/data/sub 65534 65534 755", "/etc/passwd"], r.stderr
    data = daemon.data_root / "volumes/seeded/_data"
    assert (data / "link").is_symlink() and (data / "f").read_text() == "hi\n"
    # seeded once: what a container leaves is what the next one finds
    daemon.cli("run", "--rm", "-v", "seeded:/data", "seedimg", "rm", "/data/f")
    r = daemon.cli("run", "--rm", "-v", "seeded:/data", "seedimg", "ls", "/data")
    assert r.stdout.split() == ["link", "sub"]
    r = daemon.cli("run", "--rm", "-v", "unseeded:/data:nocopy", "seedimg", "ls", "-A", "/data")
    assert (r.returncode, r.stdout) == (0, "")
    r = daemon.cli("run", "--rm", "--mount", "type=volume,src=unseeded2,dst=/data,volume-nocopy",
                   "seedimg", "ls", "-A", "/data")
    assert (r.returncode, r.stdout) == (0, "")
    daemon.cli("volume", "rm", "seeded", "unseeded", "unseeded2")


def test_anonymous_volumes_go_with_rm_v_and_rm_flag_named_ones_stay(daemon):
    _image_with_volume(daemon, "anonimg")
    before = set(daemon.cli("volume", "ls", "-q").stdout.split())
    r = daemon.cli("run", "--rm", "-v", "/scratch", "-v", "named-stays:/n", "anonimg", "sh",
                   "-c", "cat /data/f; touch /scratch/x /n/x")
    assert (r.returncode, r.stdout) == (0, "hi\n"), r.stderr
    assert set(daemon.cli("volume", "ls", "-q").stdout.split()) - before == {"named-stays"}
    r = daemon.cli("create", "--name", "anon-c", "-v", "/scratch", "anonimg", "true")
    c = json.loads(daemon.cli("inspect", "anon-c").stdout)[0]
    mounts = {m["Destination"]: m for m in c["Mounts"]}
    assert set(mounts) == {"/data", "/scratch"}
    for m in mounts.values():
        assert m["Type"] == "volume" and m["Driver"] == "local" and len(m["Name"]) == 64
        assert (m["Mode"], m["RW"], m["Propagation"]) == ("", True, "")
        assert m["Source"] == str(daemon.data_root / "volumes" / m["Name"] / "_data")
    r = daemon.cli("rm", "-v", "anon-c")
    assert r.returncode == 0
    now = set(daemon.cli("volume", "ls", "-q").stdout.split())
    assert not {m["Name"] for m in mounts.values()} & now and "named-stays" in now
    daemon.cli("create", "--name", "anon-kept", "anonimg", "true")
    name = json.loads(daemon.cli("inspect", "anon-kept").stdout)[0]["Mounts"][0]["Name"]
    daemon.cli("rm", "anon-kept")  # without -v: the anonymous volume stays, as docker's
    assert name in daemon.cli("volume", "ls", "-q").stdout.split()
    daemon.cli("volume", "rm", name, "named-stays")


def test_volumes_from_and_in_use(daemon, tmp_path):
    (tmp_path / "b").write_text("bound\n")
    r = daemon.cli("run", "-d", "--name", "vf-src", "-v", "vf-data:/d", "-v", f"{tmp_path}:/b",
                   "busybox", "sh", "-c", "echo shared > /d/f; sleep 60")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    r = daemon.cli("run", "--rm", "--volumes-from", "vf-src:ro", "busybox", "sh", "-c",
                   "cat /d/f /b/b; touch /d/x 2>/dev/null || echo d-ro; "
                   "touch /b/x 2>/dev/null || echo b-ro")
    assert r.stdout == "shared\nbound\nd-ro\nb-ro\n", r.stderr
    r = daemon.cli("run", "--rm", "--volumes-from", "vf-src", "busybox", "sh", "-c",
                   "echo more >> /d/f && cat /d/f")
    assert r.stdout == "shared\nmore\n"
    r = daemon.cli("create", "--name", "vf-copy", "--volumes-from", "vf-src:ro", "busybox")
    mounts = json.loads(daemon.cli("inspect", "vf-copy").stdout)[0]["Mounts"]
    assert [(m["Destination"], m["Type"], m["Mode"], m["RW"]) for m in mounts] == [
        ("/b", "bind", "", False), ("/d", "volume", "", False)]
    for args in (("volume", "rm", "vf-data"), ("volume", "rm", "-f", "vf-data")):
        r = daemon.cli(*args)
        assert r.returncode == 1
        assert r.stderr.startswith("Error response from daemon: remove vf-data: volume is in "
                                   f"use - [{cid}") or f"{cid}" in r.stderr
    r = daemon.cli("volume", "ls", "-f", "dangling=false", "-q")
    assert "vf-data" in r.stdout.split()
    daemon.cli("rm", "-f", "vf-src", "vf-copy")
    assert daemon.cli("volume", "rm", "vf-data").returncode == 0
    r = daemon.cli("run", "--rm", "--volumes-from", "nope", "busybox", "true")
    assert r.returncode == 125 and "No such container: nope" in r.stderr


def test_local_driver_mounts_come_and_go(daemon, tmp_path):
    (tmp_path / "x").write_text("from the device\n")
    assert daemon.cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o",
                      "o=size=1m,uid=1000", "tmpv").returncode == 0
    assert daemon.cli("volume", "create", "-o", "type=none", "-o", "o=bind", "-o",
                      f"device={tmp_path}", "bindv").returncode == 0
    data = daemon.data_root / "volumes/tmpv/_data"
    r = daemon.cli("run", "-d", "--name", "drv", "-v", "tmpv:/t", "-v", "bindv:/b", "busybox",
                   "sh", "-c", "grep ' /t ' /proc/mounts; stat -c %u /t; cat /b/x; "
                   "echo w > /b/w; sleep 60")
    assert r.returncode == 0, r.stderr
    r2 = daemon.cli("run", "--rm", "-v", "tmpv:/t", "busybox", "true")  # a second user
    assert r2.returncode == 0 and _mounted(data)  # ... whose exit leaves it mounted
    assert daemon.cli("stop", "-t", "0", "drv").returncode == 0
    out = daemon.cli("logs", "drv").stdout.splitlines()
    assert out[0].startswith("tmpfs /t tmpfs") and "size=1024k" in out[0]
    assert out[1:] == ["1000", "from the device"]
    assert (tmp_path / "w").read_text() == "w\n"
    assert not _mounted(data) and not _mounted(daemon.data_root / "volumes/bindv/_data")
    daemon.cli("rm", "drv")
    assert daemon.cli("volume", "rm", "tmpv", "bindv").returncode == 0
    assert (tmp_path / "x").exists()  # removing the volume never touches its device
    daemon.cli("volume", "create", "-o", "type=none", "-o", "o=bind", "-o",
               f"device={tmp_path}/nope", "badv")
    r = daemon.cli("run", "--rm", "-v", "badv:/b", "busybox", "true")
    assert r.returncode != 0 and "failed to mount local volume" in r.stderr
    assert "no such file or directory" in r.stderr
    daemon.cli("volume", "rm", "badv")


def test_bad_volume_requests(daemon):
    before = daemon.cli("ps", "-aq").stdout
    vols = daemon.cli("volume", "ls", "-q").stdout
    for args, message in [
        (("-v", "a b:/x"), '"a b" includes invalid characters for a local volume name'),
        (("-v", "v:/x"), "create v: volume name is too short"),
        (("--mount", "type=volume,src=ok1,dst=/x,volume-opt=bogus=1"),
         'create ok1: invalid option: "bogus"'),
        (("--mount", "type=volume,dst=/x,volume-driver=nfs9"),
         'error looking up volume plugin nfs9: plugin "nfs9" not found'),
        (("--volumes-from", "nope:zz"), "invalid mode: zz"),
        (("--volume-driver", "nfs8", "-v", "/x"),
         'error looking up volume plugin nfs8: plugin "nfs8" not found'),
    ]:
        r = daemon.cli("run", "--rm", *args, "busybox", "true")
        assert r.returncode == 125 and message in r.stderr, (args, r.stderr)
    assert daemon.cli("ps", "-aq").stdout == before
    assert daemon.cli("volume", "ls", "-q").stdout == vols  # nothing made of them


def test_cp_and_system_df_see_volumes(daemon, tmp_path):
    assert daemon.cli("create", "--name", "cpv", "-v", "cp-data:/d", "busybox",
                      "true").returncode == 0
    (tmp_path / "in").write_text("put\n")
    r = daemon.cli("cp", str(tmp_path / "in"), "cpv:/d/in")  # a stopped container
    assert r.returncode == 0, r.stderr
    assert (daemon.data_root / "volumes/cp-data/_data/in").read_text() == "put\n"
    r = daemon.cli("cp", "cpv:/d/in", str(tmp_path / "out"))
    assert r.returncode == 0 and (tmp_path / "out").read_text() == "put\n"
    summary = daemon.cli("system", "df").stdout.splitlines()
    (line,) = [x for x in summary if x.startswith("Local Volumes")]
    assert int(line.split()[3]) >= 1  # ACTIVE: cp-data at least
    verbose = daemon.cli("system", "df", "-v").stdout
    (row,) = [x.split() for x in verbose.splitlines() if x.startswith("cp-data ")]
    assert row == ["cp-data", "1", "4B"]
    (crow,) = [x for x in verbose.splitlines() if x.endswith(" cpv")]
    assert '"true"' in crow and crow.split('"true"')[1].split()[0] == "1"  # LOCAL VOLUMES
    daemon.cli("rm", "cpv")
    assert daemon.cli("volume", "rm", "cp-data").returncode == 0


def test_driver_mounts_across_berthd_restarts(own_daemon):
    d = own_daemon
    assert d.cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "rv").returncode == 0
    data = d.data_root / "volumes/rv/_data"
    for name in ("rv1", "rv2"):
        r = d.cli("run", "-d", "--name", name, "-v", "rv:/t", "busybox", "sleep", "60")
        assert r.returncode == 0, r.stderr
    pid = json.loads(d.cli("inspect", "rv2").stdout)[0]["State"]["Pid"]
    d.process.send_signal(signal.SIGTERM)  # live restore: the containers keep their volume
    d.process.wait(30)
    assert _mounted(data)
    assert d.cli("ps", "-q").stdout.split() != []  # berthd started again by the CLI
    assert d.cli("stop", "-t", "0", "rv1").returncode == 0
    assert _mounted(data)  # rv2 still uses it
    for p in Path("/proc").iterdir():  # the berthd the CLI started: killed hard this time
        try:
            cmdline = (p / "cmdline").read_bytes().split(b"\0") if p.name.isdigit() else []
        except OSError:
            continue  # gone meanwhile
        if b"berth.api.main" in cmdline and f"unix://{d.socket}".encode() in cmdline:
            os.kill(int(p.name), signal.SIGKILL)
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)  # rv2 dies while no berthd runs
    time.sleep(1)
    assert "rv2" in d.cli("ps", "-a").stdout  # the next berthd records its exit ...
    assert not _mounted(data)  # ... and undoes the mount nobody holds any more
    d.cli("rm", "-f", "rv1", "rv2")
    assert d.cli("volume", "rm", "rv").returncode == 0


def test_cp_reaches_a_stopped_containers_driver_volume(daemon, tmp_path):
    device = tmp_path / "device"
    device.mkdir()
    (device / "old").write_text("on the device\n")
    assert daemon.cli("volume", "create", "-o", "type=none", "-o", "o=bind", "-o",
                      f"device={device}", "cpdev").returncode == 0
    assert daemon.cli("create", "--name", "cpdev-c", "-v", "cpdev:/b", "busybox",
                      "true").returncode == 0
    (tmp_path / "new").write_text("put by cp\n")
    r = daemon.cli("cp", str(tmp_path / "new"), "cpdev-c:/b/new")
    assert r.returncode == 0, r.stderr
    assert (device / "new").read_text() == "put by cp\n"  # on the device, not under it
    data = daemon.data_root / "volumes/cpdev/_data"
    assert not _mounted(data) and list(data.iterdir()) == []
    r = daemon.cli("cp", "cpdev-c:/b/old", str(tmp_path / "got"))
    assert r.returncode == 0 and (tmp_path / "got").read_text() == "on the device\n"
    assert not _mounted(data)
    daemon.cli("rm", "cpdev-c")
    assert daemon.cli("volume", "rm", "cpdev").returncode == 0
