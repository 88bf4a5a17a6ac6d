"""``berth`` as a user types it, against a real berthd with busybox:latest imported.

``berth_cli(*args, input=None)`` runs the CLI in a subprocess and returns
(exit status, stdout, stderr); the fixture lives in ``tests/conftest.py``.
"""

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

BerthCLI = Callable[..., tuple[int, str, str]]

PS_HEADER = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def all_names(berth_cli: BerthCLI) -> str:
    code, out, err = berth_cli("ps", "-a", "--no-trunc")
    assert code == 0, err
    return out


def test_run_echo(berth_cli: BerthCLI) -> None:
    assert berth_cli("run", "--rm", "busybox", "echo", "hello") == (0, "hello\n", "")


def test_stdout_and_stderr_are_kept_apart(berth_cli: BerthCLI) -> None:
    code, out, err = berth_cli("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2")
    assert (code, out, err) == (0, "out\n", "err\n")


def test_exit_status_is_the_commands(berth_cli: BerthCLI) -> None:
    assert berth_cli("run", "--rm", "busybox", "sh", "-c", "exit 3")[0] == 3
    assert berth_cli("run", "--rm", "busybox", "true")[0] == 0


def test_command_not_found_is_127(berth_cli: BerthCLI) -> None:
    name = unique("nf")
    code, _, err = berth_cli("run", "--rm", "--name", name, "busybox", "no-such-command")
    assert code == 127
    assert err.startswith("berth: Error response from daemon: ")
    assert name not in all_names(berth_cli)  # --rm: removed even though it never ran


def test_not_invokable_is_126(berth_cli: BerthCLI) -> None:
    code, _, err = berth_cli("run", "--rm", "busybox", "/etc")
    assert code == 126
    assert err.startswith("berth: Error response from daemon: ")


def test_env_and_workdir(berth_cli: BerthCLI) -> None:
    code, out, _ = berth_cli("run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "busybox",
                             "sh", "-c", "echo $FOO; pwd")
    assert (code, out) == (0, "bar\n/tmp\n")


def test_entrypoint_override(berth_cli: BerthCLI) -> None:
    code, out, _ = berth_cli("run", "--rm", "--entrypoint", "echo", "busybox", "a", "b")
    assert (code, out) == (0, "a b\n")


def test_interactive_stdin(berth_cli: BerthCLI) -> None:
    code, out, _ = berth_cli("run", "--rm", "-i", "busybox", "cat", input=b"piped\nlines\n")
    assert (code, out) == (0, "piped\nlines\n")


def test_detached_then_logs_then_rm(berth_cli: BerthCLI) -> None:
    name = unique("bg")
    code, out, err = berth_cli("run", "-d", "--name", name, "busybox", "sh", "-c",
                               "echo to-out; echo to-err >&2; sleep 100")
    assert code == 0, err
    cid = out.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", cid)
    deadline = time.monotonic() + 10
    while True:
        code, out, err = berth_cli("logs", name)
        if (out and err) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (code, out, err) == (0, "to-out\n", "to-err\n")
    code, out, err = berth_cli("logs", "--tail", "1", cid[:12])
    assert code == 0
    assert out + err in ("to-out\n", "to-err\n")  # one line, whichever was logged last
    assert cid[:12] in berth_cli("ps", "-q")[1].split()
    assert berth_cli("rm", "-f", name) == (0, f"{name}\n", "")
    assert name not in all_names(berth_cli)


def test_rm_leaves_no_container(berth_cli: BerthCLI) -> None:
    name = unique("gone")
    assert berth_cli("run", "--rm", "--name", name, "busybox", "true")[0] == 0
    assert name not in all_names(berth_cli)


def test_without_rm_the_container_stays_exited(berth_cli: BerthCLI) -> None:
    name = unique("kept")
    assert berth_cli("run", "--name", name, "busybox", "sh", "-c", "exit 4")[0] == 4
    rows = [line for line in all_names(berth_cli).splitlines() if line.endswith(name)]
    assert len(rows) == 1
    assert "Exited (4) " in rows[0]
    assert berth_cli("rm", name) == (0, f"{name}\n", "")


def test_ps_columns(berth_cli: BerthCLI) -> None:
    name = unique("cols")
    code, out, _ = berth_cli("run", "-d", "--name", name, "busybox", "sleep", "100")
    assert code == 0
    cid = out.strip()
    try:
        code, out, _ = berth_cli("ps")
        assert code == 0
        lines = out.splitlines()
        assert re.split(r" {3,}", lines[0]) == PS_HEADER
        header = lines[0]
        row = next(line for line in lines if line.endswith(name))
        starts = [header.index(h) for h in PS_HEADER]
        cells = [row[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        assert cells[0] == cid[:12]
        assert cells[1] == "busybox"
        assert cells[2] == '"sleep 100"'
        assert cells[3].endswith(" ago")
        assert cells[4].startswith("Up ")
        assert cells[6] == name
    finally:
        berth_cli("rm", "-f", name)


def test_unknown_image_is_125(berth_cli: BerthCLI) -> None:
    code, out, err = berth_cli("run", "--rm", "no-such-image")
    assert code == 125
    assert out == ""
    assert err.startswith("Unable to find image 'no-such-image:latest' locally\n")


def test_bad_flag_is_125(berth_cli: BerthCLI) -> None:
    code, out, err = berth_cli("run", "--bogus", "busybox")
    assert (code, out) == (125, "")
    assert "unknown flag: --bogus" in err


def test_images_lists_busybox(berth_cli: BerthCLI) -> None:
    code, out, _ = berth_cli("images")
    assert code == 0
    lines = out.splitlines()
    assert re.split(r" {3,}", lines[0]) == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
    assert any(re.match(r"busybox +latest +[0-9a-f]{12} ", line) for line in lines[1:])


def test_import_of_a_non_tar_fails_and_changes_nothing(berth_cli: BerthCLI,
                                                      tmp_path: Path) -> None:
    before = berth_cli("images", "-a", "-q", "--no-trunc")[1]
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"this is not a tar archive\n" * 100)
    code, _, err = berth_cli("import", str(junk), "junk:1")
    assert code == 1
    assert err.strip()
    assert berth_cli("images", "-a", "-q", "--no-trunc")[1] == before
    assert "junk" not in berth_cli("images")[1]


def test_import_from_stdin(berth_cli: BerthCLI, busybox_tar: Path) -> None:
    code, out, err = berth_cli("import", "-", "fromstdin:1", input=busybox_tar.read_bytes())
    assert code == 0, err
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", out.splitlines(keepends=True)[-1])
    assert "fromstdin" in berth_cli("images", "fromstdin")[1]


def test_version_and_info(berth_cli: BerthCLI) -> None:
    code, out, _ = berth_cli("version")
    assert code == 0
    assert out.startswith("Client:\n Version:")
    assert "\nServer:" in out and "API version:" in out
    code, out, _ = berth_cli("info")
    assert code == 0
    assert "Server:\n Containers: " in out
