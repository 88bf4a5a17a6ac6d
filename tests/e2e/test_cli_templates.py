"""berth ... --format against docker 28's CLI on the same daemon: the same text, the same
errors and exit statuses."""

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DOCKER = Path("/usr/local/bin/docker")
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def docker28(daemon: Any) -> Run:
    assert DOCKER.exists(), "the docker 28 client is missing: run the set-up"
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}

    def run(*args: str) -> tuple[int, str, str]:
        r = subprocess.run([str(DOCKER), *args], env=env, capture_output=True, text=True,
                           timeout=60)
        return r.returncode, r.stdout, r.stderr

    return run


@pytest.fixture
def containers(berth_cli: Run) -> Iterator[tuple[str, str]]:
    """A running container with labels and a created one (removed afterwards)."""
    code, out, err = berth_cli("run", "-d", "--name", "fmt-web", "-l", "com.example.x=1",
                               "-l", "foo=bar", "-e", "A=1", "busybox", "sleep", "300")
    assert code == 0, err
    code, out2, err = berth_cli("create", "--name", "fmt-new", "busybox", "echo", "hi")
    assert code == 0, err
    try:
        yield out.strip(), out2.strip()
    finally:
        berth_cli("rm", "-f", "fmt-web", "fmt-new")


def _rows(result: tuple[int, str, str], any_order: bool) -> tuple[int, object, str]:
    code, out, err = result
    return code, sorted(out.splitlines()) if any_order else out, err


def same(berth_cli: Run, docker28: Run, *args: str, rows_in_any_order: bool = False
         ) -> tuple[int, str, str]:
    """Run both; a second try absorbs a clock tick ("Up 1 second" -> "Up 2 seconds").
    ``rows_in_any_order``: docker lists an image's tags in Go's random map order."""
    for _ in range(2):
        theirs, ours = docker28(*args), berth_cli(*args)
        if _rows(ours, rows_in_any_order) == _rows(theirs, rows_in_any_order):
            return ours
        time.sleep(0.5)
    assert _rows(ours, rows_in_any_order) == _rows(theirs, rows_in_any_order), args
    return ours


@pytest.mark.parametrize("template", [
    "{{.State.Status}}",
    "{{json .Config.Env}}",
    "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}",
    '{{index .Config.Labels "com.example.x"}} {{.Config.Labels.foo}} {{.Config.Labels.nope}}',
    "{{range .Config.Cmd}}[{{.}}]{{end}} {{.Name | upper}} {{len .Config.Cmd}}",
    "{{if eq .State.Status \"running\"}}up{{else}}down{{end}} {{.State.Running}}",
])
def test_inspect_format(berth_cli: Run, docker28: Run, containers: tuple[str, str],
                        template: str) -> None:
    code, out, _ = same(berth_cli, docker28, "inspect", "-f", template, "fmt-web", "fmt-new")
    assert code == 0 and len(out.splitlines()) == 2


def test_inspect_format_errors(berth_cli: Run, docker28: Run,
                               containers: tuple[str, str]) -> None:
    code, out, err = same(berth_cli, docker28, "inspect", "-f", "{{.Foo}}", "fmt-web")
    assert (code, out) == (1, "\n")
    assert err == ('template parsing error: template: :1:2: executing "" at <.Foo>: '
                   'map has no entry for key "Foo"\n')
    code, _, err = same(berth_cli, docker28, "inspect", "-f", "{{.Foo", "fmt-web")
    assert code == 64 and err == "template parsing error: template: :1: unclosed action\n"
    assert same(berth_cli, docker28, "inspect", "--type", "image", "-f",
                "{{.Id}} {{.RepoTags}}", "busybox")[0] == 0
    code, out, _ = same(berth_cli, docker28, "inspect", "-f", "json", "fmt-new")
    assert json.loads(out)[0]["Name"] == "/fmt-new"


def test_ps_format(berth_cli: Run, docker28: Run, containers: tuple[str, str]) -> None:
    code, out, _ = same(berth_cli, docker28, "ps", "-a", "--format",
                        "table {{.Names}}\\t{{.Status}}")
    assert code == 0 and out.startswith("NAMES ") and "fmt-web" in out
    same(berth_cli, docker28, "ps", "-a", "--format",
         '{{.ID}} {{.Image}} {{.Command}} {{.State}} {{.Labels}} {{.Label "foo"}}')
    code, out, _ = same(berth_cli, docker28, "ps", "--format", "json")
    assert json.loads(out.splitlines()[0])["Names"]
    code, out, err = same(berth_cli, docker28, "ps", "-q", "--format", "{{.Names}}")
    assert "Ignoring custom format" in err and containers[0][:12] in out
    assert same(berth_cli, docker28, "ps", "--format", "{{.Foo")[:2] == (1, "")
    assert same(berth_cli, docker28, "ps", "--format", "{{.Nope}}")[0] == 1


@pytest.fixture
def second_tag(berth_cli: Run) -> Iterator[None]:
    """busybox under a second name: one image, two rows."""
    assert berth_cli("tag", "busybox", "fmt/box:1")[0] == 0
    try:
        yield
    finally:
        berth_cli("rmi", "fmt/box:1")


@pytest.mark.usefixtures("second_tag")
def test_images_history_version_info_df_format(berth_cli: Run, docker28: Run) -> None:
    code, out, _ = same(berth_cli, docker28, "images", "--format",
                        "{{.Repository}}:{{.Tag}}", rows_in_any_order=True)
    assert code == 0 and "busybox:latest\n" in out and "fmt/box:1\n" in out
    same(berth_cli, docker28, "images", "--format",
         "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Size}}\\t{{.Containers}}",
         rows_in_any_order=True)
    same(berth_cli, docker28, "images", "-q", "--format", "{{.ID}} {{.Digest}}",
         rows_in_any_order=True)
    same(berth_cli, docker28, "history", "--format", "{{.ID}}|{{.Size}}|{{.Comment}}",
         "busybox")
    same(berth_cli, docker28, "history", "--format", "table {{.ID}}\\t{{.CreatedBy}}",
         "busybox")
    assert same(berth_cli, docker28, "version", "--format", "{{.Server.Version}}")[0] == 0
    assert same(berth_cli, docker28, "version", "--format", "{{.Foo")[0] == 64
    assert same(berth_cli, docker28, "info", "--format", "{{.ServerVersion}} {{.NCPU}} "
                "{{.ClientInfo.Context}}")[0] == 0
    assert same(berth_cli, docker28, "info", "--format", "{{.Nope}}")[0] == 1
    same(berth_cli, docker28, "system", "df", "--format", "{{.Type}}: {{.TotalCount}}")
    assert same(berth_cli, docker28, "system", "df", "--format", "{{.Foo}}")[0] == 1
