"""Spec mounts after the defaults: binds (rw, ro, a file), tmpfs; none of them seen on the host."""

from pathlib import Path
from typing import Any

from rt_support import Supervisor


def test_bind_and_tmpfs_mounts(supervisor: Supervisor, tmp_path: Path) -> None:
    vol = tmp_path / "vol"
    vol.mkdir()
    (vol / "in").write_text("from host\n")
    ro = tmp_path / "ro"
    ro.mkdir()
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 10.0.0.1\n")

    def edit(spec: dict[str, Any]) -> None:
        spec["mounts"] += [
            {"destination": "/data", "type": "bind", "source": str(vol),
             "options": ["rbind", "rprivate"]},
            {"destination": "/srv/ro", "type": "bind", "source": str(ro),
             "options": ["rbind", "ro"]},
            {"destination": "/etc/resolv.conf", "type": "bind", "source": str(conf),
             "options": ["rbind", "ro"]},
            {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "size=1m"]},
        ]

    r = supervisor.run(["sh", "-c", "cat /data/in; echo back > /data/out; "
                                    "touch /srv/ro/x 2>/dev/null || echo ro-ok; "
                                    "cat /etc/resolv.conf; touch /scratch/y && echo tmp-ok"],
                       edit=edit)
    assert r.stdout.decode().split("\n") == [
        "from host", "ro-ok", "nameserver 10.0.0.1", "tmp-ok", ""], r.stderr
    assert (vol / "out").read_text() == "back\n"
    assert not (ro / "x").exists()
    assert str(tmp_path) not in Path("/proc/self/mountinfo").read_text()
