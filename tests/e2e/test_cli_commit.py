"""berth diff, commit and export: a container's changes (whiteouts, a replaced directory, a
changed and an added file) listed, committed into an image whose containers see exactly
them, and exported; commit's options; a running container frozen during its commit; the
failures, which leave no image."""

import json
import os
import pty
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

BERTH = [sys.executable, "-m", "berth.cli.main"]
CHANGES = ("rm /etc/group && rm -rf /usr/sbin && mkdir /usr/sbin && touch /usr/sbin/new"
           " && echo changed >> /etc/passwd && echo added > /root/added")
DIFF = ["C /etc", "D /etc/group", "C /etc/passwd", "C /root", "A /root/added", "C /usr",
        "D /usr/sbin", "A /usr/sbin/new"]


@pytest.fixture
def made(berth_cli):
    """Containers and images the test makes, removed after it."""
    things: dict[str, list[str]] = {"containers": [], "images": []}
    yield things
    if things["containers"]:
        berth_cli("rm", "-f", *things["containers"])
    for image in things["images"]:
        berth_cli("rmi", "-f", image)


def _ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


def _members(data: bytes) -> dict[str, bytes | None]:
    import io

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        out: dict[str, bytes | None] = {}
        for m in tar:
            f = tar.extractfile(m) if m.isreg() else None
            out[m.name] = f.read() if f else None
        return out


def test_whiteout_round_trip(berth_cli, daemon, made, tmp_path):
    made["containers"] += ["rt-src", "rt-new"]
    made["images"].append("committed/rt:1")
    _ok(berth_cli("run", "--name", "rt-src", "busybox", "sh", "-c", CHANGES))
    assert _ok(berth_cli("diff", "rt-src")).splitlines() == DIFF

    image_id = _ok(berth_cli("commit", "rt-src", "committed/rt:1")).strip()
    assert image_id.startswith("sha256:") and len(image_id) == 71
    assert _ok(berth_cli("images", "-q", "--no-trunc", "committed/rt:1")).strip() == image_id

    seen = _ok(berth_cli("run", "--name", "rt-new", "committed/rt:1", "sh", "-c",
                         "test ! -e /etc/group && ls /usr/sbin && cat /root/added"
                         " && tail -n 1 /etc/passwd && ls /bin/busybox"))
    assert seen == "new\nadded\nchanged\n/bin/busybox\n"
    assert _ok(berth_cli("diff", "rt-new")) == ""  # nothing changed in the new one

    out = tmp_path / "rt.tar"
    _ok(berth_cli("export", "-o", str(out), "rt-new"))
    exported = out.read_bytes()
    members = _members(exported)
    assert members["root/added"] == b"added\n"
    assert (members["etc/passwd"] or b"").endswith(b"changed\n")
    assert "etc/group" not in members and "bin/busybox" in members
    assert [n for n in members if n.startswith("usr/sbin/")] == ["usr/sbin/new"]
    assert not any(".wh." in n for n in members)
    piped = subprocess.run([*BERTH, "export", "rt-new"], env=daemon.env, capture_output=True,
                           timeout=60, check=True).stdout
    assert piped == exported  # stdout redirected: the same tar, byte for byte


def test_commit_options(berth_cli, made):
    made["containers"] += ["opts-src", "opts-new"]
    made["images"].append("committed/opts:latest")
    _ok(berth_cli("run", "--name", "opts-src", "-e", "FROM_RUN=1", "busybox", "sh", "-c",
                  "echo x > /x"))
    image_id = _ok(berth_cli("commit", "-c", 'CMD ["echo","hi"]', "--change", "ENV B=2",
                             "-m", "a message", "-a", "Jane <jane@example.com>", "opts-src",
                             "committed/opts")).strip()
    assert _ok(berth_cli("run", "--name", "opts-new", "committed/opts")) == "hi\n"
    info = json.loads(_ok(berth_cli("inspect", "--type", "image", image_id)))[0]
    assert info["Author"] == "Jane <jane@example.com>" and info["Comment"] == "a message"
    assert info["Config"]["Cmd"] == ["echo", "hi"]
    assert "B=2" in info["Config"]["Env"] and "FROM_RUN=1" in info["Config"]["Env"]
    assert len(info["RootFS"]["Layers"]) == 2
    history = _ok(berth_cli("history", "--no-trunc", "committed/opts")).splitlines()
    assert "sh -c echo x > /x" in history[1] and "a message" in history[1]


def test_commit_of_an_unchanged_container_adds_no_layer(berth_cli, made):
    made["containers"].append("same-src")
    made["images"].append("committed/same:1")
    _ok(berth_cli("create", "--name", "same-src", "busybox", "true"))
    assert _ok(berth_cli("diff", "same-src")) == ""
    image_id = _ok(berth_cli("commit", "same-src", "committed/same:1")).strip()
    info = json.loads(_ok(berth_cli("inspect", "--type", "image", image_id)))[0]
    base = json.loads(_ok(berth_cli("inspect", "--type", "image", "busybox")))[0]
    assert info["RootFS"]["Layers"] == base["RootFS"]["Layers"]


