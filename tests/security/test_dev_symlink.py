"""An image whose ``/dev`` is a symlink to a host directory: berth makes device nodes
and links there before ``pivot_root``, and the console when there is a terminal.
Resolved inside the root, the symlink leads into the container's own tree (where
the ``/dev`` tmpfs went); on the old code (bfd8bdd, ``root + "/dev"``) every start
made world-writable device nodes in the host directory."""

import shutil
from pathlib import Path

import pytest
from rt_support import supervisor_on
from sec_support import make_hostile_rootfs


@pytest.mark.parametrize("tty", [False, True])
def test_a_dev_symlink_leads_nowhere_on_the_host(tmp_path: Path, attack_binary: Path,
                                                 tty: bool) -> None:
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    rootfs = make_hostile_rootfs(tmp_path / "rootfs", attack_binary)
    shutil.rmtree(rootfs / "dev")
    (rootfs / "dev").symlink_to(host_dir)
    with supervisor_on(tmp_path / "sup", rootfs) as sup:
        try:
            result = sup.run(["sh", "-c", "echo hi > /dev/null && ls /dev"], tty=tty)
        finally:
            assert list(host_dir.iterdir()) == []
        assert result.exit_code == 0, result
        assert "null" in result.stdout.decode().split()
        assert sup.run(["true"]).exit_code == 0
    assert list(host_dir.iterdir()) == []
