"""The runtime's pure helpers: option parsing, path resolution, program lookup, validation."""

import os
from pathlib import Path

import pytest

from berth.errors import CommandNotFound, CommandNotInvokable, FailedPrecondition
from berth.oci.spec import default_spec
from berth.runtime import process, rootfs, spawn
from berth.runtime.linux import sys as lx


def test_parse_options() -> None:
    flags, data = rootfs.parse_options(["nosuid", "noexec", "mode=755", "size=65536k", "ro",
                                        "rprivate"])
    assert flags == lx.MS_NOSUID | lx.MS_NOEXEC | lx.MS_RDONLY
    assert data == "mode=755,size=65536k"
    assert rootfs.propagation(["rbind", "rslave"]) == lx.MS_SLAVE | lx.MS_REC
    assert rootfs.parse_options(["rbind"])[0] == lx.MS_BIND | lx.MS_REC


def test_secure_join_stays_inside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "abs").symlink_to("/etc")
    (root / "up").symlink_to("../../../../etc")
    (root / "loop").symlink_to("loop")
    r = str(root)
    assert rootfs.secure_join(r, "/abs/passwd") == f"{r}/etc/passwd"
    assert rootfs.secure_join(r, "/up/x") == f"{r}/etc/x"
    assert rootfs.secure_join(r, "/../../x") == f"{r}/x"
    assert rootfs.secure_join(r, "/new/dir") == f"{r}/new/dir"
    with pytest.raises(OSError):
        rootfs.secure_join(r, "/loop/x")


def test_find_program(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tool").write_text("#!/bin/sh\n")
    (bin_dir / "tool").chmod(0o755)
    (bin_dir / "data").write_text("")
    env = [f"PATH=/nonexistent:{bin_dir}"]
    assert process.find_program("tool", env) == f"{bin_dir}/tool"
    with pytest.raises(CommandNotFound) as info:
        process.find_program("data", env)  # not executable: skipped, like Go's LookPath
    assert info.value.message == 'exec: "data": executable file not found in $PATH'
    with pytest.raises(CommandNotFound):
        process.find_program(f"{bin_dir}/missing", env)
    with pytest.raises(CommandNotInvokable):
        process.find_program(str(bin_dir), env)
    assert process.find_program(f"{bin_dir}/data", env) == f"{bin_dir}/data"


def test_cap_mask() -> None:
    assert process.cap_mask(["CAP_CHOWN", "CAP_KILL", "CAP_NOPE"]) == 0b100001


def _spec(**changes: object) -> dict[str, object]:
    spec = default_spec(args=["true"], env=[], cwd="/", hostname="h", root_path="/x/merged")
    spec.update(changes)
    return spec


def test_namespace_flags() -> None:
    spec = _spec()
    assert spawn.namespace_flags(spec) == (lx.CLONE_NEWNS | lx.CLONE_NEWNET | lx.CLONE_NEWUTS
                                           | lx.CLONE_NEWPID | lx.CLONE_NEWIPC)
    spec["linux"]["namespaces"][1]["path"] = "/run/netns/x"  # type: ignore[index]
    assert not spawn.namespace_flags(spec) & lx.CLONE_NEWNET


def test_validate() -> None:
    spawn.validate(_spec())
    with pytest.raises(FailedPrecondition, match=r"process\.args"):
        spawn.validate(_spec(process={"args": []}))
    with pytest.raises(FailedPrecondition, match="not absolute"):
        spawn.validate(_spec(root={"path": "rel"}))
    no_mnt = _spec()
    no_mnt["linux"]["namespaces"] = [{"type": "pid"}]  # type: ignore[index]
    with pytest.raises(FailedPrecondition, match="mount namespace"):
        spawn.validate(no_mnt)
    odd = _spec()
    odd["linux"]["namespaces"].append({"type": "time"})  # type: ignore[index]
    with pytest.raises(FailedPrecondition, match="unsupported"):
        spawn.validate(odd)


def test_capget_reads_this_process() -> None:
    effective, permitted, _ = lx.capget()
    if os.geteuid() == 0:
        assert effective & (1 << 21)  # CAP_SYS_ADMIN
    assert effective & ~permitted == 0
    assert lx.last_cap() >= 40
