"""Arguments, and docker's usage errors and exit statuses."""

import pytest

from berth.cli.main import main
from berth.cli.parser import parse
from berth.cli.usage import UsageError


def test_run_stops_at_the_image() -> None:
    a = parse(["run", "--rm", "-e", "A=1", "-eB", "-w", "/tmp", "--name", "x", "busybox",
               "ls", "-l", "--rm"])
    assert (a.command, a.rm, a.env, a.workdir, a.name) == ("run", True, ["A=1", "B"], "/tmp", "x")
    assert (a.image, a.args) == ("busybox", ["ls", "-l", "--rm"])
    a = parse(["run", "-dit", "--entrypoint", "", "busybox"])
    assert (a.detach, a.interactive, a.tty, a.entrypoint, a.args) == (True, True, True, "", [])
    assert parse(["run", "-h", "box", "busybox"]).hostname == "box"


def test_other_commands() -> None:
    a = parse(["-H", "tcp://h:1", "ps", "-aq", "--no-trunc"])
    assert (a.host, a.all, a.quiet, a.no_trunc) == ("tcp://h:1", True, True, True)
    a = parse(["import", "-c", "CMD [\"sh\"]", "-c", "ENV A=1", "-m", "hi", "-", "img:1"])
    assert (a.change, a.message, a.source, a.reference) == (
        ['CMD ["sh"]', "ENV A=1"], "hi", "-", "img:1")
    a = parse(["logs", "-f", "-t", "-n", "5", "web"])
    assert (a.follow, a.timestamps, a.tail, a.container) == (True, True, "5", "web")
    assert parse(["rm", "-f", "a", "b"]).containers == ["a", "b"]
    assert parse(["images", "-a", "busybox"]).reference == "busybox"


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["run", "--bogus", "busybox"], 125, "unknown flag: --bogus"),
    (["run", "-x", "busybox"], 125, "unknown shorthand flag: 'x' in -x"),
    (["ps", "--bogus"], 125, "unknown flag: --bogus"),
    (["run", "busybox", "-e"], None, None),  # after the image: the command's own argument
    (["run", "-e"], 125, "flag needs an argument: 'e' in -e"),
    (["run"], 1, '"berth run" requires at least 1 argument.'),
    (["rm"], 1, '"berth rm" requires at least 1 argument.'),
    (["ps", "extra"], 1, '"berth ps" accepts no argument "extra".'),
    (["ps", "-n", "x"], 125, 'invalid argument for "-n, --last" flag'),
    (["frobnicate"], 1, "'frobnicate' is not a berth command."),
    (["--bogus", "ps"], 125, "unknown flag: --bogus"),
    (["-H"], 125, "flag needs an argument: 'H' in -H"),
    (["run", "--det", "busybox"], 125, "unknown flag: --det"),
])
def test_usage_errors(argv: list[str], status: int | None, message: str | None) -> None:
    if status is None:
        assert parse(argv).args == ["-e"]
        return
    with pytest.raises(UsageError) as e:
        parse(argv)
    assert e.value.status == status
    assert message in e.value.message


def test_global_options() -> None:
    assert parse(["--host=unix:///x", "ps"]).host == "unix:///x"
    assert parse(["-Hunix:///y", "ps"]).host == "unix:///y"
    assert parse([]).command is None
    assert parse(["-v"]).version


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage:  berth [OPTIONS] COMMAND\n")
    assert "  run       Create and run a new container from an image\n" in out
    with pytest.raises(SystemExit) as e:
        main(["ps", "--help"])
    assert e.value.code == 0
    assert "--no-trunc" in capsys.readouterr().out


def test_main_prints_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--bogus", "busybox"]) == 125
    err = capsys.readouterr().err
    assert err == "berth: unknown flag: --bogus\nSee 'berth run --help'.\n"
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("berth version ")
