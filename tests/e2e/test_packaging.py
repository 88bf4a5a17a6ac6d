"""berth as a wheel: built from the checkout under its distribution name (PyPI's
"berth" is another project), with the LICENSE, the NOTICE of what came from moby and
the seccomp profile inside, installed into a fresh venv, whose ``berth version``
speaks to a berthd and whose ``berthd`` is the daemon's entry."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_a_wheel_installs_into_a_fresh_venv(tmp_path, daemon):
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, timeout=500, capture_output=True)
    wheel = next(out.glob("berth_engine-*-py3-none-any.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = z.read(f"{info}/METADATA").decode()
        entry_points = z.read(f"{info}/entry_points.txt").decode()
    assert "Name: berth-engine\n" in metadata and "License: Apache-2.0\n" in metadata
    assert {f"{info}/licenses/LICENSE", f"{info}/licenses/NOTICE",
            "berth/oci/seccomp_default.json", "berth/py.typed"} <= names
    assert "berth = berth.cli.main:main" in entry_points
    assert "berthd = berth.api.main:main" in entry_points
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # the CLI needs nothing beyond the standard library: no dependency is fetched here
    subprocess.run([str(venv / "bin" / "pip"), "install", "--no-deps", "-q", str(wheel)],
                   check=True, timeout=300, capture_output=True)
    r = subprocess.run([str(venv / "bin" / "berth"), "version", "--format",
                        "{{.Client.Version}} {{.Server.Version}}"], env=daemon.env,
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    client, server = r.stdout.split()
    assert client == server
    assert (venv / "bin" / "berthd").exists()
