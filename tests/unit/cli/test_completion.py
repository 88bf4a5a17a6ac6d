"""berth completion: scripts made from the parser, valid for their shell."""

import subprocess

import pytest

from berth.cli.commands import completion
from berth.cli.commands_table import GROUPS
from berth.cli.flags import BUILDERS
from berth.cli.main import main


def test_bash_script_is_valid_and_complete(tmp_path) -> None:
    script = completion.bash()
    path = tmp_path / "berth.bash"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    for name in [n for n in BUILDERS if " " not in n] + list(GROUPS):
        assert f" {name}" in script
    assert "--restart" in script and "complete -F _berth berth" in script


def test_bash_completes_commands_and_flags(tmp_path) -> None:
    path = tmp_path / "berth.bash"
    path.write_text(completion.bash())
    probe = ('source {}; COMP_WORDS=(berth ex); COMP_CWORD=1; _berth; echo "${{COMPREPLY[@]}}";'
             'COMP_WORDS=(berth exec --pri); COMP_CWORD=2; _berth; echo "${{COMPREPLY[@]}}"')
    out = subprocess.run(["/bin/bash", "-c", probe.format(path)], capture_output=True, text=True,
                         env={"PATH": "/nonexistent"}).stdout.splitlines()
    assert out[0].split() == ["exec", "export"]
    assert out[1] == "--privileged"


def test_zsh_and_fish() -> None:
    assert completion.zsh().startswith("#compdef berth")
    fish = completion.fish()
    assert "complete -c berth -n __fish_use_subcommand -f -a run" in fish
    assert "-l restart" in fish


def test_unknown_shell(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "tcsh"]) == 1
    assert 'unsupported shell "tcsh"' in capsys.readouterr().err