def test_commit_of_a_running_container_pauses_it_and_leaves_it_running(berth_cli, made):
    made["containers"] += ["live-src", "live-new"]
    made["images"].append("committed/live:1")
    _ok(berth_cli("run", "-d", "--name", "live-src", "busybox", "sh", "-c",
                  "echo before > /state; while true; do sleep 0.1; done"))
    _ok(berth_cli("exec", "live-src", "sh", "-c", "test -e /state"))
    made["images"].append(_ok(berth_cli("commit", "live-src", "committed/live:1")).strip())
    status = json.loads(_ok(berth_cli("inspect", "live-src")))[0]["State"]
    assert status["Status"] == "running" and not status["Paused"]
    assert _ok(berth_cli("run", "--name", "live-new", "committed/live:1", "cat",
                         "/state")) == "before\n"
    _ok(berth_cli("exec", "live-src", "true"))  # still alive and thawed
    # a container paused by hand stays paused; --pause=false leaves a running one running
    _ok(berth_cli("pause", "live-src"))
    made["images"].append(_ok(berth_cli("commit", "live-src", "committed/live:1")).strip())
    assert json.loads(_ok(berth_cli("inspect", "live-src")))[0]["State"]["Paused"]
    _ok(berth_cli("unpause", "live-src"))
    made["images"].append(
        _ok(berth_cli("commit", "--pause=false", "live-src", "committed/live:1")).strip())
    assert json.loads(_ok(berth_cli("inspect", "live-src")))[0]["State"]["Running"]


def test_failures(berth_cli, made):
    made["containers"].append("fail-src")
    for args in (("diff", "nosuch"), ("export", "-o", "/dev/null", "nosuch"),
                 ("commit", "nosuch")):
        code, _, err = berth_cli(*args)
        assert code == 1 and "No such container: nosuch" in err, err
    _ok(berth_cli("create", "--name", "fail-src", "busybox", "true"))
    before = _ok(berth_cli("images", "-aq", "--no-trunc"))
    code, _, err = berth_cli("commit", "fail-src", "BadName")
    assert code == 1 and "invalid reference format: repository name must be lowercase" in err
    code, _, err = berth_cli("commit", "fail-src", "ok/name@sha256:" + "a" * 64)
    assert code == 1 and "cannot commit to digest reference" in err, err
    code, _, err = berth_cli("commit", "-c", "FROM busybox", "fail-src", "ok/name")
    assert code == 1 and "from is not a valid change command" in err
    assert _ok(berth_cli("images", "-aq", "--no-trunc")) == before
    _ok(berth_cli("rm", "fail-src"))
    for args in (("diff", "fail-src"), ("export", "fail-src")):
        code, _, err = berth_cli(*args)
        assert code == 1 and "No such container: fail-src" in err


def test_export_refuses_a_terminal(daemon, made):
    made["containers"].append("tty-src")
    subprocess.run([*BERTH, "create", "--name", "tty-src", "busybox"], env=daemon.env,
                   check=True, capture_output=True, timeout=60)
    main, secondary = pty.openpty()
    try:
        r = subprocess.run([*BERTH, "export", "tty-src"], env=daemon.env, stdout=secondary,
                           stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(main)
        os.close(secondary)
    assert r.returncode == 1
    assert r.stderr.decode().strip() == ("cowardly refusing to save to a terminal. "
                                         "Use the -o flag or redirect")


def _blobs_and_snapshots(root: Path) -> set[str]:
    return ({p.name for p in (root / "content" / "blobs" / "sha256").iterdir()}
            | {p.name for p in (root / "snapshots").iterdir()})


def test_a_commit_that_fails_midway_leaves_no_image(own_daemon):
    d = own_daemon
    assert d.cli("run", "--name", "midway", "busybox", "sh", "-c",
                 "echo data > /data").returncode == 0
    assert d.cli("tag", "busybox", "keep/me:1").returncode == 0
    before_images = d.cli("images", "-aq", "--no-trunc").stdout
    before_files = _blobs_and_snapshots(d.data_root)
    blobs = d.data_root / "content" / "blobs" / "sha256"
    # The layer tar is written, then its blob cannot be published under its digest.
    subprocess.run(["chattr", "+i", str(blobs)], check=True)
    try:
        r = d.cli("commit", "midway", "keep/me:1")
    finally:
        subprocess.run(["chattr", "-i", str(blobs)], check=True)
    assert r.returncode == 1 and "Error response from daemon" in r.stderr
    assert d.cli("images", "-aq", "--no-trunc").stdout == before_images
    assert d.cli("images", "-q", "keep/me:1").stdout == d.cli("images", "-q", "busybox").stdout
    assert _blobs_and_snapshots(d.data_root) == before_files  # no temp dir, no ingest left
    assert not list((d.data_root / "content" / "ingest").iterdir())
    assert d.cli("commit", "midway", "keep/me:1").returncode == 0  # and it works again


def test_remove_during_a_commit_waits_for_it(daemon, made):
    made["images"].append("committed/race:1")
    subprocess.run([*BERTH, "run", "--name", "race-src", "busybox", "sh", "-c",
                    "mkdir /d && for i in $(seq 300); do echo $i > /d/$i; done"],
                   env=daemon.env, check=True, capture_output=True, timeout=60)
    commit = subprocess.Popen([*BERTH, "commit", "race-src", "committed/race:1"],
                              env=daemon.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rm = subprocess.run([*BERTH, "rm", "-f", "race-src"], env=daemon.env, capture_output=True,
                        timeout=60)
    _, err = commit.communicate(timeout=60)
    assert rm.returncode == 0, rm.stderr
    if commit.returncode == 0:  # it went first: the image has every file
        r = subprocess.run([*BERTH, "run", "--rm", "committed/race:1", "sh", "-c",
                            "ls /d | wc -l"], env=daemon.env, capture_output=True, timeout=60)
        assert r.stdout.strip() == b"300"
    else:  # the removal went first
        assert b"No such container" in err
